"""Upgrading a real database: the previous release's data survives `flask db upgrade`.

The previous release's schema is revision h1_target_metrics (before the session version,
privacy and audit migrations). A fresh PostgreSQL database is brought to it, filled with
demo-like rows in plain SQL (the code of that release is gone), upgraded to head, taken one
step down and up again, as README "Deploy", section 9, does it: `flask db upgrade` in a
process of its own.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from tests.servers import fresh_database

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"
PREVIOUS_RELEASE = "h1_target_metrics"
PASSWORD = "amber-lantern-quiet-58"

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="upgrades are proved on PostgreSQL (production's database)",
)

# Rows as the previous release wrote them (enums by member name, like SQLAlchemy does; the
# assessment's status by value).
PREVIOUS_RELEASE_DATA = """
INSERT INTO users (id, name, email, phone, password_hash, role, province_code, locale, active,
                   created_at, created_by_id) VALUES
  (1, 'Quản trị Quốc gia', 'admin@example.vn', NULL, :hash, 'ADMIN', NULL, 'vi', true,
   '2026-03-01 02:00:00', NULL),
  (2, 'Cán bộ Quảng Ninh', 'qn.staff@example.vn', NULL, :hash, 'STAFF', 22, 'vi', true,
   '2026-03-01 02:05:00', 1),
  (3, 'Đặng Thị Hoa', 'hoa@example.vn', '0912345678', :hash, 'OWNER', NULL, NULL, true,
   '2026-03-02 08:00:00', NULL);
SELECT setval('users_id_seq', 3);
INSERT INTO businesses (id, owner_id, name, kind, tax_code, sector, size, province_code,
                        commune_code, address, created_at) VALUES
  (1, 3, 'Hộ Mật ong Đồng Văn', 'HOUSEHOLD', NULL, 'AGRICULTURE', 'FAMILY', 22, :commune,
   'Thôn 1', '2026-03-02 08:10:00');
SELECT setval('businesses_id_seq', 1);
INSERT INTO assessments (id, business_id, province_code, questionnaire_id,
                         questionnaire_version, status, answers, current_step, started_by_id,
                         assisted_by_id, created_at, updated_at, submitted_at, overall_score,
                         level) VALUES
  (1, 1, 22, 'household', 1, 'draft', '{"internet": "weak"}', 1, 3, NULL,
   '2026-03-03 01:00:00', '2026-03-03 01:05:00', NULL, NULL, NULL);
SELECT setval('assessments_id_seq', 1);
INSERT INTO courses (id, province_code, title_vi, title_en, description_vi, description_en,
                     topic, dimensions, audience, sectors, format, duration_hours, fee_vnd,
                     prerequisites_vi, prerequisites_en, min_attendance_pct, requires_check,
                     active, created_at, created_by_id) VALUES
  (1, 22, 'Bán hàng trên Zalo', 'Selling on Zalo', 'Mô tả', 'Description', 'sales', '[]',
   'HOUSEHOLD', '[]', 'IN_PERSON', 8, 0, '', '', 80, false, true, '2026-03-01 03:00:00', 2);
SELECT setval('courses_id_seq', 1);
INSERT INTO cohorts (id, course_id, province_code, trainer_id, commune_code, venue, online_link,
                     capacity, enrolment_deadline, created_at) VALUES
  (1, 1, 22, NULL, :commune, 'Nhà văn hoá thôn 1', '', 25, '2026-04-01',
   '2026-03-01 03:10:00');
SELECT setval('cohorts_id_seq', 1);
"""

# What the previous release's rows must still be, read back in plain SQL.
CHECKS = {
    "users": "SELECT id, name, email, role, province_code, password_hash FROM users ORDER BY id",
    "businesses": "SELECT id, owner_id, name, kind, province_code FROM businesses",
    "assessments": "SELECT id, business_id, status, answers::text, current_step FROM assessments",
    "courses": "SELECT id, title_vi, audience, format, fee_vnd FROM courses",
    "cohorts": "SELECT id, course_id, venue, capacity, enrolment_deadline FROM cohorts",
}

# The current code reads those rows through its models: the owner signs in with her old
# password, and her business and draft are hers.
READ_WITH_THE_MODELS = """
import sys
from portal import create_app
from portal.assess.models import Assessment
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.extensions import db

app = create_app({"WTF_CSRF_ENABLED": False})
with app.app_context():
    owner = db.session.scalar(db.select(User).where(User.email == "hoa@example.vn"))
    assert owner.role is Role.OWNER and owner.check_password(sys.argv[1])
    assert owner.session_version == 1 and owner.privacy_version is None
    business = db.session.get(Business, 1)
    assert business.owner_id == owner.id and business.name == "Hộ Mật ong Đồng Văn"
    assert db.session.get(Assessment, 1).answers == {"internet": "weak"}
client = app.test_client()
response = client.post("/auth/login", data={"login": "hoa@example.vn", "password": sys.argv[1]})
assert response.status_code == 302, response.status_code
print("ok")
"""


def _flask(env: dict, *args: str) -> str:
    done = subprocess.run(
        [FLASK, "db", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def _snapshot(engine: sa.Engine) -> dict:
    with engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(sa.text(sql))] for name, sql in
                CHECKS.items()}


def _current(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()


def _columns(engine: sa.Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_the_previous_release_data_survives_upgrade_downgrade_and_upgrade_again() -> None:
    from portal import geo

    url, drop = fresh_database("portal_upgrade")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env |= {"FLASK_APP": "portal", "PORTAL_ENV": "development", "DATABASE_URL": url}
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        _flask(env, "upgrade", PREVIOUS_RELEASE)
        assert _current(engine) == PREVIOUS_RELEASE
        assert "session_version" not in _columns(engine, "users")
        commune = int(geo.communes(22)[0].code)
        with engine.begin() as conn:
            for statement in filter(str.strip, PREVIOUS_RELEASE_DATA.split(";")):
                conn.execute(
                    sa.text(statement),
                    {"hash": generate_password_hash(PASSWORD, method="scrypt"),
                     "commune": commune},
                )
        before = _snapshot(engine)
        assert [len(rows) for rows in before.values()] == [3, 1, 1, 1, 1]

        # To head: every row kept, the new columns filled with their defaults.
        _flask(env, "upgrade")
        head = _current(engine)
        assert head != PREVIOUS_RELEASE
        assert _snapshot(engine) == before
        with engine.connect() as conn:
            assert conn.execute(
                sa.text("SELECT id, session_version, privacy_version, closed_at FROM users"
                        " ORDER BY id")
            ).all() == [(1, 1, None, None), (2, 1, None, None), (3, 1, None, None)]
            assert conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one() == 0
        engine.dispose()
        done = subprocess.run(
            [sys.executable, "-c", READ_WITH_THE_MODELS, PASSWORD],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr

        # One step down and up again (a release rolled back, then redone).
        _flask(env, "downgrade", "--", "-1")  # click reads a bare -1 as an option
        assert _current(engine) not in (head, PREVIOUS_RELEASE)
        assert _snapshot(engine) == before
        _flask(env, "upgrade")
        assert _current(engine) == head
        assert _snapshot(engine) == before
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT session_version FROM users")).scalars().all() == [
                1, 1, 1
            ]
    finally:
        engine.dispose()
        drop()
