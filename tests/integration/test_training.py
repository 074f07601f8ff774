"""Training end to end: catalog, enrolment and waitlist, assignment, attendance, completion,
certificates and their public verification page, and the enrolment event log."""

import re
import subprocess
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from portal import clock, geo
from portal.auth.models import Role, User
from portal.businesses.models import Business, BusinessKind, Sector
from portal.extensions import db
from portal.training import operations
from portal.training.models import (
    Attendance,
    Certificate,
    Cohort,
    Course,
    CourseFormat,
    Enrolment,
    EnrolmentEvent,
    EnrolmentState,
    EventState,
    TrainingSession,
)
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import (
    add_class,
    complete_with_certificate,
    enrol_now,
    events_of,
    held,
    new_training,
    state_of,
)

EN = {"Accept-Language": "en"}


@pytest.fixture
def trainer(make_user):
    return make_user(role=Role.TRAINER, province_code=QUANG_NINH, name="Trần Thị Giảng")


# ------------------------------------------------------------------ catalog and cohorts


def test_trainer_creates_course_and_cohort_through_the_forms(app, client, auth, trainer):
    first = datetime.combine(clock.today() + timedelta(days=20), time(8, 0))  # local time
    auth.login(trainer)
    commune = int(geo.communes(QUANG_NINH)[3].code)
    response = client.post(
        "/training/courses/new",
        data={
            "title_vi": "Thanh toán số cho hộ kinh doanh",
            "title_en": "Digital payments for household businesses",
            "topic": "digital_payments",
            "dimensions": ["payments"],
            "audience": "household",
            "format": "in_person",
            "duration_hours": "6",
            "fee_vnd": "0",
            "min_attendance_pct": "75",
            "active": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    course_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = client.post(
        f"/training/courses/{course_id}/cohorts/new",
        data={
            "trainer": str(trainer.id),
            "commune": str(commune),
            "venue": "Hội trường UBND xã",
            "capacity": "25",
            "enrolment_deadline": (clock.today() + timedelta(days=10)).isoformat(),
            "first_session": first.strftime("%Y-%m-%dT%H:%M"),
            "session_count": "4",
            "days_between": "7",
            "session_minutes": "90",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        course = db.session.get(Course, course_id)
        assert course.province_code == QUANG_NINH and course.dimensions == ["payments"]
        cohort = course.cohorts[0]
        assert cohort.capacity == 25 and cohort.commune_code == commune
        # 08:00 in the portal's time zone, stored as UTC (01:00 in Hà Nội).
        assert [s.starts_at for s in cohort.sessions] == [
            clock.to_utc(first) + timedelta(days=7 * n) for n in range(4)
        ]
    page = client.get(f"/training/cohorts/{cohort.id}", headers=EN).get_data(as_text=True)
    assert "0 of 25 taken" in page
    # Sessions still to come are not open for attendance yet.
    assert "Take attendance" not in page
    assert page.count("Attendance opens when the session starts") == 4


def test_in_person_cohort_needs_a_venue(app, client, auth, trainer):
    t = new_training(app, trainer)
    auth.login(trainer)
    response = client.post(
        f"/training/courses/{t.course_id}/cohorts/new",
        data={"capacity": "5", "enrolment_deadline": "2030-01-01", "first_session": ""},
        headers=EN,
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "needs the venue" in page and "Enter where the class meets." in page


def test_owner_browses_and_filters_the_catalog_of_their_province(
    app, client, auth, make_user, make_business, trainer
):
    owner = make_user()
    make_business(owner=owner)
    free = new_training(app, trainer, title_vi="Khoá miễn phí", title_en="Free course")
    paid = new_training(
        app,
        trainer,
        title_vi="Khoá có phí",
        title_en="Paid course",
        fee_vnd=500_000,
        format=CourseFormat.ONLINE,
        dimensions=["payments"],
    )
    hanoi_trainer = make_user(role=Role.TRAINER, province_code=HA_NOI)
    new_training(
        app, hanoi_trainer, province_code=HA_NOI, title_vi="Khoá Hà Nội", title_en="Ha Noi course"
    )
    auth.login(owner)

    def titles(query=""):
        page = client.get("/training/" + query, headers=EN).get_data(as_text=True)
        return {t for t in ("Free course", "Paid course", "Ha Noi course") if t in page}

    assert titles() == {"Free course", "Paid course"}
    assert titles("?fee=free") == {"Free course"}
    assert titles("?fee=paid") == {"Paid course"}
    assert titles("?format=online") == {"Paid course"}
    assert titles("?dimension=payments") == {"Paid course"}
    assert titles(f"?commune={free.commune_code}") == {"Free course", "Paid course"}
    assert titles(f"?commune={int(geo.communes(QUANG_NINH)[1].code)}") == set()
    page = client.get(f"/training/courses/{paid.course_id}", headers=EN).get_data(as_text=True)
    assert "500,000" in page and "Enrol" in page


# --------------------------------------------------------------------------- enrolment


def test_owner_enrols_sees_the_class_and_cancels(
    app, client, auth, make_user, make_business, trainer
):
    owner = make_user()
    business = make_business(owner=owner, name="Hộ kinh doanh Chè Đường Hoa")
    t = new_training(app, trainer, capacity=2)
    auth.login(owner)
    response = client.post(
        f"/training/cohorts/{t.cohort_id}/enrol", data={"business": str(business.id)}
    )
    assert response.status_code == 302
    with app.app_context():
        enrolment = db.session.scalar(sa.select(Enrolment))
        assert enrolment.state == EnrolmentState.ENROLLED
        assert enrolment.business_id == business.id
        enrolment_id = enrolment.id
    page = client.get("/training/mine", headers=EN).get_data(as_text=True)
    assert "Selling on e-commerce marketplaces" in page and "Enrolled" in page
    assert "Your next sessions" in page
    dashboard = client.get("/dashboard", headers=EN).get_data(as_text=True)
    assert "Your next sessions" in dashboard

    # The same business cannot take a second place.
    client.post(f"/training/cohorts/{t.cohort_id}/enrol", data={"business": str(business.id)})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 1

    assert client.post(f"/training/enrolments/{enrolment_id}/cancel").status_code == 302
    assert state_of(app, enrolment_id) == EnrolmentState.CANCELLED
    assert events_of(app, enrolment_id) == ["enrolled", "cancelled"]


def test_owner_cannot_enrol_someone_elses_business(
    app, client, auth, make_user, make_business, trainer
):
    owner = make_user()
    make_business(owner=owner)
    theirs = make_business()
    t = new_training(app, trainer)
    auth.login(owner)
    client.post(f"/training/cohorts/{t.cohort_id}/enrol", data={"business": str(theirs.id)})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 0


def test_enrolment_closes_after_the_deadline(app, client, auth, make_user, make_business, trainer):
    owner = make_user()
    business = make_business(owner=owner)
    t = new_training(app, trainer, deadline=clock.today() - timedelta(days=1))
    with app.app_context(), pytest.raises(operations.TrainingError) as error:
        operations.enrol(
            db.session.get(Cohort, t.cohort_id),
            db.session.get(Business, business.id),
            db.session.get(User, owner.id),
        )
    assert error.value.code == "deadline_passed"


def test_full_cohort_waitlists_and_promotes_in_order_on_cancel(app, make_business, trainer):
    t = new_training(app, trainer, capacity=2)
    a, b, c, d = (make_business() for _ in range(4))
    ids = [enrol_now(app, t.cohort_id, x.id) for x in (a, b, c, d)]
    assert [state_of(app, i) for i in ids] == [
        EnrolmentState.ENROLLED,
        EnrolmentState.ENROLLED,
        EnrolmentState.WAITLISTED,
        EnrolmentState.WAITLISTED,
    ]
    with app.app_context():
        promoted = operations.cancel(db.session.get(Enrolment, ids[1]), None)
        db.session.commit()
        assert [p.id for p in promoted] == [ids[2]]
    assert [state_of(app, i) for i in ids] == [
        EnrolmentState.ENROLLED,
        EnrolmentState.CANCELLED,
        EnrolmentState.ENROLLED,
        EnrolmentState.WAITLISTED,
    ]
    assert events_of(app, ids[2]) == ["waitlisted", "enrolled"]
    # Leaving the waitlist frees no seat and promotes nobody.
    with app.app_context():
        assert operations.cancel(db.session.get(Enrolment, ids[3]), None) == []
        db.session.commit()


def test_cancel_through_the_page_promotes_the_waitlist(
    app, client, auth, make_user, make_business, trainer
):
    owner = make_user()
    mine = make_business(owner=owner)
    waiting = make_business()
    t = new_training(app, trainer, capacity=1)
    mine_id = enrol_now(app, t.cohort_id, mine.id)
    waiting_id = enrol_now(app, t.cohort_id, waiting.id)
    auth.login(owner)
    # An owner cannot cancel another owner's place.
    assert client.post(f"/training/enrolments/{waiting_id}/cancel").status_code == 404
    client.post(f"/training/enrolments/{mine_id}/cancel")
    assert state_of(app, waiting_id) == EnrolmentState.ENROLLED


def test_larger_capacity_moves_the_waitlist_up(app, client, auth, make_business, trainer):
    t = new_training(app, trainer, capacity=1)
    ids = [enrol_now(app, t.cohort_id, make_business().id) for _ in range(3)]
    auth.login(trainer)
    response = client.post(
        f"/training/cohorts/{t.cohort_id}/edit",
        data={
            "trainer": str(trainer.id),
            "commune": str(t.commune_code),
            "venue": "Nhà văn hoá",
            "capacity": "2",
            "enrolment_deadline": (clock.today() + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert [state_of(app, i) for i in ids] == [
        EnrolmentState.ENROLLED,
        EnrolmentState.ENROLLED,
        EnrolmentState.WAITLISTED,
    ]


def test_paid_course_holds_the_seat_and_flags_the_fee(app, make_business, trainer):
    t = new_training(app, trainer, fee_vnd=300_000)
    enrolment_id = enrol_now(app, t.cohort_id, make_business().id)
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        assert enrolment.state == EnrolmentState.ENROLLED and enrolment.requires_payment
        enrolment.paid_at = datetime(2030, 1, 1)
        assert not enrolment.requires_payment


# -------------------------------------------------------------------------- assignment


def test_group_assignment_by_commune_sector_and_kind_then_accept_and_decline(
    app, client, auth, make_user, make_business, trainer
):
    communes = geo.communes(QUANG_NINH)
    here, there = int(communes[0].code), int(communes[1].code)
    owner = make_user()
    match_1 = make_business(
        owner=owner,
        commune_code=here,
        sector=Sector.TOURISM,
        kind=BusinessKind.HOUSEHOLD,
        name="Homestay Vân Đồn",
    )
    match_2 = make_business(commune_code=here, sector=Sector.TOURISM, kind=BusinessKind.HOUSEHOLD)
    make_business(commune_code=there, sector=Sector.TOURISM, kind=BusinessKind.HOUSEHOLD)
    make_business(commune_code=here, sector=Sector.TRADE, kind=BusinessKind.HOUSEHOLD)
    make_business(commune_code=here, sector=Sector.TOURISM, kind=BusinessKind.ENTERPRISE)
    make_business(province_code=HA_NOI, sector=Sector.TOURISM, kind=BusinessKind.HOUSEHOLD)
    t = new_training(app, trainer, capacity=1)
    auth.login(trainer)
    query = f"?search=1&commune={here}&sector=tourism&kind=household"
    page = client.get(f"/training/cohorts/{t.cohort_id}/assign{query}", headers=EN)
    found = re.findall(r'name="business_id" value="(\d+)"', page.get_data(as_text=True))
    assert sorted(map(int, found)) == sorted([match_1.id, match_2.id])
    response = client.post(
        f"/training/cohorts/{t.cohort_id}/assign{query}", data={"business_id": found}
    )
    assert response.status_code == 302
    with app.app_context():
        states = dict(db.session.execute(sa.select(Enrolment.business_id, Enrolment.state)).all())
    assert states == {match_1.id: EnrolmentState.ASSIGNED, match_2.id: EnrolmentState.ASSIGNED}

    # Assigning again leaves them as they are.
    client.post(f"/training/cohorts/{t.cohort_id}/assign", data={"business_id": found})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(EnrolmentEvent.id))) == 2

    auth.logout()
    auth.login(owner)
    dashboard = client.get("/dashboard", headers=EN).get_data(as_text=True)
    assert "Courses assigned to you" in dashboard and "Homestay Vân Đồn" in dashboard
    with app.app_context():
        mine = db.session.scalar(sa.select(Enrolment).where(Enrolment.business_id == match_1.id))
        theirs = db.session.scalar(sa.select(Enrolment).where(Enrolment.business_id == match_2.id))
        mine_id, theirs_id = mine.id, theirs.id
    assert client.post(f"/training/enrolments/{theirs_id}/accept").status_code == 404
    client.post(f"/training/enrolments/{mine_id}/accept")
    assert state_of(app, mine_id) == EnrolmentState.ENROLLED
    assert events_of(app, mine_id) == ["assigned", "enrolled"]

    # The other owner declines.
    with app.app_context():
        other_owner = db.session.get(Business, match_2.id).owner
        operations.decline_assignment(db.session.get(Enrolment, theirs_id), other_owner)
        db.session.commit()
    assert state_of(app, theirs_id) == EnrolmentState.DECLINED


def test_trainer_cannot_assign_businesses_of_another_province(
    app, client, auth, make_business, trainer
):
    foreign = make_business(province_code=HA_NOI)
    t = new_training(app, trainer)
    auth.login(trainer)
    client.post(f"/training/cohorts/{t.cohort_id}/assign", data={"business_id": [foreign.id]})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 0


@pytest.fixture
def assessment_tables(app):
    """The assessment feature's two tables, emptied after the test."""
    meta = sa.MetaData()
    with app.app_context():
        meta.reflect(db.engine, only=["assessments", "assessment_scores"])
    yield meta
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(meta.tables["assessment_scores"].delete())
        conn.execute(meta.tables["assessments"].delete())


def add_assessment(app, meta, business, level, scores, submitted_at, status="submitted"):
    """Insert an assessment row (only the columns the training feature relies on)."""
    table, score_table = meta.tables["assessments"], meta.tables["assessment_scores"]
    values = {
        "business_id": business.id,
        "province_code": business.province_code,
        "status": status,
        "level": level,
        "overall_score": sum(scores.values()) / len(scores),
        "submitted_at": submitted_at,
    }
    with app.app_context(), db.engine.begin() as conn:
        insert = table.insert().values(**_required(table, values))
        assessment_id = conn.execute(insert).inserted_primary_key[0]
        conn.execute(
            score_table.insert(),
            [
                _required(
                    score_table,
                    {"assessment_id": assessment_id, "dimension": d, "score": s}
                    | {"province_code": business.province_code, "submitted_at": submitted_at},
                )
                for d, s in scores.items()
            ],
        )


def _required(table, values):
    """Keep the values of the table's columns and fill the other required ones.

    The assessment feature may have more required columns than the training feature knows.
    """
    values = {k: v for k, v in values.items() if k in table.columns and v is not None}
    for column in table.columns:
        required = not column.nullable and not column.primary_key
        has_default = column.server_default is not None or column.default is not None
        if column.name not in values and required and not has_default:
            values[column.name] = _placeholder(column)
    return values


def _placeholder(column):
    python_type = getattr(column.type, "python_type", str)
    return {int: 1, float: 0.0, str: "x", datetime: datetime(2030, 1, 1)}.get(python_type, "x")


def test_dimension_and_score_go_together(app, client, auth, trainer, assessment_tables):
    t = new_training(app, trainer)
    auth.login(trainer)
    page = client.get(
        f"/training/cohorts/{t.cohort_id}/assign?search=1&dimension=payments", headers=EN
    ).get_data(as_text=True)
    assert "Choose a dimension and the score together." in page


def test_group_assignment_by_dimension_score_and_level(
    app, client, auth, make_business, trainer, assessment_tables
):
    low = make_business(kind=BusinessKind.HOUSEHOLD, name="Điểm thấp")
    high = make_business(kind=BusinessKind.HOUSEHOLD, name="Điểm cao")
    improved = make_business(kind=BusinessKind.HOUSEHOLD, name="Đã tiến bộ")
    draft_only = make_business(kind=BusinessKind.HOUSEHOLD, name="Chỉ có bản nháp")
    make_business(kind=BusinessKind.HOUSEHOLD, name="Chưa đánh giá")
    jan, feb = datetime(2030, 1, 10), datetime(2030, 2, 10)
    add_assessment(app, assessment_tables, low, 1, {"payments": 20, "devices": 60}, jan)
    add_assessment(app, assessment_tables, high, 3, {"payments": 70, "devices": 60}, jan)
    add_assessment(app, assessment_tables, improved, 1, {"payments": 10, "devices": 30}, jan)
    add_assessment(app, assessment_tables, improved, 3, {"payments": 55, "devices": 50}, feb)
    add_assessment(app, assessment_tables, draft_only, 0, {"payments": 0}, None, status="draft")
    t = new_training(app, trainer)
    auth.login(trainer)

    def found(query):
        page = client.get(f"/training/cohorts/{t.cohort_id}/assign?search=1&{query}")
        ids = re.findall(r'name="business_id" value="(\d+)"', page.get_data(as_text=True))
        return set(map(int, ids))

    assert found("kind=household&dimension=payments&below=40") == {low.id}
    assert found("dimension=payments&below=60") == {low.id, improved.id}
    assert found("max_level=1") == {low.id}
    assert found("max_level=3") == {low.id, high.id, improved.id}


# ------------------------------------------------------------------ attendance, completion


def test_trainer_takes_attendance_and_corrections_are_logged(
    app, client, auth, make_business, trainer
):
    t = new_training(app, trainer, sessions=2, first_session=held(1))
    a = make_business(name="An Phát")
    b = make_business(name="Bình Minh")
    a_id, b_id = (enrol_now(app, t.cohort_id, x.id) for x in (a, b))
    auth.login(trainer)
    session_id = t.session_ids[0]
    page = client.get(f"/training/sessions/{session_id}/attendance", headers=EN)
    assert "0 of 2 present" in page.get_data(as_text=True)
    url = f"/training/sessions/{session_id}/attendance"
    response = client.post(f"{url}/{a_id}", data={"present": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#p{a_id}")
    client.post(f"{url}/{b_id}", data={"present": "1"})
    client.post(f"{url}/{b_id}", data={"present": "0"})
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "1 of 2 present" in page
    assert re.search(rf'id="p{a_id}".*?aria-pressed="true"', page, re.S)
    assert events_of(app, a_id) == ["enrolled", "attended"]
    assert events_of(app, b_id) == ["enrolled", "attended", "attendance_withdrawn"]
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Attendance.id)).where(Attendance.present.is_(True))
            )
            == 1
        )


def test_waitlisted_people_cannot_be_marked_present(app, make_business, trainer):
    t = new_training(app, trainer, capacity=1, first_session=held(3))
    enrol_now(app, t.cohort_id, make_business().id)
    waiting_id = enrol_now(app, t.cohort_id, make_business().id)
    with app.app_context(), pytest.raises(operations.TrainingError) as error:
        operations.set_attendance(
            db.session.get(TrainingSession, t.session_ids[0]),
            db.session.get(Enrolment, waiting_id),
            True,
            db.session.get(User, trainer.id),
        )
    assert error.value.code == "not_enrolled"


def test_completion_follows_the_course_rule(app, client, auth, make_business, trainer):
    t = new_training(
        app, trainer, sessions=5, min_attendance_pct=80, requires_check=True, first_session=held(5)
    )
    people = [make_business() for _ in range(3)]
    ids = [enrol_now(app, t.cohort_id, p.id) for p in people]
    # 0: 4 of 5 sessions and passes; 1: 4 of 5 but fails the check; 2: 3 of 5 and passes.
    attended = {ids[0]: 4, ids[1]: 4, ids[2]: 3}
    with app.app_context():
        user = db.session.get(User, trainer.id)
        for enrolment_id, n in attended.items():
            for session_id in t.session_ids[:n]:
                operations.set_attendance(
                    db.session.get(TrainingSession, session_id),
                    db.session.get(Enrolment, enrolment_id),
                    True,
                    user,
                )
        db.session.commit()
    auth.login(trainer)
    page = client.get(f"/training/cohorts/{t.cohort_id}/completion", headers=EN)
    assert "4/5 (80%)" in page.get_data(as_text=True)
    response = client.post(
        f"/training/cohorts/{t.cohort_id}/completion", data={"passed": [ids[0], ids[2]]}
    )
    assert response.status_code == 302
    assert [state_of(app, i) for i in ids] == [
        EnrolmentState.COMPLETED,
        EnrolmentState.ENROLLED,
        EnrolmentState.ENROLLED,
    ]
    with app.app_context():
        certificates = db.session.scalars(sa.select(Certificate)).all()
        assert [c.enrolment_id for c in certificates] == [ids[0]]
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", certificates[0].code)
    assert events_of(app, ids[0])[-1] == "completed"


# ------------------------------------------------------------------------ certificates


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_certificate_pdf_is_in_the_owners_language(
    app, client, auth, make_user, make_business, trainer
):
    owner = make_user(locale="vi")
    business = make_business(owner=owner, name="Hợp tác xã Nước mắm Cái Rồng")
    done = complete_with_certificate(app, trainer, business)
    auth.login(owner)
    response = client.get(f"/training/certificates/{done.certificate_id}.pdf", headers=EN)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert "Hợp tác xã Nước mắm Cái Rồng" in text
    assert "Bán hàng trên sàn thương mại điện tử" in text
    assert done.code in text and f"/verify/{done.code}" in text
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    assert b"Pages:           1" in info and b"841.89 x 595.276 pts (A4)" in info  # landscape

    other = make_user()
    auth.logout()
    auth.login(other)
    assert client.get(f"/training/certificates/{done.certificate_id}.pdf").status_code == 404


def test_english_owner_gets_an_english_certificate(
    app, client, auth, make_user, make_business, trainer
):
    owner = make_user(locale="en")
    done = complete_with_certificate(app, trainer, make_business(owner=owner))
    auth.login(trainer)
    text = _pdf_text(client.get(f"/training/certificates/{done.certificate_id}.pdf").data)
    assert "Selling on e-commerce marketplaces" in text


def test_verification_page_shows_only_validity_course_date_and_business(
    app, client, make_user, make_business, trainer
):
    owner = make_user(name="Nguyễn Văn Chủ", email="chu@example.vn")
    business = make_business(
        owner=owner, name="Cơ sở Mộc Đồng Kỵ", tax_code=None, address="Số 9 đường Bí Mật"
    )
    done = complete_with_certificate(app, trainer, business)
    response = client.get(f"/verify/{done.code}", headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert "This certificate is valid." in main
    assert "Cơ sở Mộc Đồng Kỵ" in main and "Selling on e-commerce marketplaces" in main
    for secret in (
        "Nguyễn Văn Chủ",
        "chu@example.vn",
        "Bí Mật",
        trainer.name,
        "Quảng Ninh",
        "Nhà văn hoá",
        "Trainer",
    ):
        assert secret not in main
    assert client.get(f"/verify/{done.code.lower()}").status_code == 200
    assert client.get("/verify/AAAAAAAAAA").status_code == 404
    assert client.get(f"/verify?code={done.code}").headers["Location"].endswith(done.code)

    with app.app_context():
        operations.revoke_certificate(
            db.session.get(Certificate, done.certificate_id), db.session.get(User, trainer.id)
        )
        db.session.commit()
    page = client.get(f"/verify/{done.code}", headers=EN).get_data(as_text=True)
    assert "no longer valid" in page


def test_completion_invites_the_owner_to_reassess(
    app, client, auth, make_user, make_business, trainer
):
    from portal.training.queries import pending_reassessment_invites

    owner = make_user()
    business = make_business(owner=owner, name="Hộ Mật ong Bình Liêu")
    complete_with_certificate(app, trainer, business)
    with app.app_context():
        invites = pending_reassessment_invites(db.session.get(User, owner.id))
        assert [e.business_id for e in invites] == [business.id]
    auth.login(owner)
    page = client.get("/dashboard", headers=EN).get_data(as_text=True)
    assert "Take the assessment again" in page and "Your certificates" in page


def test_a_newer_submitted_assessment_answers_the_invitation(
    app, make_user, make_business, trainer, assessment_tables
):
    from portal.training.queries import pending_reassessment_invites

    owner = make_user()
    business = make_business(owner=owner)
    complete_with_certificate(app, trainer, business)
    with app.app_context():
        assert len(pending_reassessment_invites(db.session.get(User, owner.id))) == 1
    add_assessment(app, assessment_tables, business, 2, {"payments": 50}, datetime(2000, 1, 1))
    with app.app_context():
        assert len(pending_reassessment_invites(db.session.get(User, owner.id))) == 1
    add_assessment(app, assessment_tables, business, 2, {"payments": 50}, datetime(2999, 1, 1))
    with app.app_context():
        assert pending_reassessment_invites(db.session.get(User, owner.id)) == []


# ------------------------------------------------------------------------ event counts


def test_events_count_exactly_by_course_commune_and_sector(app, make_business, trainer):
    communes = geo.communes(QUANG_NINH)
    t = new_training(app, trainer, capacity=2)
    farm = make_business(commune_code=int(communes[0].code), sector=Sector.AGRICULTURE)
    shop = make_business(commune_code=int(communes[1].code), sector=Sector.TRADE)
    late = make_business(commune_code=int(communes[1].code), sector=Sector.TRADE)
    ids = [enrol_now(app, t.cohort_id, b.id) for b in (farm, shop, late)]
    with app.app_context():
        operations.cancel(db.session.get(Enrolment, ids[0]), None)
        db.session.commit()
        rows = db.session.execute(
            sa.select(
                EnrolmentEvent.state,
                EnrolmentEvent.commune_code,
                EnrolmentEvent.sector,
                sa.func.count(),
            )
            .where(EnrolmentEvent.course_id == t.course_id)
            .group_by(EnrolmentEvent.state, EnrolmentEvent.commune_code, EnrolmentEvent.sector)
        ).all()
        counts = {(s.value, c, sec.value): n for s, c, sec, n in rows}
        assert all(e.at is not None for e in db.session.scalars(sa.select(EnrolmentEvent)))
    c0, c1 = int(communes[0].code), int(communes[1].code)
    assert counts == {
        ("enrolled", c0, "agriculture"): 1,
        ("cancelled", c0, "agriculture"): 1,
        ("enrolled", c1, "trade"): 2,  # shop, then late when it moved up
        ("waitlisted", c1, "trade"): 1,
    }
    assert EventState.ATTENDED.value == "attended"


# ------------------------------------------------------------------------------ access


def test_owner_sees_only_their_businesses_enrolments(
    app, client, auth, make_user, make_business, trainer
):
    owner = make_user()
    mine = make_business(owner=owner, name="Của tôi")
    theirs = make_business(name="Của người khác")
    t = new_training(app, trainer)
    enrol_now(app, t.cohort_id, mine.id)
    enrol_now(app, t.cohort_id, theirs.id)
    auth.login(owner)
    page = client.get("/training/mine").get_data(as_text=True)
    assert "Của tôi" in page and "Của người khác" not in page
    # Owners do not open rosters or attendance.
    assert client.get(f"/training/cohorts/{t.cohort_id}").status_code == 403
    assert client.get(f"/training/sessions/{t.session_ids[0]}/attendance").status_code == 403


def test_trainer_of_another_province_sees_nothing(
    app, client, auth, make_user, make_business, trainer
):
    t = new_training(app, trainer)
    enrolment_id = enrol_now(app, t.cohort_id, make_business().id)
    auth.login(make_user(role=Role.TRAINER, province_code=HA_NOI))
    assert client.get(f"/training/courses/{t.course_id}").status_code == 404
    assert client.get(f"/training/cohorts/{t.cohort_id}").status_code == 404
    url = f"/training/sessions/{t.session_ids[0]}/attendance/{enrolment_id}"
    assert client.post(url, data={"present": "1"}).status_code == 404
    assert "Selling on" not in client.get("/training/").get_data(as_text=True)


def test_staff_edits_a_course_and_hides_it_from_owners(
    app, client, auth, make_user, make_business, trainer
):
    t = new_training(app, trainer, dimensions=["online_sales", "payments"], sectors=["trade"])
    auth.login(make_user(role=Role.STAFF))
    page = client.get(f"/training/courses/{t.course_id}/edit").get_data(as_text=True)
    assert re.search(r'value="payments"[^>]*checked|checked[^>]*value="payments"', page)
    response = client.post(
        f"/training/courses/{t.course_id}/edit",
        data={
            "title_vi": "Tên mới",
            "title_en": "New title",
            "topic": "ecommerce",
            "dimensions": ["online_sales"],
            "audience": "enterprise",
            "format": "blended",
            "duration_hours": "8",
            "fee_vnd": "150000",
            "min_attendance_pct": "90",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        course = db.session.get(Course, t.course_id)
        assert (course.title_en, course.fee_vnd, course.active) == ("New title", 150_000, False)
        assert course.dimensions == ["online_sales"] and course.sectors == []
    owner = make_user()
    make_business(owner=owner)
    auth.logout()
    auth.login(owner)
    assert "New title" not in client.get("/training/").get_data(as_text=True)
    assert client.get(f"/training/courses/{t.course_id}").status_code == 404


def test_a_course_page_shows_its_managers_the_classes_now_and_the_finished_ones_a_page_at_a_time(
    app, client, auth, trainer, make_user, make_business
):
    t = new_training(app, trainer)  # takes enrolments for 30 more days
    # Enrolments closed ten days ago, one session held, one next week: still running.
    add_class(app, t.course_id, "Lớp đang học", days_ago=10, sessions_from_now=(7,))
    # Twelve finished classes, one a month back to a year ago; the latest has a participant.
    finished = [
        add_class(app, t.course_id, f"Lớp cũ {n:02d}", days_ago=30 * n) for n in range(1, 13)
    ]
    participant = make_business()
    with app.app_context():  # enrolled while it was open
        taken, user = db.session.get(Cohort, finished[0]), db.session.get(User, trainer.id)
        closed = taken.enrolment_deadline
        operations.update_cohort(taken, user, enrolment_deadline=clock.today())
        operations.enrol(taken, db.session.get(Business, participant.id), user)
        operations.update_cohort(taken, user, enrolment_deadline=closed)
        db.session.commit()

    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    page = client.get(f"/training/courses/{t.course_id}", headers=EN).get_data(as_text=True)
    now, _, past = page.partition('<h2 id="finished-classes">Finished classes</h2>')
    assert "Nhà văn hoá thôn 1" in now and "Lớp đang học" in now and "Lớp cũ" not in now
    # The ten latest, the latest first; how many took part rather than places left.
    assert re.findall(r"Lớp cũ (\d\d)", past) == [f"{n:02d}" for n in range(1, 11)]
    assert "1 participant" in past and "0 participants" in past and "places left" not in past
    assert "Page 1 of 2" in past and "Later classes" not in past
    assert f"/training/courses/{t.course_id}?past=2#finished-classes" in past

    older = client.get(f"/training/courses/{t.course_id}?past=2", headers=EN).get_data(as_text=True)
    now, _, past = older.partition('<h2 id="finished-classes">Finished classes</h2>')
    assert "Lớp đang học" in now
    assert re.findall(r"Lớp cũ (\d\d)", past) == ["11", "12"]
    assert "Page 2 of 2" in past and "Earlier classes" not in past
    assert f"/training/courses/{t.course_id}?past=1#finished-classes" in past
    # A page beyond the last shows none of them, never an error.
    beyond = client.get(f"/training/courses/{t.course_id}?past=9", headers=EN)
    assert beyond.status_code == 200 and "Lớp cũ" not in beyond.get_data(as_text=True)

    # An owner sees only the class taking enrolments.
    owner = make_user()
    make_business(owner=owner)
    auth.logout()
    auth.login(owner)
    page = client.get(f"/training/courses/{t.course_id}", headers=EN).get_data(as_text=True)
    assert "Nhà văn hoá thôn 1" in page and "Enrol by" in page
    assert "Lớp đang học" not in page and "Lớp cũ" not in page and "Finished classes" not in page
