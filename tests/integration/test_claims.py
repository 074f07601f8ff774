"""Claiming: one claim code per business (issued by the portal or made by the field app), and
a person taking over a business recorded for them with the code and a check."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.businesses.models import Business
from portal.claims import codes
from portal.claims.models import ClaimCode
from portal.claims.operations import find_code, issue_code
from portal.extensions import db
from portal.field.models import FieldHousehold
from tests.conftest import all_at_once
from tests.integration.test_field import _sync, helper, record  # noqa: F401  (fixture)

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


def test_a_synced_field_household_has_the_phones_code_as_its_claim_code(
    app, client, auth, helper  # noqa: F811
):
    auth.login(helper)
    sent = record(app, phone="0912345678")
    sent["claim_code"] = "ABCDEFGHJK"
    assert _sync(client, [sent]).json["results"][0]["claim_code"] == "ABCDEFGHJK"
    _sync(client, [sent])
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
