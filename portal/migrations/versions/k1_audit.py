"""audit log: audit_events, append-only (the database refuses UPDATE and DELETE)

Revision ID: k1_audit
Revises: j1_privacy
Create Date: 2026-12-03 10:00:00

On PostgreSQL a trigger refuses UPDATE and DELETE of any row. On SQLite a trigger refuses
UPDATE; DELETE stays possible there so that the test suite can empty its tables between tests
(SQLite has no TRUNCATE, which on PostgreSQL bypasses row triggers). A later migration that
rebuilds this table in batch mode on SQLite must create the trigger again.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'k1_audit'
down_revision = 'j1_privacy'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
PG_TRIGGER = """
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
"""
SQLITE_TRIGGER = """
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused');
END
"""


def upgrade():
    op.create_table(
        'audit_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('user_role', sa.String(length=16), nullable=False),
        sa.Column('user_name', sa.String(length=120), nullable=False),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('table_name', sa.String(length=64), nullable=False),
        sa.Column('record_id', sa.BigInteger(), nullable=True),
        sa.Column('province_code', sa.Integer(), nullable=True),
        sa.Column('method', sa.String(length=8), nullable=False),
        sa.Column('changed', sa.Boolean(), nullable=False),
        sa.Column('detail', sa.String(length=200), nullable=False),
        sa.Column('remote_addr', sa.String(length=45), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index('ix_audit_events_province_at', ['province_code', 'occurred_at'], unique=False)
        batch_op.create_index('ix_audit_events_user_at', ['user_id', 'occurred_at'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    elif dialect == 'sqlite':
        op.execute(SQLITE_TRIGGER)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events')
        op.execute('DROP FUNCTION IF EXISTS audit_events_append_only()')
    elif dialect == 'sqlite':
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_update')

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_user_at')
        batch_op.drop_index('ix_audit_events_province_at')
        batch_op.drop_index(batch_op.f('ix_audit_events_occurred_at'))
    op.drop_table('audit_events')
