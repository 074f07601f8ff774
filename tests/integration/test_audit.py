"""The audit log: every staff, trainer and administrator action on someone else's personal data
or money writes exactly one row; owners on their own data write none; each province's staff see
their province's rows only; the rows cannot be changed; the log exports as CSV."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal import clock
from portal.assess import operations as assess
from portal.assess.questionnaires import choose
from portal.audit.models import AuditEvent
from portal.audit.recording import RECORD_TABLES
from portal.auth.models import Role, User
from portal.billing.models import SubsidyProgramme
from portal.businesses.models import Business
from portal.extensions import db
from portal.paysign.operations import save_sign
from portal.training.models import TrainingSession
from tests.conftest import HA_NOI, PASSWORD, QUANG_NINH
from tests.factories import (
    HA_NOI_COMMUNE,
    business_form_data,
    business_with_history,
    field_household_of,
)

BROWSER = "Mozilla/5.0 (Linux; Android 10) AuditTest/1.0"
HEADERS = {"User-Agent": BROWSER, "Accept-Language": "en"}


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    before = app.config.get("UPLOAD_FOLDER")
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    yield
    app.config["UPLOAD_FOLDER"] = before


@pytest.fixture
def world(app, make_user, make_business) -> SimpleNamespace:
    """A Quảng Ninh household with one of everything, a draft assessment filled by a trainer,
    and a national administrator."""
    w = business_with_history(app, make_user, make_business)
    w.admin = make_user(role=Role.ADMIN, name="Quản trị quốc gia")
    with app.app_context():
        business = db.session.get(Business, w.business.id)
        trainer = db.session.get(User, w.qn_trainer.id)
        draft, _new = assess.start_assessment(business, trainer, choose(business).questionnaire)
        db.session.commit()
        w.draft_id = draft.id
        w.session_id = db.session.scalar(
            sa.select(TrainingSession.id).where(TrainingSession.cohort_id == w.cohort_id)
        )
        w.programme_id = db.session.scalar(
            sa.select(SubsidyProgramme.id).where(SubsidyProgramme.province_code == QUANG_NINH)
        )
        save_sign(
            business,
            db.session.get(User, business.owner_id),
            bank_bin="970436",
            account_number="0011002345",
            account_name="NGUYEN VAN A",
            amount_vnd=None,
            message="",
        )
        db.session.commit()
    w.helper = make_user(role=Role.HELPER)
    with app.app_context():
        db.session.get(User, w.helper.id).province_code = QUANG_NINH
        db.session.commit()
    w.household_id = field_household_of(app, w.helper, make_business(province_code=QUANG_NINH))
    w.app = app
    return w


def audit_rows(app) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return list(rows)


def sign_in(client, user: User) -> None:
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"login": user.login, "password": PASSWORD})
    assert response.status_code == 302


@dataclass
class Case:
    """One call of an audited view: how, as whom, and the record the row must name."""

    method: str
    url: Callable[[SimpleNamespace], str]
    record: Callable[[SimpleNamespace], int | None] = lambda w: None
    data: Callable[[SimpleNamespace], dict] = lambda w: {}
    json: dict | None = None
    #: The attribute of the world holding the user who calls it.
    as_user: str = "qn_staff"
    #: A row with another action than the view's own (the view says what it did).
    action: str | None = None
    extra: dict = field(default_factory=dict)


#: Every audited view, in the order they are called (the ones that change things last).
CASES: dict[str, Case] = {
    "businesses.list_businesses": Case("GET", lambda w: "/businesses/"),
    "businesses.show_business": Case(
        "GET", lambda w: f"/businesses/{w.business.id}", lambda w: w.business.id, as_user="admin"
    ),
    "businesses.edit_business": Case(
        "GET", lambda w: f"/businesses/{w.business.id}/edit", lambda w: w.business.id
    ),
    "assess.list_assessments": Case(
        "GET", lambda w: f"/businesses/{w.business.id}/assessments", lambda w: w.business.id
    ),
    "assess.start": Case(
        "GET",
        lambda w: f"/businesses/{w.business.id}/assessments/start",
        lambda w: w.business.id,
        as_user="qn_trainer",
    ),
    "assess.step": Case(
        "GET",
        lambda w: f"/assessments/{w.draft_id}/step/1",
        lambda w: w.draft_id,
        as_user="qn_trainer",
    ),
    "assess.autosave": Case(
        "POST",
        lambda w: f"/assessments/{w.draft_id}/autosave",
        lambda w: w.draft_id,
        json={"question": "internet", "value": "weak"},
        as_user="qn_trainer",
    ),
    "assess.review": Case(
        "GET", lambda w: f"/assessments/{w.draft_id}/review", lambda w: w.draft_id
    ),
    "assess.show": Case(
        "GET", lambda w: f"/assessments/{w.assessment_id}", lambda w: w.assessment_id
    ),
    "assess.report_pdf": Case(
        "GET", lambda w: f"/assessments/{w.assessment_id}/report.pdf", lambda w: w.assessment_id
    ),
    "onboarding.business_paths": Case(
        "GET", lambda w: f"/onboarding/businesses/{w.business.id}", lambda w: w.business.id
    ),
    "onboarding.show_path": Case(
        "GET", lambda w: f"/onboarding/{w.onboarding_id}", lambda w: w.onboarding_id
    ),
    "onboarding.evidence_file": Case(
        "GET", lambda w: f"/onboarding/evidence/{w.evidence_id}/file", lambda w: w.evidence_id
    ),
    "onboarding.review_queue": Case("GET", lambda w: "/onboarding/review", as_user="qn_trainer"),
    "training.edit_course": Case(
        "GET", lambda w: f"/training/courses/{w.course_id}/edit", lambda w: w.course_id
    ),
    "training.show_cohort": Case(
        "GET",
        lambda w: f"/training/cohorts/{w.cohort_id}",
        lambda w: w.cohort_id,
        as_user="qn_trainer",
    ),
    "training.edit_cohort": Case(
        "GET", lambda w: f"/training/cohorts/{w.cohort_id}/edit", lambda w: w.cohort_id
    ),
    "training.assign": Case(
        "GET", lambda w: f"/training/cohorts/{w.cohort_id}/assign", lambda w: w.cohort_id
    ),
    "training.attendance": Case(
        "GET",
        lambda w: f"/training/sessions/{w.session_id}/attendance",
        lambda w: w.session_id,
        as_user="qn_trainer",
    ),
    "training.class_roster": Case(
        "GET",
        lambda w: f"/training/cohorts/{w.cohort_id}/participants",
        lambda w: w.cohort_id,
        as_user="qn_trainer",
    ),
    "training.checkin_board": Case(
        "GET",
        lambda w: f"/training/sessions/{w.session_id}/check-in",
        lambda w: w.session_id,
    ),
    "training.completion": Case(
        "GET", lambda w: f"/training/cohorts/{w.cohort_id}/completion", lambda w: w.cohort_id
    ),
    "training.certificate_pdf": Case(
        "GET",
        lambda w: f"/training/certificates/{w.certificate_id}.pdf",
        lambda w: w.certificate_id,
    ),
    "billing.show_price": Case(
        "GET", lambda w: f"/billing/enrolments/{w.enrolment_id}", lambda w: w.enrolment_id
    ),
    "billing.receipt_pdf": Case(
        "GET", lambda w: f"/billing/payments/{w.payment_id}/receipt.pdf", lambda w: w.payment_id
    ),
    "billing.money_report": Case("GET", lambda w: "/billing/report"),
    "billing.list_programmes": Case("GET", lambda w: "/billing/programmes"),
    "billing.new_programme": Case("GET", lambda w: "/billing/programmes/new"),
    "billing.edit_programme": Case(
        "GET", lambda w: f"/billing/programmes/{w.programme_id}/edit", lambda w: w.programme_id
    ),
    "paysign.show_sign": Case(
        "GET", lambda w: f"/payment-sign/businesses/{w.business.id}", lambda w: w.business.id
    ),
    "paysign.sign_pdf": Case(
        "GET",
        lambda w: f"/payment-sign/businesses/{w.business.id}/sign.pdf",
        lambda w: w.business.id,
        as_user="qn_trainer",
    ),
    "admin.list_users": Case("GET", lambda w: "/admin/users"),
    "field.team": Case("GET", lambda w: "/field/team"),
    "field.report": Case("GET", lambda w: "/field/report"),
    "field.report_csv": Case("GET", lambda w: "/field/report.csv"),
    "field.matches": Case("GET", lambda w: "/field/matches"),
    "field.merge": Case(
        "GET", lambda w: f"/field/matches/{w.household_id}/merge", lambda w: w.household_id
    ),
    "field.dismiss": Case(
        "GET", lambda w: f"/field/matches/{w.household_id}/dismiss", lambda w: w.household_id
    ),
    "field.slip": Case(
        "GET", lambda w: f"/field/households/{w.household_id}/slip", lambda w: w.household_id
    ),
    "field.slip_pdf": Case(
        "GET", lambda w: f"/field/households/{w.household_id}/slip.pdf", lambda w: w.household_id
    ),
    "admin.new_user": Case("GET", lambda w: "/admin/users/new"),
    "admin.edit_user": Case(
        "GET", lambda w: f"/admin/users/{w.qn_trainer.id}", lambda w: w.qn_trainer.id
    ),
    "reports.export_enrolments": Case("GET", lambda w: "/reports/enrolments.csv"),
    "audit.index": Case("GET", lambda w: "/audit/"),
    "audit.export_csv": Case("GET", lambda w: "/audit/export.csv"),
    # Changes.
    "onboarding.review_evidence": Case(
        "POST",
        lambda w: f"/onboarding/evidence/{w.pending_id}/review",
        lambda w: w.pending_id,
        data=lambda w: {"decision": "verify", "reason": ""},
        as_user="qn_trainer",
    ),
    "training.mark_attendance": Case(
        "POST",
        lambda w: f"/training/sessions/{w.session_id}/attendance/{w.enrolment_id}",
        lambda w: w.enrolment_id,
        data=lambda w: {"present": "1"},
        as_user="qn_trainer",
    ),
    "training.withdraw_certificate": Case(
        "POST",
        lambda w: f"/training/certificates/{w.certificate_id}/withdraw",
        lambda w: w.certificate_id,
        data=lambda w: {"reason": "Cấp nhầm: học viên không tham dự đủ."},
    ),
    "training.cancel_enrolment": Case(
        "POST",
        lambda w: f"/training/enrolments/{w.enrolment_id}/cancel",
        lambda w: w.enrolment_id,
    ),
    "billing.cancel_enrolment": Case(
        "POST",
        lambda w: f"/billing/enrolments/{w.enrolment_id}/cancel",
        lambda w: w.enrolment_id,
    ),
    "billing.refund_payment": Case(
        "POST", lambda w: f"/billing/payments/{w.payment_id}/refund", lambda w: w.payment_id
    ),
    "billing.set_programme_active": Case(
        "POST",
        lambda w: f"/billing/programmes/{w.programme_id}/active",
        lambda w: w.programme_id,
        data=lambda w: {"active": "0"},
    ),
    "imports.upload": Case(
        "POST",
        lambda w: "/imports/",
        lambda w: latest_import_batch(w),
        data=lambda w: {"file": (io.BytesIO(import_file()), "list.csv")},
    ),
    "imports.show": Case(
        "GET", lambda w: f"/imports/{latest_import_batch(w)}", lambda w: latest_import_batch(w)
    ),
    "imports.run": Case(
        "POST",
        lambda w: f"/imports/{latest_import_batch(w)}/import",
        lambda w: latest_import_batch(w),
    ),
    "imports.letters_pdf": Case(
        "GET",
        lambda w: f"/imports/{latest_import_batch(w)}/letters.pdf",
        lambda w: latest_import_batch(w),
    ),
    "field.set_communes": Case(
        "POST", lambda w: f"/field/team/{w.helper.id}/communes", lambda w: w.helper.id
    ),
}


def latest_import_batch(w) -> int:
    from portal.imports.models import ImportBatch

    with w.app.app_context():
        return db.session.scalar(sa.select(sa.func.max(ImportBatch.id)))


def import_file() -> bytes:
    from portal.imports import sample

    return sample.to_csv(sample.rows(QUANG_NINH, 2, seed=3))


def _audited_endpoints(app) -> dict[str, str]:
    return {
        endpoint: view.audit_action
        for endpoint, view in app.view_functions.items()
        if hasattr(view, "audit_action")
    }


def test_every_audited_view_has_a_case_here(app):
    assert set(_audited_endpoints(app)) == set(CASES)


def test_every_audited_view_names_a_known_record_and_action(app):
    from portal.audit.labels import ACTION_LABELS

    for endpoint, view in app.view_functions.items():
        if hasattr(view, "audit_action"):
            assert view.audit_action in ACTION_LABELS, endpoint
            assert view.audit_record in (None, *RECORD_TABLES), endpoint


def test_each_audited_view_writes_exactly_one_row(app, client, world):
    actions = _audited_endpoints(app)
    signed_in = None
    for endpoint, case in CASES.items():
        user = getattr(world, case.as_user)
        if signed_in != user.id:
            sign_in(client, user)
            signed_in = user.id
        before = len(audit_rows(app))
        response = client.open(
            case.url(world),
            method=case.method,
            data=case.data(world) if case.json is None else None,
            json=case.json,
            headers=HEADERS,
        )
        response.close()
        assert response.status_code < 400, (endpoint, response.status_code)
        new = audit_rows(app)[before:]
        assert len(new) == 1, (endpoint, [r.action for r in new])
        row = new[0]
        expected = {
            "action": case.action or actions[endpoint],
            "record_id": case.record(world),
            "province_code": QUANG_NINH,
            "user_id": user.id,
            "user_name": user.name,
            "user_role": user.role.value,
            "method": case.method,
            "remote_addr": "127.0.0.1",
            "user_agent": BROWSER,
        }
        got = {name: getattr(row, name) for name in expected}
        assert got == expected, endpoint


def test_a_change_and_its_row_are_saved_together(app, client, world):
    sign_in(client, world.qn_trainer)
    response = client.post(
        f"/onboarding/evidence/{world.pending_id}/review",
        data={"decision": "reject", "reason": "Không mở được đường dẫn."},
    )
    assert response.status_code == 302
    [row] = audit_rows(app)
    assert (row.action, row.method, row.changed) == ("evidence.review", "POST", True)
    assert row.table_name == "onboarding_evidence" and row.record_id == world.pending_id
    # Reading writes a row too, marked as not changing anything.
    client.get(f"/businesses/{world.business.id}")
    assert audit_rows(app)[-1].changed is False


def test_a_refused_view_writes_nothing(app, client, world, make_business):
    other = make_business(province_code=HA_NOI)
    sign_in(client, world.qn_staff)
    assert client.get(f"/businesses/{other.id}").status_code == 404
    assert client.get("/businesses/999999").status_code == 404
    assert audit_rows(app) == []


def test_moving_a_business_is_recorded_as_a_move(app, client, world):
    sign_in(client, world.admin)
    business = world.business
    data = business_form_data(business, province=str(HA_NOI), commune=str(HA_NOI_COMMUNE))
    response = client.post(
        f"/businesses/{business.id}/edit", data=data | {"confirm_move": "1"}, headers=HEADERS
    )
    assert response.status_code == 302
    [row] = audit_rows(app)
    assert (row.action, row.record_id, row.province_code) == (
        "business.move",
        business.id,
        QUANG_NINH,
    )
    assert row.changed and "Hà Nội" in row.detail and "Quảng Ninh" in row.detail


def test_creating_an_account_names_the_new_account(app, client, world):
    sign_in(client, world.qn_staff)
    response = client.post(
        "/admin/users/new",
        data={
            "name": "Lê Văn Mới",
            "email": "moi@example.vn",
            "phone": "",
            "password": "Một mật khẩu dài và khó đoán 2026",
            "confirm": "Một mật khẩu dài và khó đoán 2026",
            "role": "trainer",
            "province": str(QUANG_NINH),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        new_id = db.session.scalar(sa.select(User.id).where(User.email == "moi@example.vn"))
    [row] = audit_rows(app)
    assert (row.action, row.table_name, row.record_id, row.province_code) == (
        "user.create",
        "users",
        new_id,
        QUANG_NINH,
    )


def test_owner_on_their_own_data_writes_nothing(app, client, world):
    sign_in(client, world.owner)
    w = world
    for url in (
        "/businesses/",
        f"/businesses/{w.business.id}",
        f"/businesses/{w.business.id}/edit",
        f"/businesses/{w.business.id}/assessments",
        f"/assessments/{w.assessment_id}",
        f"/assessments/{w.assessment_id}/report.pdf",
        f"/onboarding/businesses/{w.business.id}",
        f"/onboarding/{w.onboarding_id}",
        f"/onboarding/evidence/{w.evidence_id}/file",
        f"/billing/enrolments/{w.enrolment_id}",
        f"/billing/payments/{w.payment_id}/receipt.pdf",
        f"/training/certificates/{w.certificate_id}.pdf",
    ):
        response = client.get(url)
        response.close()
        assert response.status_code == 200, url
    client.post(f"/training/enrolments/{w.enrolment_id}/cancel")
    assert audit_rows(app) == []


def test_one_own_account_is_not_audited(app, client, world):
    sign_in(client, world.qn_staff)
    client.get(f"/admin/users/{world.qn_staff.id}")
    assert [r.action for r in audit_rows(app)] == []


def test_each_province_sees_its_own_log_and_the_admin_all(app, client, world, make_user):
    hn_business = world.business.id  # viewed below by the Quảng Ninh staff
    sign_in(client, world.qn_staff)
    client.get(f"/businesses/{hn_business}")
    sign_in(client, world.hn_staff)
    client.get("/businesses/")  # a Hà Nội row, by the Hà Nội staff

    page = client.get("/audit/", headers=HEADERS).get_data(as_text=True)
    assert world.hn_staff.name in page and world.qn_staff.name not in page
    exported = client.get("/audit/export.csv", headers=HEADERS).get_data(as_text=True)
    assert world.hn_staff.name in exported and world.qn_staff.name not in exported

    sign_in(client, world.qn_staff)
    page = client.get("/audit/", headers=HEADERS).get_data(as_text=True)
    assert world.qn_staff.name in page and world.hn_staff.name not in page

    sign_in(client, world.admin)
    page = client.get("/audit/", headers=HEADERS).get_data(as_text=True)
    assert world.qn_staff.name in page and world.hn_staff.name in page

    sign_in(client, world.qn_trainer)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    sign_in(client, world.owner)
    assert client.get("/audit/").status_code == 403


def _log_table(client, url: str) -> str:
    """Return the log's table on the page (the filters list every action by name)."""
    page = client.get(url, headers=HEADERS).get_data(as_text=True)
    start = page.find('<table class="table table--stack" id="audit-log">')
    return page[start : page.index("</table>", start)] if start >= 0 else ""


