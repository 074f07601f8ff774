"""Builders the test modules share (import them from here, not from another test module): each
makes rows through the portal's own operations and returns plain ids (or a namespace of ids),
so a test can use them with or without an app context."""

import io
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from assessments.listing_paths import load_catalog
from portal import clock, geo
from portal.api import operations as api_operations
from portal.assess import operations as assess_operations
from portal.assess.questionnaires import choose
from portal.auth.models import Role, User
from portal.billing import operations as billing_operations
from portal.billing.models import Payment, PaymentStatus
from portal.businesses import operations as business_operations
from portal.businesses.models import Business, BusinessKind
from portal.clock import utcnow
from portal.extensions import db
from portal.imports.models import ImportBatch
from portal.onboarding import files
from portal.onboarding import operations as onboarding_operations
from portal.onboarding.models import Evidence, EvidenceKind, OnboardingPath
from portal.reports import aggregates
from portal.reports.models import DigitalStatus
from portal.reports.operations import set_definition
from portal.training import operations
from portal.training.alerts import ClassAlert, ClassAlertNotice
from portal.training.models import (
    Cohort,
    Course,
    CourseFormat,
    Enrolment,
    EnrolmentEvent,
    EnrolmentState,
    TrainingSession,
)
from tests.conftest import HA_NOI, QUANG_NINH

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


def add_class(app, course_id: int, venue: str, *, days_ago: int, sessions_from_now=()) -> int:
    """Add a class to a course: its deadline ``days_ago`` days back, one session held then and
    the given later ones (days from now, negative = past). Return its id."""
    now = utcnow().replace(microsecond=0)
    starts = [now - timedelta(days=days_ago), *(now + timedelta(days=d) for d in sessions_from_now)]
    with app.app_context():
        course = db.session.get(Course, course_id)
        cohort = operations.create_cohort(
            course,
            [(at, 120) for at in starts],
            commune_code=int(geo.communes(course.province_code)[0].code),
            venue=venue,
            online_link="",
            capacity=5,
            enrolment_deadline=clock.today() - timedelta(days=days_ago),
        )
        db.session.commit()
        return cohort.id


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
    auth.login(helper)
    sent = field_record(app, phone=phone, commune=commune, name="Hộ ghi ở thực địa")
    outcome = sync_records(client, [sent]).json["results"][0]
    assert outcome["status"] == "stored" and outcome["match"] is True, outcome
    auth.logout()
    from portal.field.models import FieldHousehold

    with app.app_context():
        return db.session.scalar(
            sa.select(FieldHousehold.id).where(FieldHousehold.client_id == sent["id"])
        )


# ============================================================================= moved out of
# the test modules that other modules imported them from (#15): every module imports them here.

#: Ask for the English pages.
EN = {"Accept-Language": "en"}

#: A commune of Hà Nội (a move's destination).
HA_NOI_COMMUNE = int(geo.communes(HA_NOI)[3].code)

#: How to find an object of another province for each id a route takes. A new route taking an
#: id must add its parameter here, so that the cross-province test (test_access.py) and the
#: hostile-input test cover it.
ID_PARAMETERS = {
    "business_id": "business",
    "user_id": "user",
    "course_id": "course",
    "cohort_id": "cohort",
    "session_id": "session",
    "enrolment_id": "enrolment",
    "certificate_id": "certificate",
    "payment_id": "payment",
    "programme_id": "programme",
    "assessment_id": "assessment",
    # Not an id: an assessment's page number, probed together with assessment_id.
    "step": "step",
    "onboarding_id": "onboarding",
    "evidence_id": "evidence",
    "token_id": "api_token",
    "household_id": "field_household",
    "batch_id": "import_batch",
    "alert_id": "class_alert",
    "notice_id": "class_alert_notice",
}


# ----------------------------------------------------------------------------- accounts


