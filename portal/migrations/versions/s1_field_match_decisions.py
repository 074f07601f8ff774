"""field households: staff's decision on a proposed match (merged or dismissed, who, when)

Revision ID: s1_field_match_decisions
Revises: r1_report_aggregates
Create Date: 2026-12-01 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 's1_field_match_decisions'
down_revision = 'r1_report_aggregates'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable columns without a default: no table rewrite, no backfill (None = still open).
    with op.batch_alter_table('field_households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_decision', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('match_decided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('match_decided_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_field_households_match_decided_by_id_users'),
            'users', ['match_decided_by_id'], ['id'],
        )


def downgrade():
    with op.batch_alter_table('field_households', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_field_households_match_decided_by_id_users'), type_='foreignkey'
        )
        batch_op.drop_column('match_decided_by_id')
        batch_op.drop_column('match_decided_at')
        batch_op.drop_column('match_decision')
