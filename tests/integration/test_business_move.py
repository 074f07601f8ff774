"""A business that moves to another province takes its history with it (README, "When a business
moves to another province"): access and every report follow it at once, payments stay in the
books of the province whose course they paid for, and the digital-status history shows the move.
"""

import dataclasses
import re
import subprocess
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from portal import clock, geo
from portal.assess.models import Assessment, AssessmentScore
from portal.auth.models import Role, User
from portal.billing import queries as billing_queries
from portal.billing.models import Payment
from portal.businesses import operations
from portal.businesses.models import Business
from portal.extensions import db
from portal.onboarding.models import Evidence, OnboardingPath, StepProgress
from portal.reports import queries as reports
from portal.reports.models import DigitalStatus
from portal.reports.operations import set_definition
from portal.reports.targets import METRICS, TargetMetric
from portal.training import operations as training
from portal.training.models import (
    Attendance,
    Certificate,
    Cohort,
    CourseFormat,
    Enrolment,
    EnrolmentEvent,
    EnrolmentState,
    TrainingSession,
)
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import (
    EN,
    HA_NOI_COMMUNE,
    ID_PARAMETERS,
    business_form_data,
    business_with_history,
    enrol_now,
    move_business,
)

DA_NANG = 48

#: The models copying a business's province that a move changes (payments stay).
MOVED = {
    "assessments": (Assessment, Assessment.business_id),
    "enrolments": (Enrolment, Enrolment.business_id),
    "enrolment events": (EnrolmentEvent, EnrolmentEvent.business_id),
    "certificates": (Certificate, Certificate.business_id),
    "listing paths": (OnboardingPath, OnboardingPath.business_id),
    "evidence": (Evidence, Evidence.business_id),
    "digital status": (DigitalStatus, DigitalStatus.business_id),
}


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    before = app.config.get("UPLOAD_FOLDER")
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    yield
    app.config["UPLOAD_FOLDER"] = before


# ----------------------------------------------------------------------------- helpers


def status_of(client, url: str) -> int:
    """GET a page and return its status, closing the response (files are streamed)."""
    response = client.get(url)
    response.close()
    return response.status_code


def _id_routes(app):
    """Yield each route taking ids, with the names of its id parameters."""
    for rule in app.url_map.iter_rules():
        params = [p for p in rule.arguments if isinstance(rule._converters[p], IntegerConverter)]
        if params:
            yield rule, params


def _paid_class(app, trainer_id: int, starts_in: timedelta, fee_vnd: int = 500_000):
    """Create a course of Quảng Ninh with one cohort of one session; return (course, cohort)."""
    with app.app_context():
        trainer = db.session.get(User, trainer_id)
        course = training.create_course(
            trainer,
            QUANG_NINH,
            title_vi="Bán hàng qua mạng",
            title_en="Selling online",
            description_vi="",
            description_en="",
            topic="ecommerce",
            dimensions=["online_sales"],
            audience="both",
            sectors=[],
            format=CourseFormat.IN_PERSON,
            duration_hours=4,
            fee_vnd=fee_vnd,
            min_attendance_pct=100,
            requires_check=False,
        )
        cohort = training.create_cohort(
            course,
            [(clock.utcnow().replace(microsecond=0) + starts_in, 120)],
            trainer_id=trainer.id,
            commune_code=int(geo.communes(QUANG_NINH)[0].code),
            venue="Nhà văn hoá thôn 1",
            online_link="",
            capacity=10,
            enrolment_deadline=clock.today() + timedelta(days=2),
        )
        db.session.commit()
        return course.id, cohort.id


