"""The reads the views once ran inline, called as plain functions (no request): the owner's and
the staff's dashboards, the training pages, account management."""

from flask_login import AnonymousUserMixin

from portal import geo
from portal.admin import queries as admin_queries
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.extensions import db
from portal.main import queries as main_queries
from portal.reports import funnel_queries
from portal.training import alerts
from portal.training import queries as training_queries
from portal.training.models import Course
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import complete_with_certificate, enrol_now, new_training


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


# ------------------------------------------------------------------------- dashboards


def test_owner_businesses_are_their_own_by_name(app, make_user, make_business):
    owner = make_user()
    b = make_business(owner=owner, name="Bích")
    a = make_business(owner=owner, name="An", province_code=HA_NOI)
    make_business(name="Another owner's")
    with app.app_context():
        assert [x.id for x in main_queries.owner_businesses(_user(owner.id))] == [a.id, b.id]


def test_staff_dashboard_figures_are_of_their_province(app, make_user, make_business):
    communes = [int(c.code) for c in geo.communes(QUANG_NINH)[:2]]
    for commune in (communes[0], communes[1], communes[1]):
        make_business(commune_code=commune)
    make_business(province_code=HA_NOI)
    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)
    make_user(role=Role.TRAINER, province_code=QUANG_NINH)
    make_user(role=Role.TRAINER, province_code=HA_NOI)
    with app.app_context():
        user = _user(staff.id)
        # Most first; the commune code breaks ties.
        assert main_queries.business_counts(user) == (3, [(communes[1], 2), (communes[0], 1)])
        assert main_queries.business_counts(user, limit=1) == (3, [(communes[1], 2)])
        assert main_queries.user_count(user) == 2  # the staff member and the trainer
        assert main_queries.business_counts(AnonymousUserMixin()) == (0, [])


# ---------------------------------------------------------------------------- training


def test_owner_training_reads(app, make_user, make_business, trainer):
    owner = make_user()
    mine = make_business(owner=owner, name="B")
    also_mine = make_business(owner=owner, name="A")
    elsewhere = make_business(owner=owner, province_code=HA_NOI)
    other = make_business()
    t = new_training(app, trainer)
    enrolment_id = enrol_now(app, t.cohort_id, mine.id)
    enrol_now(app, t.cohort_id, other.id)
    with app.app_context():
        user = _user(owner.id)
        course = db.session.get(Course, t.course_id)
        assert [b.id for b in training_queries.owner_businesses_in(user, QUANG_NINH)] == [
            also_mine.id,
            mine.id,
        ]
        assert sorted(training_queries.owner_province_codes(user)) == sorted([QUANG_NINH, HA_NOI])
        assert [e.id for e in training_queries.owner_course_enrolments(user, course)] == [
            enrolment_id
        ]
        assert sorted(training_queries.owner_business_ids(user)) == sorted(
            [mine.id, also_mine.id, elsewhere.id]
        )
        picked = training_queries.businesses_by_ids(
            user, [mine.id, elsewhere.id, other.id], QUANG_NINH
        )
        assert [b.id for b in picked] == [mine.id]  # not another province, not another owner


def test_certificate_by_code_ignores_case_and_spaces(app, make_business, trainer):
    done = complete_with_certificate(app, trainer, make_business())
    with app.app_context():
        found = training_queries.certificate_by_code(f"  {done.code.lower()} ")
        assert found is not None and found.id == done.certificate_id
        assert training_queries.certificate_by_code("NO-SUCH-CODE") is None


def test_class_alerts_and_notices_of_an_owner(app, make_user, make_business, trainer):
    owner = make_user()
    business = make_business(owner=owner)
    first = new_training(app, trainer, topic="ecommerce")
    with app.app_context():
        course = db.session.get(Course, first.course_id)
        alert = alerts.subscribe(
            db.session.get(Business, business.id), topic="ecommerce", province_wide=True
        )
        db.session.commit()
        alert_id = alert.id
    # A new class on the topic opens: the owner has a notice of it.
    second = new_training(app, trainer, topic="ecommerce")
    unrelated = new_training(app, trainer, topic="cybersecurity")
    with app.app_context():
        user = _user(owner.id)
        course = db.session.get(Course, first.course_id)
        assert [a.id for a in training_queries.course_class_alerts(user, course)] == [alert_id]
        other_topic = db.session.get(Course, unrelated.course_id)
        assert training_queries.course_class_alerts(user, other_topic) == []
        notices = training_queries.class_alert_notices(user)
        assert [n.cohort_id for n in notices] == [second.cohort_id]
        # Only owners have notices.
        assert training_queries.class_alert_notices(_user(trainer.id)) == []


# ------------------------------------------------------------------- account management


def test_account_management_reads(app, make_user, make_business):
    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH, name="B staff")
    trainer = make_user(role=Role.TRAINER, province_code=QUANG_NINH, name="A trainer")
    make_user(role=Role.TRAINER, province_code=HA_NOI)
    make_user()  # an owner: not a province account
    make_business()
    make_business(province_code=HA_NOI)
    make_business(province_code=HA_NOI)
    with app.app_context():
        # The province's trainers and staff only.
        accounts = admin_queries.province_accounts(_user(staff.id))
        assert sorted(u.id for u in accounts) == sorted([trainer.id, staff.id])
        assert admin_queries.businesses_per_province() == {QUANG_NINH: 1, HA_NOI: 2}
        per_province = admin_queries.users_per_province()
        assert per_province[QUANG_NINH] == 2 and per_province[HA_NOI] == 1
        assert None not in per_province


def test_funnel_counts_known_businesses_per_commune(app, make_user, make_business):
    make_business()
    make_business()
    make_business(province_code=HA_NOI)
    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)
    with app.app_context():
        rows = funnel_queries.funnel(QUANG_NINH, _user(staff.id))
    total = rows[-1]
    assert total.commune_code is None and total.counts["known"] == 2
    assert total.counts["registered"] == 2 and total.counts["digital"] == 0
    assert sum(r.counts["known"] for r in rows[:-1]) == 2
