"""payment signs: a business's VietQR account (bank BIN, account number and name, optional
fixed amount and message), one per business

Revision ID: l1_payment_sign
Revises: k1_audit
Create Date: 2026-12-01 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'l1_payment_sign'
down_revision = 'k1_audit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'payment_signs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('business_id', sa.Integer(), nullable=False),
        sa.Column('province_code', sa.Integer(), nullable=False),
        sa.Column('bank_bin', sa.String(length=6), nullable=False),
        sa.Column('account_number', sa.String(length=19), nullable=False),
        sa.Column('account_name', sa.String(length=70), nullable=False),
        sa.Column('amount_vnd', sa.BigInteger(), nullable=True),
        sa.Column('message', sa.String(length=100), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_payment_signs_business_id_businesses')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_payment_signs_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_signs')),
        sa.UniqueConstraint('business_id', name=op.f('uq_payment_signs_business_id')),
    )
    with op.batch_alter_table('payment_signs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_signs_province_code'), ['province_code'], unique=False)


def downgrade():
    with op.batch_alter_table('payment_signs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_signs_province_code'))
    op.drop_table('payment_signs')