def registration(**overrides) -> dict:
    """The form data of an owner's registration (with their first business), in Quảng Ninh."""
    commune = int(geo.communes(QUANG_NINH)[3].code)
    data = {
        "name": "Nguyễn Thị Hoa",
        "email": "hoa@example.vn",
        "phone": "",
        "password": "mat-khau-rat-dai",
        "confirm": "mat-khau-rat-dai",
        "business_name": "Hộ kinh doanh Chả mực Hạ Long",
        "kind": "household_business",
        "tax_code": "",
        "sector": "food_processing",
        "size": "family",
        "province": str(QUANG_NINH),
        "commune": str(commune),
        "address": "Số 5, tổ 3",
        "consent": "y",
    }
    return data | overrides


def business_form_data(business: Business, **changes) -> dict:
    """The edit form of ``business`` as it stands, with ``changes`` (e.g. another province)."""
    return {
        "business_name": business.name,
        "kind": business.kind.value,
        "tax_code": "",
        "sector": business.sector.value,
        "size": business.size.value,
        "province": str(business.province_code),
        "commune": str(business.commune_code),
        "address": business.address,
    } | changes


# ----------------------------------------------------------------------------- training times


def earlier_today() -> datetime:
    """A stored instant earlier today (local day), halfway from midnight to now."""
    now = clock.utcnow()
    return (now - (now - clock.day_start(clock.today())) / 2).replace(microsecond=0)


def in_days(days: int, hour: int = 8) -> datetime:
    """Local ``hour`` o'clock, ``days`` days from today, as a stored instant."""
    return clock.day_start(clock.today() + timedelta(days=days)) + timedelta(hours=hour)


def mark_present(app, trainer, session_id: int, enrolment_id: int) -> None:
    """Mark a participant present at a session, through the operation, as ``trainer``."""
    with app.app_context():
        operations.set_attendance(
            db.session.get(TrainingSession, session_id),
            db.session.get(Enrolment, enrolment_id),
            True,
            db.session.get(User, trainer.id),
        )
        db.session.commit()


#: A commune of Quảng Ninh other than the first (where new_training holds its classes).
HOANH_MO = 6841


def move_class(app, cohort_id: int, commune_code: int | None, venue="", online_link="") -> None:
    """Hold a class somewhere else (or online only, with no commune)."""
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        cohort.commune_code, cohort.venue, cohort.online_link = commune_code, venue, online_link
        db.session.commit()


# ----------------------------------------------------------------------------- fees


def paid_course(app, trainer, fee: int = 500_000, **fields) -> SimpleNamespace:
    """A course with a fee (``new_training``'s ids)."""
    return new_training(app, trainer, fee_vnd=fee, title_en="Paid course", **fields)


def add_programme(app, province_code: int = QUANG_NINH, **fields) -> int:
    """A subsidy programme of the province (``fields``: share_pct, budget_vnd, ...); its id."""
    values = {"name_vi": "Hỗ trợ chuyển đổi số", "name_en": "Digital transition aid"} | fields
    with app.app_context():
        programme = billing_operations.create_programme(province_code, **values)
        db.session.commit()
        return programme.id


def payment_of(app, enrolment_id: int) -> Payment:
    """The enrolment's latest payment (detached)."""
    with app.app_context():
        payment = db.session.scalar(
            sa.select(Payment)
            .where(Payment.enrolment_id == enrolment_id)
            .order_by(Payment.id.desc())
        )
        db.session.expunge(payment)
        return payment


def paid_enrolment_in(app, trainer, business) -> SimpleNamespace:
    """A paid course with one held (unpaid) enrolment of ``business``; return ids."""
    t = paid_course(app, trainer, province_code=business.province_code)
    enrolment_id = enrol_now(app, t.cohort_id, business.id)
    return SimpleNamespace(
        **vars(t), enrolment_id=enrolment_id, payment_id=payment_of(app, enrolment_id).id
    )


