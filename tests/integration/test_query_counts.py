"""Pages run the same number of SQL statements whatever the amount of data (no N+1).

The synthetic generator grows every table the pages read (businesses, assessments and scores,
classes, enrolments and their event log, certificates, listing evidence, digital status), so a
page that loops over rows in Python shows up here as a growing count.
"""

from datetime import date

import sqlalchemy as sa

from portal import clock, geo
from portal.assess.models import Assessment
from portal.auth.models import Role
from portal.devtools.querycount import count_queries
from portal.devtools.synthetic import generate
from portal.extensions import db
from portal.onboarding.models import Evidence
from portal.reports.models import DigitalStatus, ProvinceTarget
from portal.reports.targets import TargetMetric
from portal.training.models import Certificate, EnrolmentEvent
from tests.conftest import HA_NOI, QUANG_NINH

#: The whole synthetic history (two years back), so that growth shows in every report.
SINCE = f"start={clock.today().year - 2}-01-01"
GROUPINGS = ("course", "cohort", "trainer", "commune", "sector", "month")


def _staff_pages() -> list[str]:
    commune = int(geo.communes(QUANG_NINH)[0].code)
    filtered = f"{SINCE}&commune={commune}&sector=agriculture&kind=household"
    return [
        "/dashboard",
        "/businesses/",
        "/admin/users",
        "/training/",
        "/reports/",
        f"/reports/?{SINCE}",
        f"/reports/?{filtered}",
        *(f"/reports/enrolments?by={by}&{SINCE}" for by in GROUPINGS),
        f"/reports/enrolments?by=month&{filtered}",
        f"/reports/enrolments.csv?by=commune&{SINCE}",
        f"/reports/enrolments.xlsx?by=course&{SINCE}",
        "/imports/funnel",
    ]


ADMIN_PAGES = ["/admin/provinces", f"/reports/?province={QUANG_NINH}&{SINCE}"]
GROWN = (Assessment, EnrolmentEvent, Certificate, Evidence, DigitalStatus)


