"""report aggregates: the commune index of report_counts covers the groups and values

Revision ID: v1_report_counts_covering
Revises: u1_report_commune_counts
Create Date: 2026-12-01 21:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'v1_report_counts_covering'
down_revision = 'u1_report_commune_counts'
branch_labels = None
depends_on = None

COLUMNS = ['province_code', 'commune_code', 'measure', 'day']
#: PostgreSQL reads a commune's rows from the index alone (no visit to the table's pages).
INCLUDE = ['sector', 'kind', 'size', 'n', 'total']


def _replace(old, new, include):
    # On a live table without blocking its writes (migrations README, pattern 3).
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.create_index(
                new, 'report_counts', COLUMNS, postgresql_include=include,
                postgresql_concurrently=True, if_not_exists=True,
            )
            op.drop_index(
                old, table_name='report_counts', postgresql_concurrently=True, if_exists=True
            )
    else:
        op.create_index(new, 'report_counts', COLUMNS)
        op.drop_index(old, table_name='report_counts')


def upgrade():
    _replace('ix_report_counts_commune', 'ix_report_counts_commune_covering', INCLUDE)


def downgrade():
    _replace('ix_report_counts_commune_covering', 'ix_report_counts_commune', [])
