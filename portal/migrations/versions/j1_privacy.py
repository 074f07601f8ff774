"""privacy: consent to the versioned notice, closed accounts

Revision ID: j1_privacy
Revises: i1_session_version
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'j1_privacy'
down_revision = 'i1_session_version'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privacy_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('privacy_consented_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))

    op.create_table(
        'privacy_consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('notice_version', sa.Integer(), nullable=False),
        sa.Column('consented_at', sa.DateTime(), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_consents_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_consents')),
    )
    with op.batch_alter_table('privacy_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_consents_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('privacy_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_consents_user_id'))
    op.drop_table('privacy_consents')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
        batch_op.drop_column('privacy_consented_at')
        batch_op.drop_column('privacy_version')