def figures(app, province: int, user: User) -> dict:
    """Every report figure of one province that a business's history feeds, as staff see it."""
    today = clock.today()
    f = reports.Filters(province, today - timedelta(days=30), today)
    with app.app_context():
        activity = reports.activity(f, user)
        counts = reports.enrolment_counts(f, "commune", user, "vi")
        metrics = reports.metric_values(province, user, {m: (m, today) for m in METRICS})
        return {
            "activity": dataclasses.asdict(activity),
            "scored": sum(n for _d, _avg, n in reports.average_scores(f, user)),
            "digital_3_days_ago": reports.count_digital_at(f, today - timedelta(days=3), user),
            "digital_today": reports.count_digital_at(f, today, user),
            "digital_by_commune": reports.digital_by(f, today - timedelta(days=3), "commune", user),
            "enrolment_events": counts.total,
            "events_by_commune": {row.key: row.total for row in counts.rows},
            "metrics": {m.value: v for m, v in metrics.items()},
            "money": [
                (r.course.id, r.subsidies_vnd)
                for r in billing_queries.money_report(user, f.start, f.end)
            ],
        }


# ----------------------------------------------------------------------- access follows


def test_old_province_can_open_nothing_of_a_moved_business_and_the_new_one_everything(
    app, client, auth, make_user, make_business
):
    h = business_with_history(app, make_user, make_business)
    pages = [
        f"/businesses/{h.business.id}",
        f"/businesses/{h.business.id}/assessments",
        f"/assessments/{h.assessment_id}",
        f"/assessments/{h.assessment_id}/report.pdf",
        f"/onboarding/businesses/{h.business.id}",
        f"/onboarding/{h.onboarding_id}",
        f"/onboarding/evidence/{h.evidence_id}/file",
        f"/training/certificates/{h.certificate_id}.pdf",
        f"/billing/enrolments/{h.enrolment_id}",
    ]
    auth.login(h.hn_staff)
    assert [status_of(client, p) for p in pages] == [404] * len(pages)
    auth.logout()

    move_business(app, h.business.id, h.owner)

    objects = {
        "business": h.business.id,
        "assessment": h.assessment_id,
        "step": 1,
        "enrolment": h.enrolment_id,
        "certificate": h.certificate_id,
        "onboarding": h.onboarding_id,
        "evidence": h.evidence_id,
        # The class is Quảng Ninh's offer, and stays so: routes naming only it are not probed.
        "session": None,
        "course": None,
        "cohort": None,
    }
    with app.app_context():
        session_id = db.session.scalar(
            sa.select(TrainingSession.id).where(TrainingSession.cohort_id == h.cohort_id)
        )
    for old in (h.qn_staff, h.qn_trainer):
        auth.login(old)
        probed = 0
        for rule, params in _id_routes(app):
            kinds = [ID_PARAMETERS[p] for p in params]
            if not any(objects.get(k) for k in kinds if k != "step"):
                continue
            url = rule.rule
            for p, kind in zip(params, kinds, strict=True):
                value = session_id if kind == "session" else objects[kind]
                url = re.sub(rf"<int:{p}>", str(value), url)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, data={})
                response.close()
                status = response.status_code
                assert status in (403, 404), (old.role, method, url, status)
                probed += 1
        assert probed >= 20
        listing = client.get("/businesses/").get_data(as_text=True)
        assert h.stayer.name in listing and h.business.name not in listing
        auth.logout()

    auth.login(h.hn_staff)
    assert [status_of(client, p) for p in pages] == [200] * len(pages)
    assert h.business.name in client.get("/businesses/").get_data(as_text=True)
    review = client.get("/onboarding/review").get_data(as_text=True)
    assert "postmart.vn/shop/mat-ong" in review
    # The receipt belongs to the accounts of the province whose course it paid for.
    assert status_of(client, f"/billing/payments/{h.payment_id}/receipt.pdf") == 404
    auth.logout()

    auth.login(h.hn_trainer)
    assert status_of(client, f"/onboarding/evidence/{h.evidence_id}/file") == 200
    auth.logout()

    auth.login(h.qn_staff)
    assert status_of(client, f"/billing/payments/{h.payment_id}/receipt.pdf") == 200
    assert "postmart.vn/shop/mat-ong" not in client.get("/onboarding/review").get_data(True)
    auth.logout()

    auth.login(h.owner)
    assert [status_of(client, p) for p in pages] == [200] * len(pages)
    # The certificate still names the province that taught the class.
    pdf = client.get(f"/training/certificates/{h.certificate_id}.pdf").data
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    assert geo.province_name(QUANG_NINH).upper() in text.stdout.decode().upper()
    assert status_of(client, f"/billing/payments/{h.payment_id}/receipt.pdf") == 200