def owner_with_held_seat(app, make_user, make_business, trainer, **business_fields):
    """A new owner whose new business holds an unpaid seat of a paid course:
    (owner, business, ``paid_enrolment_in``'s ids)."""
    owner = make_user()
    business = make_business(owner=owner, **business_fields)
    held = paid_enrolment_in(app, trainer, business)
    return owner, business, held


def card_paid_enrolment(app, trainer, business) -> int:
    """A seat paid by card (as the webhook leaves it), in a class the trainer teaches; its id."""
    held = paid_enrolment_in(app, trainer, business)
    with app.app_context():
        payment = db.session.get(Payment, held.payment_id)
        payment.status = PaymentStatus.SUCCEEDED
        payment.stripe_payment_intent_id = "pi_test_paid"
        payment.hold_expires_at = None
        payment.paid_at = payment.enrolment.paid_at = clock.utcnow()
        db.session.commit()
    return held.enrolment_id


# ----------------------------------------------------------------------------- listing paths


def start_path(client, business, path: str = "postmart") -> int:
    """Start a listing path of ``business`` on its page (signed-in owner); its id."""
    response = client.post(f"/onboarding/businesses/{business.id}/start", data={"path": path})
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def upload_evidence(client, onboarding_id: int, content: bytes, name="photo.png", **data):
    """Upload a file as evidence of a listing path (signed-in owner); the response."""
    response = client.post(
        f"/onboarding/{onboarding_id}/evidence",
        data={"file": (io.BytesIO(content), name), **data},
        content_type="multipart/form-data",
        headers=EN,
    )
    # The test client spools large bodies to a temporary file it never closes by itself.
    response.request.input_stream.close()
    return response


def listing_evidence(app, business, path_id: str, channel: str, status) -> None:
    """A listing path of ``business`` with one URL as evidence, in ``status``."""
    with app.app_context():
        onboarding = OnboardingPath(
            business_id=business.id,
            province_code=business.province_code,
            path_id=path_id,
            channel=channel,
        )
        db.session.add(onboarding)
        db.session.flush()
        db.session.add(
            Evidence(
                onboarding_id=onboarding.id,
                business_id=business.id,
                province_code=business.province_code,
                kind="url",
                url="https://example.vn",
                status=status,
            )
        )
        db.session.commit()


# ----------------------------------------------------------------------------- other provinces'
# rows, for the probes of the access and hostile-input tests


def hanoi_onboarding(app, business) -> tuple[int, int]:
    """A listing path of a Hà Nội business with one URL as evidence: (path id, evidence id)."""
    with app.app_context():
        onboarding = OnboardingPath(
            business_id=business.id, province_code=HA_NOI, path_id="postmart", channel="sales"
        )
        evidence = Evidence(
            onboarding=onboarding,
            business_id=business.id,
            province_code=HA_NOI,
            kind=EvidenceKind.URL,
            url="https://postmart.vn/shop/1",
        )
        db.session.add_all([onboarding, evidence])
        db.session.commit()
        return onboarding.id, evidence.id


def hanoi_payment(app, make_user, make_business) -> int:
    """A held payment in Hà Nội; its id."""
    business = make_business(province_code=HA_NOI)
    trainer = make_user(role=Role.TRAINER, province_code=HA_NOI)
    return paid_enrolment_in(app, trainer, business).payment_id


def hanoi_programme(app) -> int:
    """A subsidy programme of Hà Nội; its id."""
    return add_programme(app, province_code=HA_NOI, share_pct=50, budget_vnd=1_000_000)


def import_batch(app, make_user, province_code: int = HA_NOI) -> int:
    """A previewed bulk-import batch (of Hà Nội unless told); its id."""
    staff = make_user(role=Role.STAFF, province_code=province_code)
    with app.app_context():
        batch = ImportBatch(
            province_code=province_code,
            created_by_id=staff.id,
            file_name="list.csv",
            file_key=f"imports/{province_code}/missing.csv",
            file_sha256="0" * 64,
            total_rows=1,
            accepted_rows=1,
            preview={"refused": [], "mapped": [], "mapped_rows": 0},
        )
        db.session.add(batch)
        db.session.commit()
        return batch.id


