"""several targets per province, one per metric

Existing targets are of the number of digital businesses.

Revision ID: h1_target_metrics
Revises: g1_indexes
Create Date: 2026-11-23 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h1_target_metrics'
down_revision = 'g1_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('province_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('metric', sa.Enum('digital_businesses', 'households_digital_payments', 'businesses_trained', 'listings_verified', 'assessed_businesses', name='targetmetric', native_enum=False, length=32), server_default='digital_businesses', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_province_targets_province_code'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_province_targets_province_code_metric'), ['province_code', 'metric'])


def downgrade():
    # Only the digital-business targets fit the one-target-per-province schema.
    op.execute("DELETE FROM province_targets WHERE metric <> 'digital_businesses'")
    with op.batch_alter_table('province_targets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_province_targets_province_code_metric'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_province_targets_province_code'), ['province_code'])
        batch_op.drop_column('metric')
