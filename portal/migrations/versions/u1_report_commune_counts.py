"""report aggregates per commune: the funnel and reports filtered by commune read one row per commune

Revision ID: u1_report_commune_counts
Revises: t1_report_counts_commune
Create Date: 2026-12-01 20:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'u1_report_commune_counts'
down_revision = 't1_report_counts_commune'
branch_labels = None
depends_on = None

KEYS = ['province_code', 'measure', 'day', 'commune_code']


def upgrade():
    op.create_table(
        'report_commune_counts',
        sa.Column('province_code', sa.Integer(), nullable=False),
        sa.Column('measure', sa.String(length=48), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('commune_code', sa.Integer(), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.Column('total', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(*KEYS, name=op.f('pk_report_commune_counts')),
    )
    op.create_index(
        'ix_report_commune_counts_commune', 'report_commune_counts',
        ['province_code', 'commune_code', 'measure', 'day'],
    )
    # Filled from report_counts, its groups added up (a new table: nothing waits on it).
    # Writes made by servers still on the previous release meanwhile are not in it:
    # README "Upgrades" says to run `flask rebuild-report-aggregates` after this one.
    keys = ', '.join(KEYS)
    op.execute(
        f'INSERT INTO report_commune_counts ({keys}, n, total) '
        f'SELECT {keys}, sum(n), sum(total) FROM report_counts GROUP BY {keys}'
    )


def downgrade():
    op.drop_index('ix_report_commune_counts_commune', table_name='report_commune_counts')
    op.drop_table('report_commune_counts')
