"""Proposed matches of field households: province staff (and the national administrator)
merge a field record into the household already in the portal, or dismiss the proposal; each
decision once, confirmed, audited and scoped to the province."""

from __future__ import annotations

import sqlalchemy as sa

from portal.assess.models import Assessment, AssessmentScore
from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.claims.models import ClaimCode
from portal.extensions import db
from portal.field.models import DISMISSED, MERGED, FieldAnswer, FieldHousehold
from portal.privacy.models import PrivacyConsent
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import (
    EN,
    FIELD_COMMUNES,
    count_rows,
    field_match,
    field_record,
    sync_records,
)

PHONE = "0912345678"


def _assessed_businesses(app) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Assessment.business_id))).where(
                Assessment.business_id.is_not(None)
            )
        )


def _owner_columns(app, user_id) -> dict:
    with app.app_context():
        user = db.session.get(User, user_id)
        return {c.key: getattr(user, c.key) for c in User.__table__.columns}


def test_staff_merge_a_proposed_match_into_the_household_already_in_the_portal(
    app, client, auth, helper, make_user, make_business
):
    owner = make_user(phone=PHONE)
    existing = make_business(owner=owner, commune_code=FIELD_COMMUNES[0], name="Hộ bà Năm")
    owner_before = _owner_columns(app, owner.id)
    household_id = field_match(app, client, auth, helper, PHONE, FIELD_COMMUNES[0])
    with app.app_context():
        household = db.session.get(FieldHousehold, household_id)
        placeholder_id, assessment_id = household.business_id, household.assessment_id
        placeholder_owner_id = household.business.owner_id
        code = household.claim_code
        answers = dict(db.session.get(Assessment, assessment_id).answers)
        scores = {s.dimension: s.score for s in db.session.get(Assessment, assessment_id).scores}
        field_answers = db.session.scalar(
            sa.select(sa.func.count(FieldAnswer.id)).where(FieldAnswer.household_id == household_id)
        )
    assert household.match_business_id == existing.id
    businesses_before = count_rows(app, Business)
    assessed_before = _assessed_businesses(app)

    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)
    auth.login(staff)
    listing = client.get("/field/matches", headers=EN)
    assert listing.status_code == 200
    assert "Hộ bà Năm" in listing.text and f"/field/matches/{household_id}/merge" in listing.text
    # The dashboard counts the open proposal and links the page.
    dashboard = client.get("/dashboard", headers=EN).text
    assert 'id="field-open-matches"' in dashboard and "/field/matches" in dashboard

    confirm = client.get(f"/field/matches/{household_id}/merge", headers=EN)
    assert confirm.status_code == 200
    assert 'id="confirm-form"' in confirm.text and "Hộ bà Năm" in confirm.text
    assert code in confirm.text  # the slip's code: it will claim the existing business
    assert count_rows(app, Business, Business.id == placeholder_id) == 1  # a page changes nothing

    response = client.post(f"/field/matches/{household_id}/merge", headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/businesses/{existing.id}")

    with app.app_context():
        household = db.session.get(FieldHousehold, household_id)
        assert household.match_decision == MERGED
        assert household.match_decided_by_id == staff.id and household.match_decided_at
        assert household.business_id is None and household.match_business_id == existing.id
        assert household.held_by.id == existing.id
        # Nothing lost: the assessment, its answers and scores, the answers as sent, the
        # consent and the claim code are the existing business's now.
        assessment = db.session.get(Assessment, assessment_id)
        assert assessment.business_id == existing.id
        assert assessment.answers == answers
        assert {s.dimension: s.score for s in assessment.scores} == scores
        assert (
            db.session.scalar(
                sa.select(sa.func.count(FieldAnswer.id)).where(
                    FieldAnswer.household_id == household_id
                )
            )
            == field_answers
        )
        assert household.consent_version and household.consented_at
        assert (
            db.session.scalar(sa.select(ClaimCode.business_id).where(ClaimCode.code == code))
            == existing.id
        )
        # The placeholder is gone; its account is closed but keeps its consent history.
        assert db.session.get(Business, placeholder_id) is None
        placeholder_owner = db.session.get(User, placeholder_owner_id)
        assert not placeholder_owner.active
        assert db.session.scalar(
            sa.select(sa.func.count(PrivacyConsent.id)).where(
                PrivacyConsent.user_id == placeholder_owner_id
            )
        )
        # The reports count the household once.
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Business.id)).where(
                    Business.commune_code == FIELD_COMMUNES[0],
                    Business.owner_id.in_(sa.select(User.id).where(User.phone == PHONE)),
                )
            )
            == 1
        )
        assert db.session.scalar(
            sa.select(sa.func.count(AssessmentScore.id)).where(
                AssessmentScore.assessment_id == assessment_id
            )
        ) == len(scores)
        audit = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "field_household.merge")
        ).all()
        assert {(e.user_id, e.record_id, e.province_code) for e in audit} == {
            (staff.id, household_id, QUANG_NINH)
        }
    assert count_rows(app, Business) == businesses_before - 1
    assert _assessed_businesses(app) == assessed_before  # the same household, counted once
    assert _owner_columns(app, owner.id) == owner_before  # the owner's account is untouched
    # The slip still opens (it now names the business the record belongs to).
    assert client.get(f"/field/households/{household_id}/slip").status_code == 200
    # Decided: no longer listed; a second merge changes nothing and says why.
    assert f"/field/matches/{household_id}/merge" not in client.get("/field/matches").text
    again = client.post(f"/field/matches/{household_id}/merge", headers=EN, follow_redirects=True)
    assert "already been merged or dismissed" in again.text
    assert count_rows(app, Assessment, Assessment.business_id == existing.id) == 1


