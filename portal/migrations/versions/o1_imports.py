"""bulk import: batches (preview, then import) and the businesses each brought in

Revision ID: o1_imports
Revises: n1_claims
Create Date: 2026-12-01 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'o1_imports'
down_revision = 'n1_claims'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('file_key', sa.String(length=200), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('PREVIEWED', 'IMPORTED', 'EXPIRED', name='batchstatus', native_enum=False, length=12), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('accepted_rows', sa.Integer(), nullable=False),
    sa.Column('refused_rows', sa.Integer(), nullable=False),
    sa.Column('known_rows', sa.Integer(), nullable=False),
    sa.Column('preview', sa.JSON(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=True),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_count', sa.Integer(), nullable=False),
    sa.Column('invited_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_batches_created_by_id_users')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_import_batches_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batches_province_code'), ['province_code'], unique=False)

    op.create_table('imported_businesses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=15), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('name_key', sa.String(length=240), nullable=False),
    sa.Column('invited_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_imported_businesses_batch_id_import_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_imported_businesses_business_id_businesses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_businesses')),
    sa.UniqueConstraint('business_id', name=op.f('uq_imported_businesses_business_id'))
    )
    with op.batch_alter_table('imported_businesses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_businesses_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_imported_businesses_phone'), ['phone'], unique=False)
        batch_op.create_index('ix_imported_businesses_province_name', ['province_code', 'name_key'], unique=False)


def downgrade():
    op.drop_table('imported_businesses')
    op.drop_table('import_batches')
