"""claims: one claim code per business recorded on someone's behalf; the field households'
codes from the phone become claim codes

Revision ID: n1_claims
Revises: m1_field_teams
Create Date: 2026-12-01 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'n1_claims'
down_revision = 'm1_field_teams'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('claim_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('check_phone', sa.String(length=15), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('claimed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('unclaimed_owner_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_claim_codes_business_id_businesses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['claimed_by_user_id'], ['users.id'], name=op.f('fk_claim_codes_claimed_by_user_id_users')),
    sa.ForeignKeyConstraint(['unclaimed_owner_id'], ['users.id'], name=op.f('fk_claim_codes_unclaimed_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_codes')),
    sa.UniqueConstraint('business_id', name=op.f('uq_claim_codes_business_id')),
    sa.UniqueConstraint('code', name=op.f('uq_claim_codes_code'))
    )
    with op.batch_alter_table('claim_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_codes_province_code'), ['province_code'], unique=False)

    # Households already synced: their slip's code (made on the phone) becomes their claim code.
    op.execute(
        "INSERT INTO claim_codes (code, business_id, province_code, check_phone, created_at) "
        "SELECT f.claim_code, f.business_id, b.province_code, f.phone, f.received_at "
        "FROM field_households f JOIN businesses b ON b.id = f.business_id"
    )


def downgrade():
    with op.batch_alter_table('claim_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_codes_province_code'))

    op.drop_table('claim_codes')
