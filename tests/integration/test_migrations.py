"""The migration history builds exactly the schema the models describe, on this database."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from portal.extensions import db


def test_migration_history_has_a_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_models_and_migrated_schema_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_a_target_set_before_metrics_becomes_the_digital_business_target(app):
    with app.app_context():
        downgrade(revision="g1_indexes")
        try:
            with db.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO province_targets (province_code, target, by_year, start_on,"
                        " set_at) VALUES (22, 500, 2030, '2026-01-01', '2026-01-02 03:00:00')"
                    )
                )
        finally:
            upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT province_code, metric, target FROM province_targets")
            ).all()
    assert [tuple(r) for r in rows] == [(22, "digital_businesses", 500)]


def test_the_whole_history_downgrades_to_base_and_upgrades_again(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        head = ScriptDirectory.from_config(config).get_current_head()
        db.session.remove()
        downgrade(revision="base")
        try:
            with db.engine.connect() as conn:
                left_at_base = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        finally:
            upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            differences = compare_metadata(context, db.metadata)
            version = context.get_current_revision()
    assert left_at_base == set()
    assert differences == []
    assert version == head
