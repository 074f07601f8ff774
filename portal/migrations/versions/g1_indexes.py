"""indexes for the province reports and the business list at 100,000 businesses

Assessment scores get copies of their assessment's province and submission time (both fixed
at submission), so that average scores per dimension are read from one covering index.

Revision ID: g1_indexes
Revises: f1_api
Create Date: 2026-11-23 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'g1_indexes'
down_revision = 'f1_api'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_assessments_province_status')
        batch_op.create_index(batch_op.f('ix_assessments_province_status_submitted'), ['province_code', 'status', 'submitted_at', 'business_id'], unique=False)

    with op.batch_alter_table('assessment_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('province_code', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(), nullable=True))

    # Scores exist only for submitted assessments; updated_at only guards a missing submitted_at.
    op.execute(
        'UPDATE assessment_scores SET '
        'province_code = (SELECT assessments.province_code FROM assessments '
        'WHERE assessments.id = assessment_scores.assessment_id), '
        'submitted_at = (SELECT coalesce(assessments.submitted_at, assessments.updated_at) '
        'FROM assessments WHERE assessments.id = assessment_scores.assessment_id)'
    )

    with op.batch_alter_table('assessment_scores', schema=None) as batch_op:
        batch_op.alter_column('province_code', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('submitted_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index(batch_op.f('ix_assessment_scores_province_submitted'), ['province_code', 'submitted_at', 'dimension', 'score'], unique=False)

    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_businesses_province_name'), ['province_code', 'name', 'id'], unique=False)

    with op.batch_alter_table('enrolment_events', schema=None) as batch_op:
        batch_op.drop_index('ix_enrolment_events_province_at')
        batch_op.create_index(batch_op.f('ix_enrolment_events_province_at_state'), ['province_code', 'at', 'state', 'commune_code', 'sector', 'course_id', 'cohort_id', 'business_id'], unique=False)


def downgrade():
    with op.batch_alter_table('enrolment_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_events_province_at_state'))
        batch_op.create_index('ix_enrolment_events_province_at', ['province_code', 'at'], unique=False)

    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_businesses_province_name'))

    with op.batch_alter_table('assessment_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_scores_province_submitted'))
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('province_code')

    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_province_status_submitted'))
        batch_op.create_index('ix_assessments_province_status', ['province_code', 'status'], unique=False)
