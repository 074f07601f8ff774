"""Removing and rescheduling a cohort's sessions; withdrawing a certificate with a reason."""

from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from portal import clock, formatting
from portal.auth.models import Role, User
from portal.extensions import db
from portal.training import operations
from portal.training.models import Certificate, Enrolment, EnrolmentState, TrainingSession
from tests.conftest import HA_NOI, QUANG_NINH
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


def mark_present(app, trainer, session_ids, enrolment_id) -> None:
    with app.app_context():
        user = db.session.get(User, trainer.id)
        for session_id in session_ids:
            operations.set_attendance(
                db.session.get(TrainingSession, session_id),
                db.session.get(Enrolment, enrolment_id),
                True,
                user,
            )
        db.session.commit()


def session_starts(app, session_ids) -> dict[int, datetime]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(TrainingSession.id, TrainingSession.starts_at).where(
                TrainingSession.id.in_(session_ids)
            )
        ).all()
        return dict(rows)


def short_en(app, when: datetime) -> str:
    """Format a stored (UTC) datetime as the English pages show it."""
    with app.app_context():
        return formatting.format_datetime(when, "en")


def long_date_en(app, when: datetime) -> str:
    with app.app_context():
        return formatting.format_date(when, "en")


# ------------------------------------------------------------------------------ sessions


