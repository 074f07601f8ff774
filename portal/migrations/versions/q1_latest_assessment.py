"""latest assessment per business and score histograms per group (filled by its helper)

Revision ID: q1_latest_assessment
Revises: p1_class_alerts
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q1_latest_assessment'
down_revision = 'p1_class_alerts'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
