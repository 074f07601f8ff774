"""report aggregates: an index for reports filtered by commune

Revision ID: t1_report_counts_commune
Revises: s1_field_match_decisions
Create Date: 2026-12-01 18:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 't1_report_counts_commune'
down_revision = 's1_field_match_decisions'
branch_labels = None
depends_on = None

COLUMNS = ['province_code', 'commune_code', 'measure', 'day']


def upgrade():
    # On a live table without blocking its writes (migrations README, pattern 3).
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.create_index(
                'ix_report_counts_commune', 'report_counts', COLUMNS,
                postgresql_concurrently=True, if_not_exists=True,
            )
    else:
        op.create_index('ix_report_counts_commune', 'report_counts', COLUMNS)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.drop_index(
                'ix_report_counts_commune', table_name='report_counts',
                postgresql_concurrently=True, if_exists=True,
            )
    else:
        op.drop_index('ix_report_counts_commune', table_name='report_counts')
