"""An owner asks to be told when a class opens near their business: when one opens in the
business's commune (or anywhere in the province, if they chose so) they get a mail in their
language and a notice on their page; they can stop the alert."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import clock, geo
from portal.auth.models import Role
from portal.extensions import db
from portal.training import operations
from portal.training.alerts import ClassAlert, ClassAlertNotice
from portal.training.models import Cohort, Course, CourseFormat
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import move_business, new_training

EN = {"Accept-Language": "en"}
HOME, ELSEWHERE = (int(c.code) for c in geo.communes(QUANG_NINH)[1:3])


@pytest.fixture
def outbox(app):
    return app.extensions["mailman"].outbox


@pytest.fixture
def course(app, make_user):
    """A course of the province with one class, in another commune than the owners'."""
    trainer = make_user(role=Role.TRAINER, name="Trần Văn Giảng")
    t = new_training(app, trainer, title_en="Selling on Zalo", title_vi="Bán hàng qua Zalo")
    t.trainer = trainer
    return t


def open_class(client, auth, t, commune: int, online: bool = False) -> int:
    """Open a class of the course as its trainer, through the page; return its id."""
    auth.login(t.trainer)
    first = clock.now().replace(tzinfo=None, second=0, microsecond=0) + timedelta(days=20)
    data = {
        "trainer": str(t.trainer.id),
        "commune": str(commune),
        "venue": "Nhà văn hóa thôn 2",
        "capacity": "20",
        "enrolment_deadline": (clock.today() + timedelta(days=15)).isoformat(),
        "first_session": first.strftime("%Y-%m-%dT%H:%M"),
        "session_count": "2",
        "days_between": "7",
        "session_minutes": "90",
    }
    if online:
        data |= {"commune": "", "venue": "", "online_link": "https://meet.example.vn/lop"}
    response = client.post(f"/training/courses/{t.course_id}/cohorts/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()
    return int(response.headers["Location"].rsplit("/", 1)[1])


def subscribe(client, auth, owner, business, t, what="course", reach="commune"):
    auth.login(owner)
    response = client.post(
        f"/training/courses/{t.course_id}/alerts",
        data={"business": str(business.id), "what": what, "reach": reach},
        headers=EN,
    )
    auth.logout()
    return response


@pytest.fixture
def lan(make_user, make_business):
    owner = make_user(name="Nguyễn Thị Lan", email="lan@example.vn")
    return owner, make_business(owner=owner, name="Hộ Lan", commune_code=HOME)


def test_a_class_in_the_owners_commune_sends_one_mail_in_their_language(
    app, client, auth, outbox, course, lan
):
    owner, business = lan
    response = subscribe(client, auth, owner, business, course)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/training/courses/{course.course_id}#class-alert"
    )

    open_class(client, auth, course, HOME)

    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == ["lan@example.vn"]
    assert "“Bán hàng qua Zalo”" in message.subject  # the course's Vietnamese title
    assert "Xin chào Nguyễn Thị Lan," in message.body
    assert "Hộ Lan" in message.body and geo.commune_name(HOME) in message.body
    assert f"/training/courses/{course.course_id}" in message.body
    assert "/training/alerts" in message.body


def test_the_owner_sees_the_new_class_on_their_page_until_they_hide_it(
    app, client, auth, course, lan
):
    owner, business = lan
    subscribe(client, auth, owner, business, course)
    cohort_id = open_class(client, auth, course, HOME)
    auth.login(owner)
    page = client.get("/dashboard", headers=EN).get_data(as_text=True)
    assert "New classes near you" in page and "Selling on Zalo" in page
    with app.app_context():
        notice = db.session.scalars(sa.select(ClassAlertNotice)).one()
        assert notice.cohort_id == cohort_id and notice.mailed_at is not None
    client.post(f"/training/alert-notices/{notice.id}/dismiss", data={"next": "/dashboard"})
    page = client.get("/dashboard", headers=EN).get_data(as_text=True)
    assert "New classes near you" not in page


def test_a_class_in_another_commune_sends_nothing(app, client, auth, outbox, course, lan):
    owner, business = lan
    subscribe(client, auth, owner, business, course)
    open_class(client, auth, course, ELSEWHERE)
    assert outbox == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ClassAlertNotice.id))) == 0


def test_a_province_wide_alert_hears_of_a_class_in_another_commune(
    client, auth, outbox, course, lan
):
    owner, business = lan
    subscribe(client, auth, owner, business, course, reach="province")
    open_class(client, auth, course, ELSEWHERE)
    assert [m.to for m in outbox] == [["lan@example.vn"]]


def test_an_online_class_is_near_everyone(client, auth, outbox, course, lan):
    owner, business = lan
    subscribe(client, auth, owner, business, course)
    # An online course's class has no commune: nobody travels to it.
    with client.application.app_context():
        db.session.get(Course, course.course_id).format = CourseFormat.ONLINE
        db.session.commit()
    open_class(client, auth, course, ELSEWHERE, online=True)
    assert len(outbox) == 1


def test_each_new_class_sends_another_mail_and_asking_twice_sends_one(
    client, auth, outbox, course, lan
):
    owner, business = lan
    subscribe(client, auth, owner, business, course)
    subscribe(client, auth, owner, business, course, what="topic")  # the same class answers both
    open_class(client, auth, course, HOME)
    open_class(client, auth, course, HOME)
    assert len(outbox) == 2