def alert_and_notice(app, business_id: int, course_id: int) -> dict[str, int]:
    """A class alert of a business on a course and a notice of one of its classes:
    {"class_alert": id, "class_alert_notice": id}."""
    with app.app_context():
        course = db.session.get(Course, course_id)
        alert = ClassAlert(
            business_id=business_id, province_code=course.province_code, course_id=course_id
        )
        notice = ClassAlertNotice(
            business_id=business_id,
            province_code=course.province_code,
            cohort_id=course.cohorts[0].id,
        )
        db.session.add_all([alert, notice])
        db.session.commit()
        return {"class_alert": alert.id, "class_alert_notice": notice.id}


# ----------------------------------------------------------------------------- a business's move


def move_business(app, business_id: int, by: User, province=HA_NOI, commune=HA_NOI_COMMUNE):
    """Move a business to another province through the operation, as ``by``; the counts."""
    with app.app_context():
        moved = business_operations.move_business(
            db.session.get(Business, business_id), province, commune, db.session.get(User, by.id)
        )
        db.session.commit()
        return moved


#: The smallest PNG file the uploads accept.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def business_with_history(app, make_user, make_business) -> SimpleNamespace:
    """A household business of Quảng Ninh with one of every kind of row, digital there.

    A submitted assessment (with scores, submitted ten days ago), a fully subsidised class it
    attended and completed (payment with receipt, events, attendance, certificate), a listing
    path with a ticked step, a verified file and a pending URL; and a second business of
    Quảng Ninh, with an assessment, that stays. Needs an UPLOAD_FOLDER.
    """
    qn_staff = make_user(role=Role.STAFF, province_code=QUANG_NINH, name="Cán bộ Quảng Ninh")
    qn_trainer = make_user(role=Role.TRAINER, province_code=QUANG_NINH)
    hn_staff = make_user(role=Role.STAFF, province_code=HA_NOI, name="Cán bộ Hà Nội")
    hn_trainer = make_user(role=Role.TRAINER, province_code=HA_NOI)
    owner = make_user(name="Đặng Thị Hoa")
    business = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD, name="Hộ Mật ong")
    stayer = make_business(name="Hộ ở lại")
    with app.app_context():
        staff = db.session.get(User, qn_staff.id)
        # Any level counts: the facts that matter here are the course and the listing.
        set_definition(QUANG_NINH, 0, 1, staff)
        set_definition(HA_NOI, 0, 1, db.session.get(User, hn_staff.id))
        billing_operations.create_programme(
            QUANG_NINH, by=staff, name_vi="Hỗ trợ học phí", name_en="Fee aid", share_pct=100
        )
        db.session.commit()
    ten_days_ago = clock.utcnow() - timedelta(days=10)
    assessment_id = submitted_assessment(app, business, submitted_at=ten_days_ago)
    submitted_assessment(app, stayer, submitted_at=ten_days_ago)
    t = new_training(
        app,
        qn_trainer,
        title_vi="Bán hàng qua mạng",
        title_en="Selling online",
        duration_hours=4,
        fee_vnd=500_000,
        min_attendance_pct=100,
        sessions=1,
        first_session=clock.utcnow() - timedelta(hours=3),
        deadline=clock.today() + timedelta(days=2),
    )
    enrolment_id = enrol_now(app, t.cohort_id, business.id)
    with app.app_context():
        trainer = db.session.get(User, qn_trainer.id)
        enrolment = db.session.get(Enrolment, enrolment_id)
        session = db.session.get(TrainingSession, t.session_ids[0])
        operations.set_attendance(session, enrolment, True, trainer)
        operations.complete_cohort(enrolment.cohort, trainer)
        db.session.commit()
        certificate_id = enrolment.certificate.id
        payment = db.session.scalar(sa.select(Payment).where(Payment.enrolment_id == enrolment_id))
        assert payment.status == PaymentStatus.SUBSIDISED and payment.paid_at is not None
        payment_id = payment.id

        owner_user = db.session.get(User, owner.id)
        path = load_catalog().get("postmart")
        path_row = onboarding_operations.start_path(
            db.session.get(Business, business.id), path, owner_user
        )
        onboarding_operations.set_step_done(path_row, path.steps[0].id, True, owner_user)
        stored = files.save(io.BytesIO(PNG), files.PNG, QUANG_NINH)
        verified = onboarding_operations.add_evidence(
            path_row,
            owner_user,
            step_id=None,
            file_path=stored,
            file_name="gian-hang.png",
            content_type="image/png",
            file_size=len(PNG),
        )
        pending = onboarding_operations.add_evidence(
            path_row, owner_user, step_id=None, url="https://postmart.vn/shop/mat-ong"
        )
        db.session.commit()
        onboarding_operations.review_evidence(verified, trainer, True)
        db.session.commit()
        ids = SimpleNamespace(
            onboarding_id=path_row.id, evidence_id=verified.id, pending_id=pending.id
        )
        status = db.session.scalar(
            sa.select(DigitalStatus).where(
                DigitalStatus.business_id == business.id, DigitalStatus.ceased_at.is_(None)
            )
        )
        assert status is not None and status.province_code == QUANG_NINH
        # Digital for five days already: the past has something to count.
        status.became_digital_at = clock.utcnow() - timedelta(days=5)
        db.session.commit()
    return SimpleNamespace(
        qn_staff=qn_staff,
        qn_trainer=qn_trainer,
        hn_staff=hn_staff,
        hn_trainer=hn_trainer,
        owner=owner,
        business=business,
        stayer=stayer,
        assessment_id=assessment_id,
        course_id=t.course_id,
        cohort_id=t.cohort_id,
        enrolment_id=enrolment_id,
        certificate_id=certificate_id,
        payment_id=payment_id,
        **vars(ids),
    )