def test_staff_dismiss_a_proposal_and_both_households_stay(
    app, client, auth, helper, make_user, make_business
):
    existing = make_business(owner=make_user(phone=PHONE), commune_code=FIELD_COMMUNES[0])
    household_id = field_match(app, client, auth, helper, PHONE, FIELD_COMMUNES[0])
    with app.app_context():
        placeholder_id = db.session.get(FieldHousehold, household_id).business_id
    admin = make_user(role=Role.ADMIN)
    auth.login(admin)
    confirm = client.get(f"/field/matches/{household_id}/dismiss", headers=EN)
    assert confirm.status_code == 200 and "Both households stay" in confirm.text
    assert client.post(f"/field/matches/{household_id}/dismiss").status_code == 302
    with app.app_context():
        household = db.session.get(FieldHousehold, household_id)
        assert household.match_decision == DISMISSED
        assert household.match_decided_by_id == admin.id and household.match_decided_at
        assert household.business_id == placeholder_id
        assert household.match_business_id == existing.id
        assert db.session.get(Business, placeholder_id) is not None
        assert db.session.get(Business, existing.id) is not None
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "field_household.dismiss", AuditEvent.user_id == admin.id
                )
            )
            == 2
        )  # the confirmation page and the decision
    assert "No proposed matches" in client.get("/field/matches", headers=EN).text
    merge = client.post(f"/field/matches/{household_id}/merge", headers=EN, follow_redirects=True)
    assert "already been merged or dismissed" in merge.text
    assert count_rows(app, Business, Business.id == placeholder_id) == 1


def test_a_field_record_merges_into_an_earlier_field_record_of_the_same_household(
    app, client, auth, helper, make_user
):
    auth.login(helper)
    first = field_record(app, phone=PHONE, name="Hộ ông Tư")
    second = field_record(app, phone=PHONE, name="Hộ ông Tư (lần 2)")
    third = field_record(app, phone=PHONE, name="Hộ ông Tư (lần 3)")
    sync_records(client, [first])
    sync_records(client, [second])
    auth.logout()
    with app.app_context():
        one, two = (
            db.session.scalar(sa.select(FieldHousehold).where(FieldHousehold.client_id == r["id"]))
            for r in (first, second)
        )
        assert two.match_business_id == one.business_id
        kept_code = db.session.scalar(
            sa.select(ClaimCode.code).where(ClaimCode.business_id == one.business_id)
        )
        target, two_id, gone = one.business_id, two.id, two.claim_code
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    page = client.get(f"/field/matches/{two_id}/merge", headers=EN)
    assert "stops working" in page.text
    assert client.post(f"/field/matches/{two_id}/merge").status_code == 302
    auth.logout()
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Assessment.id)).where(Assessment.business_id == target)
            )
            == 2
        )
        codes = db.session.scalars(
            sa.select(ClaimCode.code).where(ClaimCode.business_id == target)
        ).all()
        assert codes == [kept_code]
        assert db.session.scalar(sa.select(ClaimCode).where(ClaimCode.code == gone)) is None
    # A third record with the phone is proposed as the household, which is now one business.
    auth.login(helper)
    sync_records(client, [third])
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(FieldHousehold.match_business_id).where(
                    FieldHousehold.client_id == third["id"]
                )
            )
            == target
        )


