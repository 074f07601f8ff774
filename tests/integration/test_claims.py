"""Claiming: one claim code per business (issued by the portal or made by the field app), and
a person taking over a business recorded for them with the code and a check."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.assess.models import Assessment, AssessmentStatus
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.claims import codes
from portal.claims.models import ClaimCode
from portal.claims.operations import ClaimError, claim, find_code, issue_code
from portal.extensions import db
from portal.field.models import FieldHousehold
from tests.conftest import PASSWORD, all_at_once
from tests.factories import FIELD_COMMUNES, field_record, sync_records

EN = {"Accept-Language": "en"}


def _issue(app, business_id, **kwargs) -> str:
    with app.app_context():
        code = issue_code(db.session.get(Business, business_id), **kwargs).code
        db.session.commit()
        return code


def test_issue_code_gives_one_code_per_business_however_often_called(app, make_business):
    business = make_business()
    first = _issue(app, business.id)
    assert _issue(app, business.id) == first
    assert len(first) == codes.LENGTH and not set(first) - set(codes.ALPHABET)
    other = _issue(app, make_business().id)
    assert other != first
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClaimCode)) == 2
        row = find_code(codes.grouped(first).lower())
        assert row.business_id == business.id and not row.is_claimed


def test_a_given_code_that_is_taken_is_replaced_by_a_fresh_one(app, make_business):
    taken = _issue(app, make_business().id, code="ABCDEFGHJK")
    again = _issue(app, make_business().id, code="ABCDEFGHJK")
    assert taken == "ABCDEFGHJK" and again != taken and len(again) == codes.LENGTH


def test_codes_typed_by_people_are_normalised():
    assert codes.normalize(" abcd-efgh ") == "ABCDEFGH"
    assert codes.normalize("abcde fghjk") == "ABCDEFGHJK"
    assert codes.normalize("ABCD-EFG") is None
    assert codes.normalize("ABCD-EFG0") is None  # 0 is not in the alphabet
    assert codes.normalize("") is None


def test_a_synced_field_household_has_the_phones_code_as_its_claim_code(app, client, auth, helper):
    auth.login(helper)
    sent = field_record(app, phone="0912345678")
    sent["claim_code"] = "ABCDEFGHJK"
    assert sync_records(client, [sent]).json["results"][0]["claim_code"] == "ABCDEFGHJK"
    sync_records(client, [sent])
    with app.app_context():
        household = db.session.scalar(sa.select(FieldHousehold))
        row = db.session.scalar(sa.select(ClaimCode))
        assert row.code == "ABCDEFGHJK" and row.business_id == household.business_id
        assert row.check_phone == "0912345678"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClaimCode)) == 1


@pytest.mark.postgres_only
def test_simultaneous_issues_for_one_business_make_one_code(app, make_business):
    business = make_business()

    def issue():
        with app.app_context():
            code = issue_code(db.session.get(Business, business.id)).code
            db.session.commit()
            return code

    results = all_at_once([issue] * 4)
    assert len(set(results)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClaimCode)) == 1


# ------------------------------------------------------------------------------- the flow


def _field_household(app, client, auth, helper, phone=None):
    """Sync one household as ``helper`` and sign out; return (code, business id, commune)."""
    auth.login(helper)
    sent = field_record(app, phone=phone)
    result = sync_records(client, [sent]).json["results"][0]
    auth.logout()
    with app.app_context():
        household = db.session.scalar(
            sa.select(FieldHousehold).where(FieldHousehold.client_id == sent["id"])
        )
        return result["claim_code"], household.business_id, household.commune_code


def _owner_of(app, business_id):
    with app.app_context():
        business = db.session.get(Business, business_id)
        return business.owner_id, business.owner.active


def test_a_household_claims_its_record_with_the_phone_and_a_new_account(app, client, auth, helper):
    code, business_id, _commune = _field_household(app, client, auth, helper, "0912345678")
    placeholder, _active = _owner_of(app, business_id)
    page = client.get(f"/claim/{code}", headers=EN)
    assert page.status_code == 200
    assert "phone number the household gave" in page.text
    wrong = client.post("/claim", data={"code": code, "answer": "1", "phone": "0900000000"},
                        headers=EN)  # fmt: skip
    assert wrong.status_code == 422 and "does not match the record" in wrong.text
    right = client.post("/claim", data={"code": code, "answer": "1", "phone": "091 234 5678"})
    assert right.status_code == 302 and right.headers["Location"] == "/claim/confirm"
    confirm = client.get("/claim/confirm", headers=EN)
    assert "Hộ ông Nguyễn Văn A" in confirm.text and "Create an account" in confirm.text
    made = client.post(
        "/claim/account",
        data={
            "name": "Nguyễn Văn A",
            "phone": "0987654321",
            "password": "mùa lúa chín vàng óng",
            "confirm": "mùa lúa chín vàng óng",
            "consent": "y",
        },
        headers=EN,  # the new account's language: its pages are in English from now on
    )
    assert made.status_code == 302 and made.headers["Location"] == "/claim/confirm"
    assert "Add it to my account" in client.get("/claim/confirm", headers=EN).text
    done = client.post("/claim/confirm")
    assert done.headers["Location"] == f"/businesses/{business_id}"
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.phone == "0987654321"))
        business = db.session.get(Business, business_id)
        assert business.owner_id == user.id
        assessments = db.session.scalars(
            sa.select(Assessment).where(Assessment.business_id == business_id)
        ).all()
        assert len(assessments) == 1 and assessments[0].status == AssessmentStatus.SUBMITTED
        assert not db.session.get(User, placeholder).active
        row = db.session.scalar(sa.select(ClaimCode).where(ClaimCode.code == code))
        assert row.claimed_by_user_id == user.id and row.unclaimed_owner_id == placeholder
        assert row.claimed_at is not None
    assert client.get(f"/businesses/{business_id}").status_code == 200
    # Claiming again: a clear message, nothing changes.
    again = client.get(f"/claim/{code}", headers=EN)
    assert again.status_code == 200 and "already been used" in again.text


def test_without_a_phone_the_commune_is_asked_and_an_owner_signs_in(
    app, client, auth, helper, make_user
):
    code, business_id, commune = _field_household(app, client, auth, helper)
    page = client.get(f"/claim/{code}", headers=EN)
    assert "choose the commune or ward" in page.text
    other = next(c for c in FIELD_COMMUNES if c != commune)
    wrong = client.post("/claim", data={"code": code, "answer": "1", "commune": str(other)},
                        headers=EN)  # fmt: skip
    assert wrong.status_code == 422 and "does not match the record" in wrong.text
    grouped = codes.grouped(code).lower()
    client.post("/claim", data={"code": grouped, "answer": "1", "commune": str(commune)})
    owner = make_user()
    signin = client.get("/claim/confirm")
    assert "/auth/login?next=/claim/confirm" in signin.text.replace("%2F", "/")
    assert (
        client.post(
            "/auth/login?next=/claim/confirm", data={"login": owner.login, "password": PASSWORD}
        ).headers["Location"]
        == "/claim/confirm"
    )
    client.post("/claim/confirm")
    assert _owner_of(app, business_id) == (owner.id, True)


def test_wrong_or_used_codes_and_other_roles_get_messages_never_an_error(
    app, client, auth, helper, make_user
):
    unknown = client.post("/claim", data={"code": "ZZZZ-ZZZZ"}, headers=EN)
    assert unknown.status_code == 422 and "not known" in unknown.text
    nonsense = client.get("/claim/%3Cscript%3E", headers=EN)
    assert nonsense.status_code == 200 and "not known" in nonsense.text
    empty = client.post("/claim", data={"code": ""}, headers=EN)
    assert empty.status_code == 200 and "Type the code" in empty.text
    # Confirming without a checked code.
    auth.login(make_user())
    nothing = client.post("/claim/confirm", headers=EN)
    assert nothing.headers["Location"] == "/claim"
    auth.logout()
    code, business_id, _commune = _field_household(app, client, auth, helper, "0912345678")
    client.post("/claim", data={"code": code, "answer": "1", "phone": "0912345678"})
    staff = make_user(role=Role.STAFF)
    auth.login(staff)
    page = client.get("/claim/confirm", headers=EN)
    assert "Only a personal account" in page.text
    assert client.post("/claim/confirm").status_code == 403
    auth.logout()
    first, second = make_user(), make_user()
    auth.login(first)
    client.post("/claim", data={"code": code, "answer": "1", "phone": "0912345678"})
    client.post("/claim/confirm")
    again = client.post("/claim", data={"code": code, "answer": "1", "phone": "0912345678"},
                        headers=EN)  # fmt: skip
    assert "already been used" in again.text
    auth.logout()
    auth.login(second)
    other = client.post("/claim", data={"code": code}, headers=EN)
    assert "already been used" in other.text
    assert _owner_of(app, business_id)[0] == first.id


def test_checks_of_one_code_are_rate_limited(app, client, auth, helper, monkeypatch):
    code, _business_id, _commune = _field_household(app, client, auth, helper, "0912345678")
    # The production limit (the suite's is 1,000 a minute, which a loaded machine can outlast).
    monkeypatch.setitem(app.config, "ACCOUNT_RATE_LIMIT", "10 per 15 minutes")
    limit = 10
    statuses = [
        client.post("/claim", data={"code": code, "answer": "1", "phone": "0900000000"}).status_code
        for _ in range(limit + 1)
    ]
    assert statuses[:limit] == [422] * limit and statuses[-1] == 429


@pytest.mark.postgres_only
def test_two_people_claiming_one_code_at_once_exactly_one_wins(
    app, client, auth, helper, make_user
):
    code, business_id, _commune = _field_household(app, client, auth, helper, "0912345678")
    people = [make_user() for _ in range(4)]

    def attempt(person):
        def run():
            with app.app_context():
                try:
                    claim(code, db.session.get(User, person.id))
                except ClaimError as error:
                    db.session.rollback()
                    return error.code
                db.session.commit()
                return "won"

        return run

    results = all_at_once([attempt(p) for p in people])
    assert sorted(results) == ["used", "used", "used", "won"]
    winner = people[results.index("won")]
    assert _owner_of(app, business_id)[0] == winner.id
