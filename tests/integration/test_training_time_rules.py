"""Nothing is recorded that has not happened: attendance from a session's start, completion and
certificates from the start of the class's last session, and an audit of older certificates."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal import clock
from portal.auth.models import Role, User
from portal.extensions import db
from portal.training import operations
from portal.training.models import (
    Attendance,
    Certificate,
    Cohort,
    Enrolment,
    EnrolmentState,
    TrainingSession,
)
from tests.conftest import QUANG_NINH
from tests.factories import (
    EN,
    complete_with_certificate,
    enrol_now,
    held,
    new_training,
    state_of,
)


@pytest.fixture
def trainer(make_user):
    return make_user(role=Role.TRAINER, province_code=QUANG_NINH, name="Trần Thị Giảng")


def at(instant: datetime):
    """Stand still at a stored (naive UTC) instant."""
    return time_machine.travel(instant.replace(tzinfo=UTC), tick=False)


def start_of(app, session_id: int) -> datetime:
    with app.app_context():
        return db.session.get(TrainingSession, session_id).starts_at


def attendance_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Attendance.id)))


def certificate_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Certificate.id)))


# ------------------------------------------------------------------------------ attendance


def test_attendance_opens_when_the_session_starts(app, client, auth, make_business, trainer):
    t = new_training(app, trainer, sessions=1, first_session=clock.utcnow() + timedelta(hours=3))
    enrolment_id = enrol_now(app, t.cohort_id, make_business(name="HTX Ngao Đầm Hà").id)
    session_id = t.session_ids[0]
    starts = start_of(app, session_id)
    page_url = f"/training/sessions/{session_id}/attendance"
    mark_url = f"{page_url}/{enrolment_id}"
    auth.login(trainer)

    with at(starts - timedelta(minutes=1)):
        cohort_page = client.get(f"/training/cohorts/{t.cohort_id}", headers=EN)
        assert "Attendance opens when the session starts" in cohort_page.get_data(as_text=True)
        assert page_url not in cohort_page.get_data(as_text=True)
        # The page lists who is expected, with no button to press.
        page = client.get(page_url, headers=EN).get_data(as_text=True)
        assert "Not open yet: attendance opens when the session starts" in page
        assert "HTX Ngao Đầm Hà" in page and mark_url not in page and "aria-pressed" not in page
        # A mark sent anyway is refused, with the reason.
        response = client.post(mark_url, data={"present": "1"}, headers=EN)
        assert response.status_code == 302
        page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
        assert "This session has not started yet. Attendance opens when it starts" in page
        with app.app_context(), pytest.raises(operations.TrainingError) as error:
            operations.set_attendance(
                db.session.get(TrainingSession, session_id),
                db.session.get(Enrolment, enrolment_id),
                False,
                db.session.get(User, trainer.id),
            )
        assert error.value.code == "session_not_started"
    assert attendance_rows(app) == 0

    with at(starts + timedelta(minutes=1)):
        cohort_page = client.get(f"/training/cohorts/{t.cohort_id}", headers=EN)
        assert "Take attendance" in cohort_page.get_data(as_text=True)
        assert mark_url in client.get(page_url, headers=EN).get_data(as_text=True)
        assert client.post(mark_url, data={"present": "1"}).status_code == 302
        page = client.get(page_url, headers=EN).get_data(as_text=True)
        assert "1 of 1 present" in page
    assert attendance_rows(app) == 1


def test_a_session_with_attendance_stays_in_the_past(app, make_business, trainer):
    t = new_training(app, trainer, sessions=1, first_session=held(1))
    enrolment_id = enrol_now(app, t.cohort_id, make_business().id)
    with app.app_context():
        user = db.session.get(User, trainer.id)
        session = db.session.get(TrainingSession, t.session_ids[0])
        operations.set_attendance(session, db.session.get(Enrolment, enrolment_id), True, user)
        db.session.commit()
        with pytest.raises(operations.TrainingError) as error:
            operations.reschedule_session(session, clock.utcnow() + timedelta(days=1), 120, user)
        assert error.value.code == "attended_session_to_future"
        db.session.rollback()
        earlier = session.starts_at - timedelta(hours=2)
        operations.reschedule_session(session, earlier, 120, user)
        db.session.commit()
        assert db.session.get(TrainingSession, t.session_ids[0]).starts_at == earlier


# ------------------------------------------------------------------------------ completion


def test_completion_opens_when_the_last_session_starts(app, client, auth, make_business, trainer):
    # Half the sessions is enough: only the time keeps the class from completing.
    t = new_training(
        app, trainer, sessions=2, min_attendance_pct=50, first_session=held(1) + timedelta(hours=1)
    )
    enrolment_id = enrol_now(app, t.cohort_id, make_business(name="Hộ Mật ong Bình Liêu").id)
    first, last = t.session_ids
    last_start = start_of(app, last)
    assert start_of(app, first) < clock.utcnow() < last_start
    with app.app_context():
        operations.set_attendance(
            db.session.get(TrainingSession, first),
            db.session.get(Enrolment, enrolment_id),
            True,
            db.session.get(User, trainer.id),
        )
        db.session.commit()
    url = f"/training/cohorts/{t.cohort_id}/completion"
    auth.login(trainer)

    with at(last_start - timedelta(minutes=1)):
        page = client.get(url, headers=EN).get_data(as_text=True)
        assert "Not open yet: completion and certificates open when the class" in page
        assert "Mark completion and issue certificates" not in page
        assert "1/2 (50%)" in page  # attendance so far is shown
        response = client.post(url, headers=EN)
        assert response.status_code == 302 and response.headers["Location"].endswith(url)
        page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
        assert "The class is not over yet. Completion and certificates open when its last" in page
        with app.app_context():
            enrolment = db.session.get(Enrolment, enrolment_id)
            with pytest.raises(operations.TrainingError) as error:
                operations.complete_cohort(enrolment.cohort, db.session.get(User, trainer.id))
            assert error.value.code == "class_not_over"
            with pytest.raises(operations.TrainingError):
                operations.issue_certificate(enrolment)
    assert state_of(app, enrolment_id) == EnrolmentState.ENROLLED
    assert certificate_count(app) == 0

    with at(last_start + timedelta(minutes=1)):
        page = client.get(url, headers=EN).get_data(as_text=True)
        assert "Not open yet" not in page and "Mark completion and issue certificates" in page
        assert client.post(url).status_code == 302
    assert state_of(app, enrolment_id) == EnrolmentState.COMPLETED
    with app.app_context():
        code = db.session.scalar(sa.select(Certificate.code))
    page = client.get(f"/verify/{code}", headers=EN).get_data(as_text=True)
    assert "This certificate is valid." in page and "Hộ Mật ong Bình Liêu" in page


def test_a_class_without_sessions_cannot_be_completed(app, client, auth, make_business, trainer):
    t = new_training(app, trainer, sessions=0)
    enrol_now(app, t.cohort_id, make_business().id)
    auth.login(trainer)
    url = f"/training/cohorts/{t.cohort_id}/completion"
    assert "has no sessions yet" in client.get(url, headers=EN).get_data(as_text=True)
    response = client.post(url, headers=EN)
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "This class has no sessions yet, so nobody can complete it." in page


def test_no_session_after_a_class_has_certificates(app, client, auth, make_business, trainer):
    done = complete_with_certificate(app, trainer, make_business())
    auth.login(trainer)
    later = (clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/training/cohorts/{done.cohort_id}/sessions",
        data={"starts_at": later, "duration_minutes": "120"},
        headers=EN,
    )
    assert response.status_code == 400
    assert "Certificates of this class were issued at" in response.get_data(as_text=True)
    response = client.post(
        f"/training/sessions/{done.session_ids[0]}/edit",
        data={"starts_at": later, "duration_minutes": "120"},
        headers=EN,
    )
    assert response.status_code == 400
    with app.app_context():
        sessions = db.session.scalars(
            sa.select(TrainingSession).where(TrainingSession.cohort_id == done.cohort_id)
        ).all()
        assert len(sessions) == 1 and sessions[0].starts_at < clock.utcnow()


# ----------------------------------------------------------------------------------- audit


def back_dated_certificate(app, trainer, business) -> tuple[str, datetime]:
    """Write what the portal once accepted: a certificate for a class still to come."""
    t = new_training(app, trainer, sessions=2, first_session=clock.utcnow() + timedelta(days=7))
    enrolment_id = enrol_now(app, t.cohort_id, business.id)
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        for session_id in t.session_ids:
            db.session.add(
                Attendance(session_id=session_id, enrolment=enrolment, province_code=QUANG_NINH)
            )
        enrolment.state = EnrolmentState.COMPLETED
        enrolment.completed_at = clock.utcnow() - timedelta(days=1)
        cohort = db.session.get(Cohort, t.cohort_id)
        certificate = Certificate(
            enrolment=enrolment,
            business_id=business.id,
            province_code=QUANG_NINH,
            code="EARLY23456",
            business_name=business.name,
            course_title_vi=cohort.course.title_vi,
            course_title_en=cohort.course.title_en,
            completed_on=clock.today() - timedelta(days=1),
            issued_at=clock.utcnow() - timedelta(days=1),
        )
        db.session.add(certificate)
        db.session.commit()
        return certificate.code, certificate.issued_at


def test_audit_lists_certificates_issued_before_the_last_session(
    app, runner, make_business, trainer
):
    result = runner.invoke(args=["training", "audit-certificates"])
    assert result.exit_code == 0, result.output
    assert "No certificate was issued before its class's last session started." in result.output

    good = complete_with_certificate(app, trainer, make_business(name="Cơ sở Chả mực Hạ Long"))
    early = make_business(name="Hộ kinh doanh Phương Hoa")
    bad, issued_at = back_dated_certificate(app, trainer, early)

    result = runner.invoke(args=["training", "audit-certificates"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "Province",
        "Course",
        "Class",
        "Business",
        "Certificate",
        "Issued",
        "Last",
        "session",
        "starts",
        "Status",
    ]
    row = next(line for line in lines if bad in line)
    assert "Quảng Ninh" in row and "Hộ kinh doanh Phương Hoa" in row
    assert "Bán hàng trên sàn thương mại điện tử" in row and "valid" in row
    assert clock.to_local(issued_at).strftime("%Y-%m-%d %H:%M") in row
    assert good.code not in result.output and "Chả mực" not in result.output
    assert "1 certificate(s) issued before their class's last session started" in result.output


def test_synthetic_data_records_only_what_has_happened(app, runner):
    from portal.devtools.synthetic import generate

    with app.app_context():
        generate(300, province_codes=(QUANG_NINH,), echo=lambda _m: None)
        now = clock.utcnow()
        future_marks = db.session.scalar(
            sa.select(sa.func.count(Attendance.id))
            .join(TrainingSession, TrainingSession.id == Attendance.session_id)
            .where(TrainingSession.starts_at > now)
        )
        certificates = db.session.scalar(sa.select(sa.func.count(Certificate.id)))
    assert future_marks == 0 and certificates > 0
    result = runner.invoke(args=["training", "audit-certificates"])
    assert result.exit_code == 0
    assert "No certificate was issued before its class's last session started." in result.output
