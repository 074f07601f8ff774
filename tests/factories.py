"""Builders the test modules share (import them from here, not from another test module): each
makes rows through the portal's own operations and returns plain ids (or a namespace of ids),
so a test can use them with or without an app context."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from portal import clock, geo
from portal.api import operations as api_operations
from portal.assess import operations as assess_operations
from portal.assess.questionnaires import choose
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.clock import utcnow
from portal.extensions import db
from portal.training import operations
from portal.training.models import (
    Cohort,
    CourseFormat,
    Enrolment,
    EnrolmentEvent,
    EnrolmentState,
    TrainingSession,
)
from tests.conftest import QUANG_NINH

# ----------------------------------------------------------------------------- training


def new_training(
    app,
    trainer: User,
    *,
    province_code: int = QUANG_NINH,
    capacity: int = 10,
    sessions: int = 3,
    deadline: date | None = None,
    first_session: datetime | None = None,
    **course_fields,
) -> SimpleNamespace:
    """Create a course with one cohort and its weekly sessions, the first ``first_session``
    (a stored UTC instant; default tomorrow). Use ``held(n)`` for a class already taught."""
    fields = {
        "title_vi": "Bán hàng trên sàn thương mại điện tử",
        "title_en": "Selling on e-commerce marketplaces",
        "description_vi": "Mở gian hàng, chụp ảnh sản phẩm, xử lý đơn hàng.",
        "description_en": "Open a shop, photograph products, handle orders.",
        "topic": "ecommerce",
        "dimensions": ["online_sales"],
        "audience": "both",
        "sectors": [],
        "format": CourseFormat.IN_PERSON,
        "duration_hours": 12,
        "fee_vnd": 0,
        "min_attendance_pct": 80,
        "requires_check": False,
    } | course_fields
    commune = int(geo.communes(province_code)[0].code)
    with app.app_context():
        user = db.session.get(User, trainer.id)
        course = operations.create_course(user, province_code, **fields)
        start = (first_session or utcnow() + timedelta(days=1)).replace(microsecond=0)
        cohort = operations.create_cohort(
            course,
            [(start + timedelta(days=7 * n), 120) for n in range(sessions)],
            trainer_id=user.id if user.role == Role.TRAINER else None,
            commune_code=commune,
            venue="Nhà văn hoá thôn 1",
            online_link="",
            capacity=capacity,
            enrolment_deadline=deadline or clock.today() + timedelta(days=30),
        )
        db.session.commit()
        return SimpleNamespace(
            course_id=course.id,
            cohort_id=cohort.id,
            session_ids=[s.id for s in cohort.sessions],
            commune_code=commune,
        )


def held(sessions: int) -> datetime:
    """Return a first start such that all of ``sessions`` weekly sessions have begun by now."""
    return utcnow() - timedelta(days=7 * sessions)


def enrol_now(app, cohort_id: int, business_id: int) -> int:
    """Enrol a business through the operation (as its owner); return the enrolment id."""
    with app.app_context():
        business = db.session.get(Business, business_id)
        enrolment = operations.enrol(db.session.get(Cohort, cohort_id), business, business.owner)
        db.session.commit()
        return enrolment.id


def state_of(app, enrolment_id: int) -> EnrolmentState:
    with app.app_context():
        return db.session.get(Enrolment, enrolment_id).state


def events_of(app, enrolment_id: int) -> list[str]:
    with app.app_context():
        return [
            e.state.value
            for e in db.session.scalars(
                sa.select(EnrolmentEvent)
                .where(EnrolmentEvent.enrolment_id == enrolment_id)
                .order_by(EnrolmentEvent.id)
            )
        ]


def complete_with_certificate(app, trainer, business) -> SimpleNamespace:
    """Run a one-session course, held last week, to completion; return ids and the code."""
    t = new_training(
        app, trainer, province_code=business.province_code, sessions=1, first_session=held(1)
    )
    enrolment_id = enrol_now(app, t.cohort_id, business.id)
    with app.app_context():
        user = db.session.get(User, trainer.id)
        enrolment = db.session.get(Enrolment, enrolment_id)
        operations.set_attendance(
            db.session.get(TrainingSession, t.session_ids[0]), enrolment, True, user
        )
        operations.complete_cohort(enrolment.cohort, user)
        db.session.commit()
        certificate = enrolment.certificate
        return SimpleNamespace(
            **vars(t),
            enrolment_id=enrolment_id,
            certificate_id=certificate.id,
            code=certificate.code,
        )


# ----------------------------------------------------------------------------- assessments

#: Normalized answers that complete the household questionnaire.
HOUSEHOLD_ANSWERS = {
    "smartphone": "own",
    "internet": "good",
    "computer": "partly",
    "bank_app": "yes",
    "receive_payments": ["qr_transfer", "ewallet"],
    "pay_online": "yes",
    "sell_online": "yes",
    "sell_where": ["zalo", "facebook"],
    "monthly_orders": 12,
    "product_content": ["photos", "description"],
    "ocop": "three_stars",
    "traceability": "partly",
    "phone_skills": 4,
    "scam_response": "refuse_report",
    "account_safety": ["never_share_otp", "screen_lock"],
    "digital_training": "yes",
}


def any_answers(questionnaire, choice: int = -1) -> dict:
    """Answer every question of any questionnaire (the ``choice``-th option of each)."""
    answers = {}
    for q in questionnaire.questions:
        plain = [o.id for o in q.options if not o.exclusive]
        if q.type == "number":
            answers[q.id] = int(q.kind.scoring[0].at_least if q.kind.scoring else q.kind.min)
        elif q.type == "multi":
            answers[q.id] = [plain[choice]]
        elif q.type == "scale":
            answers[q.id] = int(plain[choice])
        else:
            answers[q.id] = plain[choice]
    return answers


def submitted_assessment(
    app, business, answers=None, submitted_at=None, user=None, questionnaire=None
) -> int:
    """Submit an assessment of ``business`` through the operations; return its id."""
    with app.app_context():
        business = db.session.get(Business, business.id)
        user = db.session.get(User, user.id) if user else business.owner
        questionnaire = questionnaire or choose(business).questionnaire
        if answers is None:
            is_household = questionnaire.id == "household"
            answers = HOUSEHOLD_ANSWERS if is_household else any_answers(questionnaire)
        assessment, _new = assess_operations.start_assessment(business, user, questionnaire)
        assess_operations.save_answers(assessment, user, answers)
        assess_operations.submit_assessment(assessment, user, questionnaire)
        if submitted_at is not None:
            assessment.submitted_at = submitted_at
        db.session.commit()
        return assessment.id


# ----------------------------------------------------------------------------- API


def create_token(app, staff: User, name: str = "Bộ Công Thương") -> tuple[int, str]:
    """Create a token of the staff member's province through the operation; return id, plaintext."""
    with app.app_context():
        token, plaintext = api_operations.create_token(
            staff.province_code, name, db.session.get(User, staff.id)
        )
        db.session.commit()
        return token.id, plaintext


def bearer(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}


def field_match(app, client, auth, helper, phone: str, commune: int) -> int:
    """Sync one field record of ``helper`` with ``phone`` in ``commune`` (where a business with
    that phone already is) and return the field household, proposed as a match; signs out."""
    from tests.integration.test_field import _sync, record

    auth.login(helper)
    sent = record(app, phone=phone, commune=commune, name="Hộ ghi ở thực địa")
    outcome = _sync(client, [sent]).json["results"][0]
    assert outcome["status"] == "stored" and outcome["match"] is True, outcome
    auth.logout()
    from portal.field.models import FieldHousehold

    with app.app_context():
        return db.session.scalar(
            sa.select(FieldHousehold.id).where(FieldHousehold.client_id == sent["id"])
        )