def test_a_topic_alert_hears_of_another_course_on_the_topic(app, client, auth, outbox, course, lan):
    owner, business = lan
    subscribe(client, auth, owner, business, course, what="topic")
    other = new_training(app, course.trainer, title_en="Shopee for beginners", topic="ecommerce")
    other.trainer = course.trainer
    open_class(client, auth, other, HOME)
    assert len(outbox) == 1
    assert "“Shopee for beginners”" not in outbox[0].subject  # Vietnamese owner
    assert "Bán hàng trên sàn thương mại điện tử" in outbox[0].subject


def test_stopping_the_alert_stops_the_mail(
    app, client, auth, outbox, course, make_user, make_business
):
    owner = make_user(name="John Smith", email="john@example.vn", locale="en")
    business = make_business(owner=owner, commune_code=HOME)
    subscribe(client, auth, owner, business, course)
    open_class(client, auth, course, HOME)
    assert outbox[0].subject == "A new class of “Selling on Zalo” is open near you"
    assert "To stop these messages" in outbox[0].body

    auth.login(owner)
    page = client.get("/training/alerts", headers=EN).get_data(as_text=True)
    assert "Selling on Zalo" in page and "Stop" in page
    with app.app_context():
        alert_id = db.session.scalar(sa.select(ClassAlert.id))
    response = client.post(f"/training/alerts/{alert_id}/stop", headers=EN)
    assert response.status_code == 302
    page = client.get("/training/alerts", headers=EN).get_data(as_text=True)
    assert "No alert yet." in page
    auth.logout()

    open_class(client, auth, course, HOME)
    assert len(outbox) == 1


def test_the_course_page_offers_the_alert_to_owners_only(client, auth, course, lan, make_user):
    owner, business = lan
    auth.login(owner)
    page = client.get(f"/training/courses/{course.course_id}", headers=EN).get_data(as_text=True)
    assert "Tell me when a class opens near me" in page and "Hộ Lan" in page
    subscribe(client, auth, owner, business, course, reach="province")
    auth.login(owner)
    page = client.get(f"/training/courses/{course.course_id}", headers=EN).get_data(as_text=True)
    assert "A new class of this course" in page and "anywhere in the province" in page
    auth.logout()
    auth.login(course.trainer)
    page = client.get(f"/training/courses/{course.course_id}", headers=EN).get_data(as_text=True)
    assert "Tell me when a class opens near me" not in page


def test_an_owner_cannot_subscribe_another_owners_business(
    app, client, auth, outbox, course, lan, make_user
):
    _owner, business = lan
    stranger = make_user()
    auth.login(stranger)
    client.post(
        f"/training/courses/{course.course_id}/alerts",
        data={"business": str(business.id), "what": "course", "reach": "province"},
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ClassAlert.id))) == 0


def test_a_class_opened_by_the_operation_leaves_a_notice_without_mail(app, outbox, course, lan):
    """Classes opened by scripts (the demo data) still show on the owner's page."""
    owner, business = lan
    with app.app_context():
        from portal.businesses.models import Business
        from portal.training.alerts import subscribe as subscribe_op

        subscribe_op(
            db.session.get(Business, business.id),
            course=db.session.get(Course, course.course_id),
            province_wide=True,
        )
        cohort = db.session.get(Cohort, course.cohort_id)
        operations.create_cohort(
            cohort.course,
            commune_code=HOME,
            venue="Thôn 3",
            capacity=5,
            enrolment_deadline=clock.today() + timedelta(days=3),
        )
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(ClassAlertNotice.id))) == 1
    assert outbox == []


def _alert_rows(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count(ClassAlert.id))),
            db.session.scalar(sa.select(sa.func.count(ClassAlertNotice.id))),
        )


def test_a_business_that_moves_province_leaves_its_alerts_behind(app, client, auth, course, lan):
    owner, business = lan
    subscribe(client, auth, owner, business, course, reach="province")
    open_class(client, auth, course, ELSEWHERE)
    assert _alert_rows(app) == (1, 1)
    move_business(app, business.id, owner)
    assert _alert_rows(app) == (0, 0)


def test_a_closed_account_is_told_of_nothing(app, client, auth, outbox, course, lan):
    from portal.auth.models import User
    from portal.privacy.operations import close_account

    owner, business = lan
    subscribe(client, auth, owner, business, course, reach="province")
    with app.app_context():
        close_account(db.session.get(User, owner.id))
        db.session.commit()
    assert _alert_rows(app) == (0, 0)
    open_class(client, auth, course, HOME)
    assert outbox == []


def test_a_refused_alert_tells_the_owner_why(app, client, auth, make_user, lan):
    """A topic alert on a course without a topic is refused with its reason, in English."""
    trainer = make_user(role=Role.TRAINER)
    t = new_training(app, trainer, topic="")
    owner, business = lan
    auth.login(owner)
    response = client.post(
        f"/training/courses/{t.course_id}/alerts",
        data={"business": str(business.id), "what": "topic", "reach": "commune"},
        headers=EN,
        follow_redirects=True,
    )
    assert "An alert is about one course or about one topic" in response.get_data(as_text=True)
    assert _alert_rows(app) == (0, 0)


def test_an_alert_on_another_provinces_course_is_refused_with_its_reason(
    app, make_user, make_business
):
    from portal.businesses.models import Business
    from portal.training import alerts

    trainer = make_user(role=Role.TRAINER, province_code=HA_NOI)
    t = new_training(app, trainer, province_code=HA_NOI)
    business = make_business()
    with app.test_request_context(headers=EN):
        with pytest.raises(alerts.AlertError) as refused:
            alerts.subscribe(
                db.session.get(Business, business.id),
                course=db.session.get(Course, t.course_id),
                province_wide=False,
            )
        assert refused.value.code == "other_province"
        assert "offered in another province" in refused.value.message