def _queries(app, client, url: str) -> int:
    with app.app_context(), count_queries(db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def _grow(app, businesses: int) -> dict[str, int]:
    """Add businesses with their history; return the rows each grown table now holds."""
    with app.app_context():
        generate(businesses, province_codes=(QUANG_NINH, HA_NOI), echo=lambda _m: None)
        return {
            model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in GROWN
        }


def _counts(app, client, urls: list[str]) -> dict[str, int]:
    return {url: _queries(app, client, url) for url in urls}


def test_staff_pages_query_count_does_not_grow_with_data(app, client, auth, make_user):
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    urls = _staff_pages()
    before = _grow(app, 60)
    assert all(before.values()), before  # every report already has rows to group
    small = _counts(app, client, urls)
    after = _grow(app, 600)
    assert all(after[t] > 3 * before[t] for t in before), (before, after)
    assert _counts(app, client, urls) == small


def test_admin_pages_query_count_does_not_grow_with_data(app, client, auth, make_user):
    auth.login(make_user(role=Role.ADMIN))
    _grow(app, 60)
    small = _counts(app, client, ADMIN_PAGES)
    _grow(app, 600)
    assert _counts(app, client, ADMIN_PAGES) == small


def _set_targets(app, metrics) -> None:
    with app.app_context():
        db.session.execute(sa.delete(ProvinceTarget))
        for n, metric in enumerate(metrics):
            db.session.add(
                ProvinceTarget(
                    province_code=QUANG_NINH,
                    metric=metric,
                    target=50 + n,
                    by_year=2030,
                    start_on=date(clock.today().year - 1, 1 + n, 1),
                )
            )
        db.session.commit()


def test_dashboard_query_count_grows_neither_with_targets_nor_with_data(
    app, client, auth, make_user
):
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    urls = ["/reports/", f"/reports/?{SINCE}"]
    _grow(app, 60)
    _set_targets(app, [TargetMetric.DIGITAL_BUSINESSES])
    one = _counts(app, client, urls)
    _set_targets(app, list(TargetMetric))
    every = _counts(app, client, urls)
    assert every == one
    _grow(app, 600)
    assert _counts(app, client, urls) == every


def test_owner_dashboard_query_count_does_not_grow_with_businesses(
    app, client, auth, make_user, make_business
):
    owner = make_user()
    make_business(owner=owner)
    auth.login(owner)
    small = _queries(app, client, "/dashboard")
    for _ in range(6):
        make_business(owner=owner)
    assert _queries(app, client, "/dashboard") == small


def test_trainer_home_query_count_does_not_grow_with_classes(
    app, client, auth, make_user, make_business
):
    from tests.factories import earlier_today, enrol_now, mark_present, new_training

    trainer = make_user(role=Role.TRAINER, province_code=QUANG_NINH)

    def add_class() -> None:
        # A session earlier today (one present of two) and one in the coming week.
        t = new_training(app, trainer, sessions=2, first_session=earlier_today())
        present = enrol_now(app, t.cohort_id, make_business().id)
        enrol_now(app, t.cohort_id, make_business().id)
        mark_present(app, trainer, t.session_ids[0], present)

    add_class()
    auth.login(trainer)
    one = _queries(app, client, "/training/teaching")
    for _ in range(4):
        add_class()
    assert _queries(app, client, "/training/teaching") == one


def test_course_page_query_count_does_not_grow_with_its_classes(app, client, auth, make_user):
    from tests.factories import add_class, new_training

    trainer = make_user(role=Role.TRAINER, province_code=QUANG_NINH)
    t = new_training(app, trainer)
    add_class(app, t.course_id, "Lớp đang học", days_ago=10, sessions_from_now=(7,))
    for n in range(1, 12):  # enough for a second page of finished classes
        add_class(app, t.course_id, "Lớp cũ", days_ago=40 * n)
    auth.login(trainer)
    url = f"/training/courses/{t.course_id}"
    few = _counts(app, client, [url, f"{url}?past=2"])
    for n in range(12, 40):
        add_class(app, t.course_id, "Lớp cũ", days_ago=40 * n, sessions_from_now=(-40 * n + 7,))
    add_class(app, t.course_id, "Lớp đang học", days_ago=3, sessions_from_now=(3, 10))
    assert _counts(app, client, [url, f"{url}?past=2"]) == few


def test_field_figures_query_count_does_not_grow_with_households(app, client, auth, make_user):
    from tests.factories import (
        FIELD_COMMUNES,
        bearer,
        create_token,
        field_helper,
        field_record,
        sync_records,
    )

    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)
    _token_id, plaintext = create_token(app, staff)
    helpers = [field_helper(app, make_user, FIELD_COMMUNES) for _ in range(3)]

    def send(per_helper: int, phones: bool) -> None:
        for n, helper in enumerate(helpers):
            auth.login(helper)
            records = [
                field_record(
                    app,
                    commune=FIELD_COMMUNES[i % len(FIELD_COMMUNES)],
                    phone=f"09{n}{i:07d}" if phones else None,
                )
                for i in range(per_helper)
            ]
            sent = sync_records(client, records)
            assert {r["status"] for r in sent.json["results"]} == {"stored"}
            auth.logout()

    def counts() -> dict[str, int]:
        auth.login(staff)
        pages = _counts(app, client, ["/field/report", "/field/report.csv", "/field/team"])
        auth.logout()
        with app.app_context(), count_queries(db.engine) as counter:
            assert client.get("/api/v1/summary", headers=bearer(plaintext)).status_code == 200
        return pages | {"api": counter.count}

    send(2, phones=True)
    send(1, phones=True)  # the same phones again: proposed matches
    counts()  # the token's first use is recorded once
    small = counts()
    send(15, phones=True)
    send(15, phones=True)
    assert counts() == small
    summary = client.get("/api/v1/summary", headers=bearer(plaintext)).json
    assert summary["field_households"]["households"] == 3 * (2 + 1 + 15 + 15)
    assert summary["field_households"]["helpers"] == 3
    # The second batch of 15 repeats every phone; the first repeats the two of the first send.
    assert summary["field_households"]["proposed_matches"] == 3 * (1 + 2 + 15)
