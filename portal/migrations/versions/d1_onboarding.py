"""onboarding: started listing paths, step progress, evidence

Revision ID: d1_onboarding
Revises: c1_billing
Create Date: 2026-11-23 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1_onboarding'
down_revision = 'c1_billing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('onboarding_paths',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('path_id', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_onboarding_paths_business_id_businesses')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_onboarding_paths_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_paths')),
    sa.UniqueConstraint('business_id', 'path_id', name=op.f('uq_onboarding_paths_business_id'))
    )
    with op.batch_alter_table('onboarding_paths', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_paths_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboarding_paths_province_code'), ['province_code'], unique=False)

    op.create_table('onboarding_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('onboarding_id', sa.Integer(), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.String(length=40), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=False),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_onboarding_steps_done_by_id_users')),
    sa.ForeignKeyConstraint(['onboarding_id'], ['onboarding_paths.id'], name=op.f('fk_onboarding_steps_onboarding_id_onboarding_paths')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_steps')),
    sa.UniqueConstraint('onboarding_id', 'step_id', name=op.f('uq_onboarding_steps_onboarding_id'))
    )
    with op.batch_alter_table('onboarding_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_steps_onboarding_id'), ['onboarding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboarding_steps_province_code'), ['province_code'], unique=False)

    op.create_table('onboarding_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('onboarding_id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.Enum('URL', 'FILE', name='evidencekind', native_enum=False, length=8), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('file_path', sa.String(length=200), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('file_size', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'VERIFIED', 'REJECTED', name='evidencestatus', native_enum=False, length=12), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_onboarding_evidence_business_id_businesses')),
    sa.ForeignKeyConstraint(['onboarding_id'], ['onboarding_paths.id'], name=op.f('fk_onboarding_evidence_onboarding_id_onboarding_paths')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_onboarding_evidence_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_onboarding_evidence_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_evidence'))
    )
    with op.batch_alter_table('onboarding_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_evidence_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboarding_evidence_onboarding_id'), ['onboarding_id'], unique=False)
        batch_op.create_index('ix_onboarding_evidence_province_status', ['province_code', 'status'], unique=False)


def downgrade():
    op.drop_table('onboarding_evidence')
    op.drop_table('onboarding_steps')
    op.drop_table('onboarding_paths')