# ---------------------------------------------------------------- assessment peer summaries


def varied_answers(rng) -> dict:
    """Answer every household question at random, so businesses score differently."""
    from portal.assess.questionnaires import registry

    answers = {}
    for q in registry().latest("household").questions:
        plain = [o.id for o in q.options if not o.exclusive]
        if q.type == "number":
            answers[q.id] = int(rng.choice([q.kind.min, *(s.at_least for s in q.kind.scoring)]))
        elif q.type == "multi":
            answers[q.id] = rng.sample(plain, rng.randint(1, len(plain)))
        elif q.type == "scale":
            answers[q.id] = int(rng.choice(plain))
        else:
            answers[q.id] = rng.choice(plain)
    return answers


def peer_summaries() -> tuple[set, set]:
    """The stored latest results and peer counts, as sets of tuples (in an app context)."""
    from portal.assess.models import LatestAssessment, PeerScoreCount

    latest = {tuple(row) for row in db.session.execute(sa.select(LatestAssessment.__table__))}
    counts = {tuple(row) for row in db.session.execute(sa.select(PeerScoreCount.__table__))}
    return latest, counts


def rebuilt_peer_summaries() -> tuple[set, set]:
    """What a rebuild from scratch would store, leaving the stored rows as they are."""
    from portal.assess.operations import rebuild_summaries

    rebuild_summaries()
    found = peer_summaries()
    db.session.rollback()
    return found


# ============================================================================= the field app
# (#15: moved out of test_field.py and test_field_app.py, which other modules imported)

#: The first three communes of Quảng Ninh; ``field_helper`` works in the first two.
FIELD_COMMUNES = [int(c.code) for c in geo.communes(QUANG_NINH)[:3]]


def attach_communes(app, helper, codes) -> None:
    """Attach a field helper to communes of Quảng Ninh (rows, as the team page leaves them)."""
    from portal.field.models import HelperCommune

    with app.app_context():
        for code in codes:
            db.session.add(
                HelperCommune(helper_id=helper.id, province_code=QUANG_NINH, commune_code=code)
            )
        db.session.commit()


