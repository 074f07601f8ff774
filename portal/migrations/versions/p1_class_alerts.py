"""class alerts: an owner asks to hear of new classes of a course or topic near their
business; the notices of classes that opened

Revision ID: p1_class_alerts
Revises: o1_imports
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'p1_class_alerts'
down_revision = 'o1_imports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('class_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('province_wide', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_class_alerts_business_id_businesses')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_class_alerts_course_id_courses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_alerts'))
    )
    with op.batch_alter_table('class_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_alerts_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_alerts_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_alerts_province_code'), ['province_code'], unique=False)

    op.create_table('class_alert_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('mailed_at', sa.DateTime(), nullable=True),
    sa.Column('dismissed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_class_alert_notices_business_id_businesses')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_class_alert_notices_cohort_id_cohorts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_alert_notices')),
    sa.UniqueConstraint('business_id', 'cohort_id', name=op.f('uq_class_alert_notices_business_id'))
    )
    with op.batch_alter_table('class_alert_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_alert_notices_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_alert_notices_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_alert_notices_province_code'), ['province_code'], unique=False)


def downgrade():
    with op.batch_alter_table('class_alert_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_alert_notices_province_code'))
        batch_op.drop_index(batch_op.f('ix_class_alert_notices_cohort_id'))
        batch_op.drop_index(batch_op.f('ix_class_alert_notices_business_id'))

    op.drop_table('class_alert_notices')
    with op.batch_alter_table('class_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_alerts_province_code'))
        batch_op.drop_index(batch_op.f('ix_class_alerts_course_id'))
        batch_op.drop_index(batch_op.f('ix_class_alerts_business_id'))

    op.drop_table('class_alerts')