def test_every_copy_of_the_province_changes_in_one_move_except_payments(
    app, make_user, make_business
):
    h = business_with_history(app, make_user, make_business)
    moved = move_business(app, h.business.id, h.owner)
    assert (moved.assessments, moved.enrolments, moved.certificates) == (1, 1, 1)
    assert (moved.listing_paths, moved.evidence, moved.digital_status) == (1, 2, 1)
    with app.app_context():
        bid = h.business.id
        business = db.session.get(Business, bid)
        assert (business.province_code, business.commune_code) == (HA_NOI, HA_NOI_COMMUNE)
        for name, (model, business_id) in MOVED.items():
            codes = set(
                db.session.scalars(sa.select(model.province_code).where(business_id == bid))
            )
            assert codes == {HA_NOI}, name
        children = {
            "scores": sa.select(AssessmentScore.province_code)
            .join(Assessment)
            .where(Assessment.business_id == bid),
            "steps": sa.select(StepProgress.province_code)
            .join(OnboardingPath)
            .where(OnboardingPath.business_id == bid),
            "attendance": sa.select(Attendance.province_code)
            .join(Enrolment)
            .where(Enrolment.business_id == bid),
        }
        for name, stmt in children.items():
            assert set(db.session.scalars(stmt)) == {HA_NOI}, name
        for model in (EnrolmentEvent, DigitalStatus):
            communes = set(
                db.session.scalars(sa.select(model.commune_code).where(model.business_id == bid))
            )
            assert communes == {HA_NOI_COMMUNE}, model
        payments = set(
            db.session.scalars(sa.select(Payment.province_code).where(Payment.business_id == bid))
        )
        assert payments == {QUANG_NINH}
        # The class stays Quảng Ninh's; the business that stayed is untouched.
        assert db.session.get(Cohort, h.cohort_id).province_code == QUANG_NINH
        assert (
            db.session.scalar(
                sa.select(Assessment.province_code).where(Assessment.business_id == h.stayer.id)
            )
            == QUANG_NINH
        )
        # The printed certificate names the province that taught the class.
        certificate = db.session.get(Certificate, h.certificate_id)
        assert certificate.enrolment.cohort.province_code == QUANG_NINH


# ------------------------------------------------------------------- reports follow