def test_the_log_filters_by_person_action_and_period(app, client, world):
    sign_in(client, world.qn_trainer)
    client.get(f"/training/cohorts/{world.cohort_id}")
    sign_in(client, world.qn_staff)
    client.get(f"/businesses/{world.business.id}")
    trainer_only = _log_table(client, f"/audit/?user={world.qn_trainer.id}")
    assert "Opened a class list" in trainer_only and "Opened a business" not in trainer_only
    by_action = _log_table(client, "/audit/?action=business.view")
    assert "Opened a business" in by_action and "Opened a class list" not in by_action
    this_month = clock.today().replace(day=1).isoformat()
    assert "Opened a business" in _log_table(client, f"/audit/?start={this_month}")
    assert _log_table(client, "/audit/?start=2001-01-01&end=2001-01-31") == ""


def test_the_csv_export_neutralises_formulas(app, client, world, make_user):
    staff = {
        prefix: make_user(role=Role.STAFF, name=f'{prefix}HYPERLINK("http://x")')
        for prefix in ("=", "+", "-", "@")
    }
    for user in staff.values():
        sign_in(client, user)
        client.get(f"/businesses/{world.business.id}", headers=HEADERS)
    response = client.get("/audit/export.csv?action=business.view", headers=HEADERS)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    names = [r[header.index("Name")] for r in body]
    assert sorted(names) == sorted(f'\'{p}HYPERLINK("http://x")' for p in staff)
    assert {r[header.index("Action code")] for r in body} == {"business.view"}
    assert {r[header.index("Record id")] for r in body} == {str(world.business.id)}
    assert {r[header.index("Browser")] for r in body} == {BROWSER}


def _first_row_id(app, client, world) -> int:
    sign_in(client, world.qn_staff)
    client.get(f"/businesses/{world.business.id}")
    return audit_rows(app)[0].id


def test_the_database_refuses_to_change_a_row(app, client, world):
    row_id = _first_row_id(app, client, world)
    update = sa.text("UPDATE audit_events SET user_name = 'someone else' WHERE id = :id")
    with (
        app.app_context(),
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        db.engine.begin() as conn,
    ):
        conn.execute(update, {"id": row_id})
    assert audit_rows(app)[0].user_name == world.qn_staff.name


@pytest.mark.postgres_only
def test_postgresql_refuses_to_delete_a_row(app, client, world):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite keeps DELETE possible so the suite can empty its tables")
    row_id = _first_row_id(app, client, world)
    with (
        app.app_context(),
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        db.engine.begin() as conn,
    ):
        conn.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": row_id})
    assert [r.id for r in audit_rows(app)] == [row_id]
