"""report aggregates per local day, province and group; target start values

Revision ID: r1_report_aggregates
Revises: q1_latest_assessment
Create Date: 2026-12-01 10:00:00

The tables start empty: run ``flask rebuild-report-aggregates`` once after this upgrade (it
fills them with set-based INSERT … SELECT and stores every target's start value); from then on
every write keeps them current. A big backfill belongs in a command run after the deploy, not in
the one transaction of ``flask db upgrade`` (portal/migrations/README).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'r1_report_aggregates'
down_revision = 'q1_latest_assessment'
branch_labels = None
depends_on = None

SECTORS = ('AGRICULTURE', 'FOOD_PROCESSING', 'HANDICRAFTS', 'INDUSTRY', 'TRADE', 'TOURISM', 'TRANSPORT_LOGISTICS', 'HEALTH', 'EDUCATION', 'NATURAL_RESOURCES', 'CONSTRUCTION', 'JOURNALISM', 'SERVICES', 'OTHER')
KINDS = ('ENTERPRISE', 'COOPERATIVE', 'HOUSEHOLD_BUSINESS', 'HOUSEHOLD')
SIZES = ('FAMILY', 'MICRO', 'SMALL', 'MEDIUM', 'LARGE')


def _groups():
    return [
        sa.Column('commune_code', sa.Integer(), nullable=False),
        sa.Column('sector', sa.Enum(*SECTORS, name='sector', native_enum=False, length=24), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='businesskind', native_enum=False, length=24), nullable=False),
        sa.Column('size', sa.Enum(*SIZES, name='businesssize', native_enum=False, length=12), nullable=False),
    ]


def _values():
    return [
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.Column('total', sa.Float(), nullable=False),
    ]


def upgrade():
    op.create_table(
        'report_totals',
        sa.Column('province_code', sa.Integer(), nullable=False),
        sa.Column('measure', sa.String(length=48), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *_values(),
        sa.PrimaryKeyConstraint('province_code', 'measure', 'day', name=op.f('pk_report_totals')),
    )
    op.create_table(
        'report_counts',
        sa.Column('province_code', sa.Integer(), nullable=False),
        sa.Column('measure', sa.String(length=48), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *_groups(),
        *_values(),
        sa.PrimaryKeyConstraint(
            'province_code', 'measure', 'day', 'commune_code', 'sector', 'kind', 'size',
            name=op.f('pk_report_counts'),
        ),
    )
    op.create_table(
        'report_contributions',
        sa.Column('business_id', sa.Integer(), nullable=False),
        sa.Column('province_code', sa.Integer(), nullable=False),
        sa.Column('measure', sa.String(length=48), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *_groups(),
        *_values(),
        sa.PrimaryKeyConstraint(
            'business_id', 'province_code', 'measure', 'day', 'commune_code', 'sector', 'kind',
            'size', name=op.f('pk_report_contributions'),
        ),
    )
    with op.batch_alter_table('province_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_value', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('province_targets', schema=None) as batch_op:
        batch_op.drop_column('start_value')
    op.drop_table('report_contributions')
    op.drop_table('report_counts')
    op.drop_table('report_totals')