def field_helper(app, make_user, communes=None, **fields) -> User:
    """A field helper of Quảng Ninh in ``communes`` (default the first two FIELD_COMMUNES)."""
    user = make_user(role=Role.HELPER, **fields)
    with app.app_context():
        db.session.get(User, user.id).province_code = QUANG_NINH
        db.session.commit()
    attach_communes(app, user, FIELD_COMMUNES[:2] if communes is None else communes)
    user.province_code = QUANG_NINH
    return user


def field_record(app, *, commune=None, phone=None, version=1, answers=None, scores=None, name=None):
    """A record as the field app sends it (in FIELD_COMMUNES[0]), scored as the phone would."""
    import uuid

    from assessments import score
    from portal.assess.questionnaires import registry
    from portal.privacy import notices

    questionnaire = registry().get("household", version)
    answers = answers if answers is not None else any_answers(questionnaire)
    result = score(questionnaire, answers)
    now = clock.utcnow().replace(microsecond=0).isoformat() + "Z"
    with app.app_context():
        notice_version = notices.current_version()
    return {
        "id": str(uuid.uuid4()),
        "name": name or "Hộ ông Nguyễn Văn A",
        "phone": phone,
        "commune": commune or FIELD_COMMUNES[0],
        "kind": "household",
        "sector": "agriculture",
        "consent": {"version": notice_version, "at": now},
        "questionnaire": {"id": "household", "version": version},
        "lang": "vi",
        "answers": [
            {"id": str(uuid.uuid4()), "question": q, "value": v} for q, v in answers.items()
        ],
        "scores": scores
        or {"dimensions": result.dimensions, "overall": result.overall, "level": result.level},
        "assessed_at": now,
    }


def sync_records(client, records):
    """Send ``records`` to the field app's sync endpoint (as the signed-in helper); the response."""
    return client.post("/field/api/sync", json={"records": records})


def assessed_on(day: date) -> str:
    """Noon local time of ``day`` as the phone sends it (UTC, ISO 8601)."""
    return (clock.day_start(day) + timedelta(hours=12)).isoformat() + "Z"