def test_reports_of_both_provinces_count_the_whole_history_where_the_business_is_now(
    app, make_user, make_business
):
    h = business_with_history(app, make_user, make_business)
    qn_before = figures(app, QUANG_NINH, h.qn_staff)
    hn_before = figures(app, HA_NOI, h.hn_staff)
    assert qn_before["activity"] == {
        "assessments": 2,
        "enrolments": 1,
        "completions": 1,
        "certificates": 1,
        "listings_verified": 1,
    }
    assert qn_before["digital_3_days_ago"] == qn_before["digital_today"] == 1
    assert hn_before["activity"] == dict.fromkeys(qn_before["activity"], 0)
    assert hn_before["digital_today"] == 0

    move_business(app, h.business.id, h.owner)
    qn, hn = figures(app, QUANG_NINH, h.qn_staff), figures(app, HA_NOI, h.hn_staff)

    # Quảng Ninh keeps only the business that stayed, for past days too.
    assert qn["activity"] == {
        "assessments": 1,
        "enrolments": 0,
        "completions": 0,
        "certificates": 0,
        "listings_verified": 0,
    }
    assert qn["digital_3_days_ago"] == qn["digital_today"] == 0
    assert qn["enrolment_events"] == 0 and qn["digital_by_commune"] == {}
    with app.app_context():
        moved_scores = db.session.scalar(
            sa.select(sa.func.count(AssessmentScore.id)).where(
                AssessmentScore.assessment_id == h.assessment_id
            )
        )
    assert moved_scores > 0 and qn["scored"] == qn_before["scored"] - moved_scores
    assert qn["metrics"][TargetMetric.DIGITAL_BUSINESSES.value] == 0
    assert qn["metrics"][TargetMetric.BUSINESSES_TRAINED.value] == 0
    assert qn["metrics"][TargetMetric.LISTINGS_VERIFIED.value] == 0
    # Hà Nội counts the whole history, on the days it happened, in the business's new commune.
    assert hn["activity"] == {
        "assessments": 1,
        "enrolments": 1,
        "completions": 1,
        "certificates": 1,
        "listings_verified": 1,
    }
    assert hn["digital_3_days_ago"] == hn["digital_today"] == 1
    assert hn["digital_by_commune"] == {HA_NOI_COMMUNE: 1}
    assert hn["enrolment_events"] == qn_before["enrolment_events"]
    assert set(hn["events_by_commune"]) == {HA_NOI_COMMUNE}
    assert hn["scored"] == moved_scores
    assert hn["metrics"][TargetMetric.DIGITAL_BUSINESSES.value] == 1
    assert hn["metrics"][TargetMetric.BUSINESSES_TRAINED.value] == 1
    assert hn["metrics"][TargetMetric.ASSESSED_BUSINESSES.value] == 1
    # Nothing is lost or counted twice: the two provinces add up to what Quảng Ninh had.
    for key in ("assessments", "enrolments", "completions", "certificates", "listings_verified"):
        assert qn["activity"][key] + hn["activity"][key] == qn_before["activity"][key], key
    # Money stays where it was paid: the subsidy was Quảng Ninh's, for Quảng Ninh's course.
    assert qn["money"] == qn_before["money"] == [(h.course_id, 500_000)]
    assert hn["money"] == []

    today = clock.today()
    with app.app_context():
        admin = db.session.get(User, make_user(role=Role.ADMIN).id)
        rows = {
            r.province_code: r
            for r in reports.all_provinces(today - timedelta(days=30), today, admin)
        }
    assert (rows[QUANG_NINH].digital, rows[QUANG_NINH].assessments) == (0, 1)
    assert (rows[HA_NOI].digital, rows[HA_NOI].assessments, rows[HA_NOI].completions) == (1, 1, 1)


def _status_rows(app, business_id: int) -> list[tuple]:
    with app.app_context():
        return [
            (row.province_code, row.became_digital_at, row.ceased_at)
            for row in db.session.scalars(
                sa.select(DigitalStatus)
                .where(DigitalStatus.business_id == business_id)
                .order_by(DigitalStatus.became_digital_at, DigitalStatus.id)
            )
        ]


def test_status_history_records_the_move_and_the_new_definition(app, make_user, make_business):
    h = business_with_history(app, make_user, make_business)
    move_business(app, h.business.id, h.owner)
    (first_province, first_became, moved_at), (second_province, second_became, open_) = (
        _status_rows(app, h.business.id)
    )
    assert first_province == second_province == HA_NOI
    assert first_became < moved_at == second_became and open_ is None

    # A stricter province: the stretch ends at the move and no new one starts.
    other = business_with_history(app, make_user, make_business)
    with app.app_context():
        set_definition(HA_NOI, 0, 2, db.session.get(User, other.hn_staff.id))
        db.session.commit()
    move_business(app, other.business.id, other.owner)
    ((province, became, ceased),) = _status_rows(app, other.business.id)
    assert province == HA_NOI and ceased is not None and became < ceased
    today = clock.today()
    f = reports.Filters(HA_NOI, today, today)
    with app.app_context():
        # Digital in Hà Nội in the past (with its history), not since the move; twice moved
        # businesses are never counted twice.
        assert reports.count_digital_at(f, today - timedelta(days=3), other.hn_staff) == 2
        assert reports.count_digital_at(f, today, other.hn_staff) == 0


