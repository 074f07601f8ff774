"""monthly report aggregates per province, commune, sector and kind (filled by its helper)

Revision ID: r1_report_aggregates
Revises: q1_latest_assessment
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'r1_report_aggregates'
down_revision = 'q1_latest_assessment'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