def count_rows(app, model, *where) -> int:
    """How many rows of ``model`` match every condition of ``where``."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def field_household_of(app, helper, business) -> int:
    """A field record by ``helper`` on ``business`` (of the helper's province), assessed."""
    import uuid

    from portal.field.models import FieldHousehold

    assessment_id = submitted_assessment(app, business)
    with app.app_context():
        now = clock.utcnow()
        household = FieldHousehold(
            client_id=str(uuid.uuid4()),
            province_code=business.province_code,
            commune_code=business.commune_code,
            helper_id=helper.id,
            business_id=business.id,
            assessment_id=assessment_id,
            name=business.name,
            consent_version=1,
            consented_at=now,
            assessed_at=now,
            questionnaire_id="household",
            questionnaire_version=1,
            claim_code=f"HANB{business.id:06d}".replace("0", "2").replace("1", "3"),
        )
        db.session.add(household)
        db.session.commit()
        return household.id


def hanoi_field_household(app, make_user, business) -> int:
    """A field record of Hà Nội on ``business`` (for the other-province probes)."""
    return field_household_of(app, make_user(role=Role.HELPER, province_code=HA_NOI), business)


# ----------------------------------------------------------------------------- digital status
# (moved out of test_reports.py)


def assessment_at_level(app, business, level: int, submitted_at: datetime | None = None) -> None:
    """A submitted household assessment row of ``business`` at ``level`` (no answers)."""
    from portal.assess.models import Assessment, AssessmentStatus

    with app.app_context():
        db.session.add(
            Assessment(
                business_id=business.id,
                province_code=business.province_code,
                questionnaire_id="household",
                questionnaire_version=1,
                status=AssessmentStatus.SUBMITTED,
                level=level,
                overall_score=20.0 * level,
                submitted_at=submitted_at or utcnow(),
            )
        )
        db.session.commit()


def make_digital(app, make_user, business) -> None:
    """Give a business every verified fact of the default definition."""
    from portal.onboarding.models import EvidenceStatus

    trainer = make_user(role=Role.TRAINER, province_code=business.province_code)
    complete_with_certificate(app, trainer, business)
    assessment_at_level(app, business, level=4)
    listing_evidence(app, business, "shopee", "sales", EvidenceStatus.VERIFIED)


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, laid out as on its pages (pdftotext -layout)."""
    import subprocess

    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()


# ----------------------------------------------------------------------------- pages on a phone
# (browser tests; moved out of test_field_app.py and test_confirm_pages.py)


def sign_in_on_page(page, user) -> None:
    """Sign ``user`` in on the sign-in page (in any language) and wait until it is left."""
    from tests.conftest import PASSWORD

    page.goto("/auth/login")
    page.locator("input[name=login]").fill(user.login)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def fits_the_phone(page) -> None:
    """Check the page is no wider than a 360 px phone and its confirm button a thumb's size."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url
    button = page.locator("#confirm-form button[type=submit]").bounding_box()
    assert button["height"] >= 44 and button["x"] + button["width"] <= 360


def confirm_page_there_and_back(
    page, opens, *, title, back, back_url, unchanged, subject=None, effects=(), screenshot=None
) -> None:
    """Open a question page with ``opens()``, check what it says and that it fits the phone, go
    back by its ``back`` link to ``back_url``; ``unchanged()`` holds on it and back there."""
    from playwright.sync_api import expect

    opens()
    expect(page.locator("h1")).to_have_text(title)
    if subject is not None:
        expect(page.locator("#confirm-subject")).to_contain_text(subject)
    for effect in effects:
        expect(page.locator("#effects")).to_contain_text(effect)
    fits_the_phone(page)
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)
    assert unchanged()
    page.get_by_role("link", name=back).click()
    page.wait_for_url(back_url)
    assert unchanged()


def open_phone(browser, profile, live_server, offline=False):
    """Start Chromium as a 360 px phone on the persistent ``profile``: (context, page)."""
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    context = browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        base_url=live_server,
        viewport={"width": 360, "height": 780},
        locale="vi-VN",
        device_scale_factor=1,
        # Without signal from the first moment: set after launch, Chromium would start online
        # and could fire the queued Background Sync before the test cuts the network.
        offline=offline,
    )
    context.set_default_timeout(15_000)
    page = context.pages[0] if context.pages else context.new_page()
    return context, page