def test_a_business_cannot_move_while_it_holds_a_place_in_a_class(app, make_user, make_business):
    trainer = make_user(role=Role.TRAINER, province_code=QUANG_NINH)
    owner = make_user()
    business = make_business(owner=owner)
    _course, cohort_id = _paid_class(app, trainer.id, starts_in=timedelta(days=3), fee_vnd=0)
    enrolment_id = enrol_now(app, cohort_id, business.id)
    with pytest.raises(operations.MoveError) as refused:
        move_business(app, business.id, owner)
    assert refused.value.code == "open_enrolments" and refused.value.params == {"num": 1}
    with app.app_context():
        assert db.session.get(Business, business.id).province_code == QUANG_NINH
        enrolment = db.session.get(Enrolment, enrolment_id)
        training.cancel(enrolment, db.session.get(User, owner.id))
        db.session.commit()
        assert enrolment.state == EnrolmentState.CANCELLED
    move_business(app, business.id, owner)
    with app.app_context():
        assert db.session.get(Enrolment, enrolment_id).province_code == HA_NOI


def test_details_change_only_within_the_province_without_the_move(app, make_business):
    business = make_business()
    with app.app_context():
        row = db.session.get(Business, business.id)
        with pytest.raises(ValueError):
            operations.update_business(row, province_code=HA_NOI, commune_code=HA_NOI_COMMUNE)


def test_staff_and_other_owners_cannot_move_a_business(app, make_user, make_business):
    business = make_business()
    for user in (make_user(role=Role.STAFF, province_code=QUANG_NINH), make_user()):
        with pytest.raises(operations.MoveError) as refused:
            move_business(app, business.id, user)
        assert refused.value.code == "not_allowed"


# ------------------------------------------------------------------------ the edit page


def test_owner_sees_what_moves_confirms_and_the_history_follows(
    app, client, auth, make_user, make_business
):
    h = business_with_history(app, make_user, make_business)
    auth.login(h.owner)
    data = business_form_data(
        h.business,
        business_name="Hộ Mật ong Ba Vì",
        province=str(HA_NOI),
        commune=str(HA_NOI_COMMUNE),
    )
    page = client.post(f"/businesses/{h.business.id}/edit", data=data, headers=EN)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"Move Hộ Mật ong to {geo.province_name(HA_NOI)}?" in text
    for line in (
        "1 assessment",
        "1 class, with its attendance",
        "1 certificate",
        "1 listing path, with its steps",
        "2 pieces of evidence",
        "Its digital-business status",
        "1 receipt of a course fee: it stays in the accounts of Quảng Ninh",
    ):
        assert line in text, line
    assert 'name="confirm_move" value="1"' in text
    with app.app_context():
        assert db.session.get(Business, h.business.id).province_code == QUANG_NINH

    done = client.post(
        f"/businesses/{h.business.id}/edit", data=data | {"confirm_move": "1"}, headers=EN
    )
    assert done.status_code == 302
    shown = client.get(done.headers["Location"], headers=EN).get_data(as_text=True)
    hanoi = geo.province_name(HA_NOI)
    assert f"Hộ Mật ong Ba Vì now belongs to {hanoi}, and its history moved with it." in shown
    with app.app_context():
        business = db.session.get(Business, h.business.id)
        assert (business.name, business.province_code) == ("Hộ Mật ong Ba Vì", HA_NOI)
        assert db.session.get(Assessment, h.assessment_id).province_code == HA_NOI

    auth.login(h.hn_staff)
    assert client.get(f"/assessments/{h.assessment_id}").status_code == 200