def test_a_claimed_field_record_is_not_merged(app, client, auth, helper, make_user, make_business):
    make_business(owner=make_user(phone=PHONE), commune_code=FIELD_COMMUNES[0])
    household_id = field_match(app, client, auth, helper, PHONE, FIELD_COMMUNES[0])
    claimant = make_user()
    with app.app_context():
        business = db.session.get(FieldHousehold, household_id).business
        business.owner_id = claimant.id  # as a claim leaves it
        db.session.commit()
        placeholder_id = business.id
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    response = client.post(f"/field/matches/{household_id}/merge", follow_redirects=True,
                           headers=EN)  # fmt: skip
    assert "already claimed" in response.text
    with app.app_context():
        assert db.session.get(Business, placeholder_id) is not None
        assert db.session.get(FieldHousehold, household_id).match_decision is None


def test_only_the_provinces_staff_and_the_administrator_decide(
    app, client, auth, helper, make_user, make_business
):
    make_business(owner=make_user(phone=PHONE), commune_code=FIELD_COMMUNES[0])
    household_id = field_match(app, client, auth, helper, PHONE, FIELD_COMMUNES[0])
    urls = [f"/field/matches/{household_id}/merge", f"/field/matches/{household_id}/dismiss"]
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    assert "/merge" not in client.get("/field/matches").text
    for url in urls:
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    auth.logout()
    for user in (
        helper,
        make_user(role=Role.TRAINER, province_code=QUANG_NINH),
        make_user(),
    ):
        auth.login(user)
        assert client.get("/field/matches").status_code == 403
        for url in urls:
            assert client.post(url).status_code == 403
        auth.logout()
    with app.app_context():
        assert db.session.get(FieldHousehold, household_id).match_open


def test_a_decision_needs_the_csrf_token(app, client, auth, helper, make_user, make_business,
                                         monkeypatch):  # fmt: skip
    make_business(owner=make_user(phone=PHONE), commune_code=FIELD_COMMUNES[0])
    household_id = field_match(app, client, auth, helper, PHONE, FIELD_COMMUNES[0])
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for action in ("merge", "dismiss"):
        assert client.post(f"/field/matches/{household_id}/{action}").status_code == 400
    with app.app_context():
        assert db.session.get(FieldHousehold, household_id).match_open


def test_the_staff_dashboard_shows_the_field_work(app, client, auth, helper, make_user):
    auth.login(helper)
    sync_records(
        client,
        [field_record(app, commune=FIELD_COMMUNES[1]) for _ in range(3)] + [field_record(app)],
    )
    auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    page = client.get("/dashboard", headers=EN).text
    assert 'id="field-summary"' in page
    assert 'data-this-week="4"' in page and 'data-four-weeks="4"' in page
    from portal import geo

    assert page.index(geo.commune_name(FIELD_COMMUNES[1])) < page.index(
        geo.commune_name(FIELD_COMMUNES[0])
    )
    auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    assert 'data-four-weeks="4"' not in client.get("/dashboard", headers=EN).text


def test_the_matches_page_query_count_does_not_grow_with_proposals(
    app, client, auth, helper, make_user, make_business
):
    from portal.devtools.querycount import count_queries

    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)

    def propose(n: int) -> None:
        phone = f"09770{n:05d}"
        make_business(owner=make_user(phone=phone), commune_code=FIELD_COMMUNES[0])
        field_match(app, client, auth, helper, phone, FIELD_COMMUNES[0])

    def measure() -> int:
        auth.login(staff)
        with app.app_context(), count_queries(db.engine) as counter:
            assert client.get("/field/matches").status_code == 200
        auth.logout()
        return counter.count

    propose(0)
    one = measure()
    for n in range(1, 6):
        propose(n)
    assert measure() == one


def _aggregates() -> dict:
    """Every non-empty report aggregate row, by table and key (totals rounded)."""
    from portal.reports.aggregates import TABLES

    found = {}
    for model in TABLES:
        table = model.__table__
        keys = [c for c in table.c if c.name not in ("n", "total")]
        found[table.name] = {
            tuple(str(v) for v in row[:-2]): (row[-2], round(row[-1], 6))
            for row in db.session.execute(sa.select(*keys, table.c.n, table.c.total))
            if row[-2] or abs(row[-1]) > 1e-9
        }
    return found


def test_after_a_merge_the_report_aggregates_count_the_household_once(
    app, client, auth, helper, make_user, make_business
):
    from portal.reports import aggregates

    existing = make_business(owner=make_user(phone=PHONE), commune_code=FIELD_COMMUNES[0])
    household_id = field_match(app, client, auth, helper, PHONE, FIELD_COMMUNES[0])
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    assert client.post(f"/field/matches/{household_id}/merge").status_code == 302
    with app.app_context():
        kept = _aggregates()
        db.session.rollback()
        aggregates.rebuild()
        assert _aggregates() == kept  # what the merge left equals a rebuild from the rows
        db.session.rollback()
        contributors = {key[0] for key in kept["report_contributions"]}
        assert str(existing.id) in contributors and len(contributors) == 1