def test_session_without_attendance_is_removed_after_confirmation(
    app, client, auth, make_user, make_business, trainer
):
    owner = make_user()
    t = new_training(app, trainer, sessions=3)
    enrol_now(app, t.cohort_id, make_business(owner=owner).id)
    removed = t.session_ids[1]
    removed_label = short_en(app, session_starts(app, [removed])[removed])
    auth.login(owner)
    assert removed_label in client.get("/training/mine", headers=EN).get_data(as_text=True)
    auth.logout()

    auth.login(trainer)
    cohort_page = client.get(f"/training/cohorts/{t.cohort_id}", headers=EN).get_data(as_text=True)
    assert f"/training/sessions/{removed}/remove" in cohort_page
    page = client.get(f"/training/sessions/{removed}/remove", headers=EN).get_data(as_text=True)
    assert "After removal the class has 2 sessions" in page and "Keep the session" in page
    # Opening the confirmation page changes nothing.
    assert len(session_starts(app, t.session_ids)) == 3

    response = client.post(f"/training/sessions/{removed}/remove", headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/training/cohorts/{t.cohort_id}")
    assert set(session_starts(app, t.session_ids)) == {t.session_ids[0], t.session_ids[2]}
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "The session has been removed." in page
    auth.logout()

    # The owner's pages no longer list the removed session.
    auth.login(owner)
    assert removed_label not in client.get("/training/mine", headers=EN).get_data(as_text=True)
    assert removed_label not in client.get("/dashboard", headers=EN).get_data(as_text=True)


def test_session_with_attendance_cannot_be_removed(app, client, auth, make_business, trainer):
    t = new_training(app, trainer, sessions=2, first_session=held(1))
    enrolment_id = enrol_now(app, t.cohort_id, make_business().id)
    taken = t.session_ids[0]
    mark_present(app, trainer, [taken], enrolment_id)
    auth.login(trainer)

    cohort_page = client.get(f"/training/cohorts/{t.cohort_id}", headers=EN).get_data(as_text=True)
    assert f"/training/sessions/{taken}/remove" not in cohort_page
    assert f"/training/sessions/{taken}/edit" in cohort_page and "Attendance taken" in cohort_page

    page = client.get(f"/training/sessions/{taken}/remove", headers=EN).get_data(as_text=True)
    assert "so it cannot be removed" in page and "Remove the session</button>" not in page

    response = client.post(f"/training/sessions/{taken}/remove", headers=EN)
    assert response.status_code == 302
    assert taken in session_starts(app, [taken])
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "so it cannot be removed: it counts in the participants" in page
    assert "You can reschedule it instead." in page

    # A session once marked present then corrected to absent stays part of the record too.
    with app.app_context():
        operations.set_attendance(
            db.session.get(TrainingSession, taken),
            db.session.get(Enrolment, enrolment_id),
            False,
            db.session.get(User, trainer.id),
        )
        db.session.commit()
    client.post(f"/training/sessions/{taken}/remove")
    assert taken in session_starts(app, [taken])


def test_rescheduled_session_shows_its_new_date_to_the_enrolled_owner(
    app, client, auth, make_user, make_business, trainer
):
    owner = make_user()
    # The first session was held three days ago, the second is in four days.
    t = new_training(app, trainer, sessions=2, first_session=clock.utcnow() - timedelta(days=3))
    enrolment_id = enrol_now(app, t.cohort_id, make_business(owner=owner).id)
    taken, moved = t.session_ids
    # Attendance does not stop a reschedule to another past time, and stays with the session.
    mark_present(app, trainer, [taken], enrolment_id)
    auth.login(trainer)
    earlier = clock.to_local(session_starts(app, [taken])[taken]) - timedelta(days=1)
    response = client.post(
        f"/training/sessions/{taken}/edit",
        data={"starts_at": earlier.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "90"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(TrainingSession, taken).starts_at == clock.to_utc(
            earlier.replace(tzinfo=None, second=0, microsecond=0)
        )
        assert len(db.session.get(Enrolment, enrolment_id).attendance) == 1
    # It cannot move to a time still to come: the attendance would record what has not happened.
    response = client.post(
        f"/training/sessions/{taken}/edit",
        data={
            "starts_at": (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "90",
        },
        headers=EN,
    )
    assert response.status_code == 400
    assert "so it cannot be moved to a time that has not come yet" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(TrainingSession, taken).starts_at < clock.utcnow()

    old_label = short_en(app, session_starts(app, [moved])[moved])
    page = client.get(f"/training/sessions/{moved}/edit", headers=EN).get_data(as_text=True)
    assert "Reschedule the session" in page and "Nhà văn hoá thôn 1" in page
    new_local = datetime.combine(clock.today() + timedelta(days=60), time(9, 30))
    response = client.post(
        f"/training/sessions/{moved}/edit",
        data={"starts_at": new_local.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "90"},
        headers=EN,
    )
    assert response.status_code == 302
    new_start = clock.to_utc(new_local)  # 09:30 in the portal's time zone, stored as UTC
    with app.app_context():
        session = db.session.get(TrainingSession, moved)
        assert (session.starts_at, session.duration_minutes) == (new_start, 90)
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Enrolled participants see the new date on their training page." in page
    auth.logout()

    new_label = short_en(app, new_start)
    auth.login(owner)
    mine = client.get("/training/mine", headers=EN).get_data(as_text=True)
    assert new_label in mine and old_label not in mine
    assert new_label in client.get("/dashboard", headers=EN).get_data(as_text=True)


def test_reschedule_with_bad_input_keeps_it_and_explains(app, client, auth, trainer):
    t = new_training(app, trainer, sessions=1)
    before = session_starts(app, t.session_ids)
    auth.login(trainer)
    response = client.post(
        f"/training/sessions/{t.session_ids[0]}/edit",
        data={"starts_at": "", "duration_minutes": "5"},
        headers=EN,
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Enter the date and time of the session." in page
    assert "Enter a length from 15 to 600 minutes." in page and 'value="5"' in page
    response = client.post(
        f"/training/sessions/{t.session_ids[0]}/edit",
        data={"starts_at": "tomorrow", "duration_minutes": "60"},
        headers=EN,
    )
    assert response.status_code == 200 and 'value="tomorrow"' in response.get_data(as_text=True)
    assert session_starts(app, t.session_ids) == before


def test_removing_a_session_updates_completion_percentages(
    app, client, auth, make_business, trainer
):
    t = new_training(app, trainer, sessions=4, min_attendance_pct=80, first_session=held(4))
    enrolment_id = enrol_now(app, t.cohort_id, make_business().id)
    mark_present(app, trainer, t.session_ids[:3], enrolment_id)
    auth.login(trainer)
    page = client.get(f"/training/cohorts/{t.cohort_id}/completion", headers=EN)
    assert "3/4 (75%)" in page.get_data(as_text=True)
    client.post(f"/training/cohorts/{t.cohort_id}/completion")
    assert state_of(app, enrolment_id) == EnrolmentState.ENROLLED

    # The last session is cancelled: 3 of 3 attended now meets the rule.
    assert client.post(f"/training/sessions/{t.session_ids[3]}/remove").status_code == 302
    page = client.get(f"/training/cohorts/{t.cohort_id}/completion", headers=EN)
    assert "3/3 (100%)" in page.get_data(as_text=True)
    client.post(f"/training/cohorts/{t.cohort_id}/completion")
    assert state_of(app, enrolment_id) == EnrolmentState.COMPLETED


def test_only_the_provinces_trainers_and_staff_change_sessions(
    app, client, auth, make_user, make_business, trainer
):
    owner = make_user()
    t = new_training(app, trainer, sessions=2)
    enrol_now(app, t.cohort_id, make_business(owner=owner).id)
    session_id = t.session_ids[0]
    auth.login(owner)
    assert client.get(f"/training/sessions/{session_id}/edit").status_code == 403
    assert client.post(f"/training/sessions/{session_id}/remove").status_code == 403
    auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    assert client.get(f"/training/sessions/{session_id}/edit").status_code == 404
    assert client.post(f"/training/sessions/{session_id}/remove").status_code == 404
    auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    assert client.post(f"/training/sessions/{session_id}/remove").status_code == 302
    assert session_starts(app, t.session_ids).keys() == {t.session_ids[1]}


# -------------------------------------------------------------------------- certificates


def test_staff_withdraws_a_certificate_with_a_reason(
    app, client, auth, make_user, make_business, trainer
):
    owner = make_user()
    business = make_business(owner=owner, name="Hộ Mật ong Bình Liêu")
    done = complete_with_certificate(app, trainer, business)
    reason = "Hồ sơ điểm danh bị khai sai"
    before = client.get(f"/verify/{done.code}", headers=EN).get_data(as_text=True)
    assert "This certificate is valid." in before

    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)
    auth.login(staff)
    completion = client.get(f"/training/cohorts/{done.cohort_id}/completion", headers=EN)
    withdraw_url = f"/training/certificates/{done.certificate_id}/withdraw"
    assert withdraw_url in completion.get_data(as_text=True)
    page = client.get(withdraw_url, headers=EN).get_data(as_text=True)
    assert "Reason for withdrawing the certificate" in page and done.code in page
    response = client.post(withdraw_url, data={"reason": f"  {reason}  "}, headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/training/cohorts/{done.cohort_id}/completion")
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "has been withdrawn" in page and "Certificate withdrawn on" in page
    assert withdraw_url not in page
    with app.app_context():
        certificate = db.session.get(Certificate, done.certificate_id)
        assert certificate.revoked_reason == reason
        assert certificate.revoked_by_id == staff.id and certificate.revoked_at is not None
        withdrawn_on = long_date_en(app, certificate.revoked_at)
    # The enrolment stays completed: counts of completions do not change.
    assert state_of(app, done.enrolment_id) == EnrolmentState.COMPLETED

    # The PDF is refused, with the reason, to staff and owner alike.
    response = client.get(f"/training/certificates/{done.certificate_id}.pdf", headers=EN)
    assert response.status_code == 410 and response.mimetype == "text/html"
    assert "can no longer be downloaded" in response.get_data(as_text=True)
    auth.logout()

    # The public page says withdrawn, and when, but never why.
    after = client.get(f"/verify/{done.code}", headers=EN)
    assert after.status_code == 200
    text = after.get_data(as_text=True)
    main = text.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert "This certificate is valid." not in main
    assert f"withdrawn on {withdrawn_on} and is no longer valid" in main
    assert "Hộ Mật ong Bình Liêu" in main and "Selling on e-commerce marketplaces" in main
    assert reason not in text and "Hồ sơ điểm danh" not in text and "Reason" not in text

    # The owner sees it withdrawn, with the reason, and no download link.
    auth.login(owner)
    pdf_url = f"/training/certificates/{done.certificate_id}.pdf"
    for url in ("/training/mine", "/dashboard"):
        page = client.get(url, headers=EN).get_data(as_text=True)
        assert "Certificate withdrawn on" in page and f"Reason: {reason}" in page, url
        assert pdf_url not in page, url
    response = client.get(pdf_url, headers=EN)
    assert response.status_code == 410
    assert f"Reason: {reason}" in response.get_data(as_text=True)


def test_withdrawal_needs_a_reason(app, client, auth, make_user, make_business, trainer):
    done = complete_with_certificate(app, trainer, make_business())
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    url = f"/training/certificates/{done.certificate_id}/withdraw"
    response = client.post(url, data={"reason": "   "}, headers=EN)
    assert response.status_code == 200
    assert "Enter the reason for withdrawing the certificate." in response.get_data(as_text=True)
    long_reason = "Sai sót " * 70
    response = client.post(url, data={"reason": long_reason}, headers=EN)
    page = response.get_data(as_text=True)
    assert "Keep the reason to 500 characters or fewer." in page
    assert long_reason.strip() in page  # what was typed is kept
    response = client.post(url, data={}, headers={"Accept-Language": "vi"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Certificate, done.certificate_id).is_valid
    page = client.get(f"/verify/{done.code}", headers=EN).get_data(as_text=True)
    assert "This certificate is valid." in page
    assert client.get(f"/training/certificates/{done.certificate_id}.pdf").status_code == 200


def test_a_certificate_is_withdrawn_once(app, client, auth, make_user, make_business, trainer):
    done = complete_with_certificate(app, trainer, make_business())
    auth.login(trainer)  # the cohort's own trainer
    url = f"/training/certificates/{done.certificate_id}/withdraw"
    assert client.post(url, data={"reason": "Lần đầu"}).status_code == 302
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "This certificate was withdrawn on" in page and 'name="reason"' not in page
    client.post(url, data={"reason": "Lần hai"})
    with app.app_context():
        assert db.session.get(Certificate, done.certificate_id).revoked_reason == "Lần đầu"
        with pytest.raises(operations.TrainingError):
            operations.revoke_certificate(
                db.session.get(Certificate, done.certificate_id), db.session.get(User, trainer.id)
            )


def test_who_may_withdraw_a_certificate(app, client, auth, make_user, make_business, trainer):
    owner = make_user()
    done = complete_with_certificate(app, trainer, make_business(owner=owner))
    url = f"/training/certificates/{done.certificate_id}/withdraw"
    other_trainer = make_user(role=Role.TRAINER, province_code=QUANG_NINH)
    auth.login(other_trainer)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"reason": "x"}).status_code == 403
    page = client.get(f"/training/cohorts/{done.cohort_id}/completion").get_data(as_text=True)
    assert url not in page
    auth.logout()
    auth.login(owner)
    assert client.post(url, data={"reason": "x"}).status_code == 403
    auth.logout()
    for role in (Role.STAFF, Role.TRAINER):
        auth.login(make_user(role=role, province_code=HA_NOI))
        assert client.get(url).status_code == 404
        assert client.post(url, data={"reason": "x"}).status_code == 404
        auth.logout()
    with app.app_context():
        assert db.session.get(Certificate, done.certificate_id).is_valid
    auth.login(trainer)
    assert client.post(url, data={"reason": "Điểm danh sai"}).status_code == 302
    with app.app_context():
        assert not db.session.get(Certificate, done.certificate_id).is_valid


def test_withdrawn_certificates_still_count_as_completed(app, make_business, trainer):
    done = complete_with_certificate(app, trainer, make_business())
    with app.app_context():
        operations.revoke_certificate(
            db.session.get(Certificate, done.certificate_id),
            db.session.get(User, trainer.id),
            "Lý do",
        )
        db.session.commit()
        completed = db.session.scalar(
            sa.select(sa.func.count(Enrolment.id)).where(
                Enrolment.state == EnrolmentState.COMPLETED
            )
        )
    assert completed == 1