def sign_in_to_field_app(page, user) -> None:
    """Sign a helper in on the (Vietnamese) sign-in page and wait for the field app."""
    from tests.conftest import PASSWORD

    page.goto("/auth/login?next=/field/")
    page.get_by_label("Email hoặc số điện thoại").fill(user.login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/field/")


def field_app_ready(page) -> None:
    """Wait until the field app has loaded its questionnaires and queue."""
    from playwright.sync_api import expect

    expect(page.locator("body")).to_have_attribute("data-ready", "yes")


def field_queue_shows(page, count: int) -> None:
    """Wait until the field app shows ``count`` records waiting to be sent."""
    from playwright.sync_api import expect

    queue = page.locator("#queue")
    expect(queue).to_have_attribute("data-count", str(count))
    if count:
        expect(queue).to_contain_text(str(count))


def field_answer_all(page, choice: int) -> None:
    """Answer every question shown, in order (follow-up questions appear as they are earned)."""
    questions = page.locator("#question-list fieldset.field-question")
    for index in range(questions.count()):
        question = questions.nth(index)
        if not question.is_visible():
            continue
        number = question.locator("input[type=number]")
        if number.count():
            number.fill(str(3 + choice))
            number.dispatch_event("change")
            continue
        options = question.locator("input")
        options.nth((choice + index) % options.count()).check()


def field_assess(page, n: int) -> None:
    """Register household ``n`` in the field app, answer everything and wait for its result."""
    from playwright.sync_api import expect

    page.locator("#hh-name").fill(f"Hộ gia đình số {n}")
    if n % 2 == 0:
        page.locator("#hh-phone").fill(f"09123450{n:02d}")
    page.locator("#hh-commune").select_option(str(FIELD_COMMUNES[n % 2]))
    page.locator("#hh-consent").check()
    page.locator("#household-form button[type=submit]").click()
    expect(page.locator("#questions")).to_be_visible()
    field_answer_all(page, n)
    page.locator("#answers-form button[type=submit]").click()
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#result-title")).to_contain_text(f"Hộ gia đình số {n}")
    expect(page.locator(".field-claim")).to_be_visible()


def field_stored(app) -> dict:
    """What the portal stored of the field records: counts, scores and score mismatches."""
    from portal.assess.models import Assessment
    from portal.field.models import FieldAnswer, FieldHousehold

    with app.app_context():
        households = db.session.scalars(sa.select(FieldHousehold)).all()
        return {
            "households": len(households),
            "answers": db.session.scalar(sa.select(sa.func.count(FieldAnswer.id))),
            "scores": sorted(
                (
                    h.name,
                    h.client_scores["overall"],
                    db.session.get(Assessment, h.assessment_id).overall_score,
                )
                for h in households
            ),
            "mismatch": [h.name for h in households if h.score_mismatch],
        }


# ----------------------------------------------------------------------------- report aggregates


def report_aggregates() -> dict[str, set]:
    """Every non-empty report aggregate row, by table (totals rounded: sums of floats)."""
    found = {}
    for model in aggregates.TABLES:
        table = model.__table__
        keys = [c for c in table.c if c.name not in ("n", "total")]
        found[table.name] = {
            (*(str(v) for v in row[:-2]), row[-2], round(row[-1], 6))
            for row in db.session.execute(sa.select(*keys, table.c.n, table.c.total))
            if row[-2] or abs(row[-1]) > 1e-9
        }
    return found


def rebuilt_report_aggregates() -> dict[str, set]:
    """The report aggregates as a rebuild makes them (rolled back: nothing stored changes)."""
    db.session.rollback()
    aggregates.rebuild()
    found = report_aggregates()
    db.session.rollback()
    return found


# ----------------------------------------------------------------------- races with a move


def write_while_moving(app, business_id: int, admin: User, write) -> dict:
    """Run ``write(business)`` with the business read before a move to Hà Nội locks it: the
    write is called while the move holds the lock, and must wait for it. Return the outcome
    ({"moved": True, "written": the write's result, or "refused": the refusal's code})."""
    import threading
    import time

    from portal import signals
    from portal.failures import OperationError

    locked_by_the_move = threading.Event()
    outcome: dict = {}

    def hold_the_lock_a_moment(_business, **_event):
        # business_moving: sent by the move with the business row locked, before it changes.
        locked_by_the_move.set()
        time.sleep(0.5)  # the write asks meanwhile
        return {}

    def run_write():
        with app.app_context():
            read_before = db.session.get(Business, business_id)
            assert read_before.province_code == QUANG_NINH
            assert locked_by_the_move.wait(30)
            try:
                outcome["written"] = write(read_before)
                db.session.commit()
            except OperationError as error:
                db.session.rollback()
                outcome["refused"] = error.code

    def move():
        with app.app_context():
            business_operations.move_business(
                db.session.get(Business, business_id),
                HA_NOI,
                HA_NOI_COMMUNE,
                db.session.get(User, admin.id),
            )
            db.session.commit()
            outcome["moved"] = True

    signals.business_moving.connect(hold_the_lock_a_moment)
    try:
        threads = [threading.Thread(target=run_write), threading.Thread(target=move)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        signals.business_moving.disconnect(hold_the_lock_a_moment)
    assert outcome.get("moved"), outcome
    return outcome