def test_the_edit_page_says_what_stops_a_move_and_moves_nothing(
    app, client, auth, make_user, make_business
):
    trainer = make_user(role=Role.TRAINER, province_code=QUANG_NINH)
    owner = make_user()
    business = make_business(owner=owner, name="Hộ Trà")
    _course, cohort_id = _paid_class(app, trainer.id, starts_in=timedelta(days=3), fee_vnd=0)
    enrol_now(app, cohort_id, business.id)
    auth.login(owner)
    data = business_form_data(business, province=str(HA_NOI), commune=str(HA_NOI_COMMUNE))
    for extra in ({}, {"confirm_move": "1"}):
        page = client.post(f"/businesses/{business.id}/edit", data=data | extra, headers=EN)
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert (
            "Hộ Trà still has a place, a place on a waiting list or an invitation in 1 class"
            in text
        )
        assert "confirm_move" not in text
    vi = client.post(f"/businesses/{business.id}/edit", data=data).get_data(as_text=True)
    assert "Hộ Trà" in vi and "Quảng Ninh" in vi
    with app.app_context():
        assert db.session.get(Business, business.id).province_code == QUANG_NINH


def test_a_move_refused_meanwhile_tells_the_owner_why(
    app, client, auth, make_user, make_business, monkeypatch
):
    """Moved to that province by someone else between the page and the confirmation."""
    owner = make_user()
    business = make_business(owner=owner)

    def moved_meanwhile(*_args, **_kwargs):
        raise operations.MoveError("same_province")

    monkeypatch.setattr(operations, "move_business", moved_meanwhile)
    auth.login(owner)
    data = business_form_data(business, province=str(HA_NOI), commune=str(HA_NOI_COMMUNE))
    page = client.post(
        f"/businesses/{business.id}/edit",
        data=data | {"confirm_move": "1"},
        headers=EN,
        follow_redirects=True,
    )
    assert "The business is already in that province." in page.get_data(as_text=True)


def test_national_admin_moves_a_business_through_the_edit_page(
    app, client, auth, make_user, make_business
):
    business = make_business()
    auth.login(make_user(role=Role.ADMIN))
    data = business_form_data(business, province=str(HA_NOI), commune=str(HA_NOI_COMMUNE))
    response = client.post(
        f"/businesses/{business.id}/edit", data=data | {"confirm_move": "1"}, headers=EN
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Business, business.id).province_code == HA_NOI


@pytest.mark.postgres_only
def test_two_moves_at_once_leave_every_copy_in_one_province(app, make_user, make_business):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL: SQLite runs one writer at a time, so nothing races")
    h = business_with_history(app, make_user, make_business)
    admin = make_user(role=Role.ADMIN)
    targets = {HA_NOI: HA_NOI_COMMUNE, DA_NANG: int(geo.communes(DA_NANG)[0].code)}
    with app.app_context():
        set_definition(DA_NANG, 0, 1, db.session.get(User, admin.id))
        db.session.commit()
    barrier = threading.Barrier(len(targets))
    outcomes: dict[int, str] = {}

    def run(province: int) -> None:
        with app.app_context():
            business = db.session.get(Business, h.business.id)
            barrier.wait()
            try:
                operations.move_business(
                    business, province, targets[province], db.session.get(User, admin.id)
                )
                db.session.commit()
                outcomes[province] = "moved"
            except operations.MoveError as error:
                db.session.rollback()
                outcomes[province] = error.code

    threads = [threading.Thread(target=run, args=(p,)) for p in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # The lock orders them: the second moves the business again, from where the first left it.
    assert outcomes == dict.fromkeys(targets, "moved")
    with app.app_context():
        bid = h.business.id
        final = db.session.get(Business, bid).province_code
        assert final in targets
        for name, (model, business_id) in MOVED.items():
            codes = set(
                db.session.scalars(sa.select(model.province_code).where(business_id == bid))
            )
            assert codes == {final}, name
        open_rows = db.session.scalars(
            sa.select(DigitalStatus).where(
                DigitalStatus.business_id == bid, DigitalStatus.ceased_at.is_(None)
            )
        ).all()
        assert len(open_rows) == 1 and open_rows[0].province_code == final
