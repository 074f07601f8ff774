"""E-commerce onboarding: start a listing path, tick steps, give evidence, have it verified."""

import os

import pytest
import sqlalchemy as sa
from markupsafe import escape

from portal.auth.models import Role
from portal.businesses.models import Business, BusinessKind, Sector
from portal.devtools.querycount import count_queries
from portal.extensions import db
from portal.onboarding import queries
from portal.onboarding.models import Evidence, EvidenceStatus
from portal.training.recommendations import listing_path_recommendations
from tests.conftest import HA_NOI
from tests.factories import listing_evidence, start_path, upload_evidence

EN = {"Accept-Language": "en"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    before = app.config.get("UPLOAD_FOLDER")
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    yield tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = before


@pytest.fixture
def owner(make_user):
    return make_user()


@pytest.fixture
def business(make_business, owner):
    return make_business(owner=owner, kind=BusinessKind.HOUSEHOLD, sector=Sector.AGRICULTURE)


def test_owner_starts_a_path_ticks_steps_and_sees_what_is_left(client, auth, owner, business):
    auth.login(owner)
    page = client.get(f"/onboarding/businesses/{business.id}", headers=EN).get_data(as_text=True)
    assert "Postmart (Vietnam Post)" in page and "Tiki" not in page  # not for households
    onboarding_id = start_path(client, business)
    assert start_path(client, business) == onboarding_id  # starting again opens the same path
    client.post(f"/onboarding/{onboarding_id}/steps", data={"step": "account", "done": "1"})
    page = client.get(f"/onboarding/{onboarding_id}", headers=EN).get_data(as_text=True)
    assert "1 of 3 steps done" in page
    assert "Add the account that receives payments" in page
    # Documents depend on the sector: a farm needs its food-safety certificate.
    assert "Food-safety certificate of the premises" in page
    client.post(f"/onboarding/{onboarding_id}/steps", data={"step": "account", "done": "0"})
    page = client.get(f"/onboarding/{onboarding_id}").get_data(as_text=True)
    assert "0 of 3" in page or "0/3" in page or "Mở gian hàng trên Postmart" in page
    assert (
        client.post(
            f"/onboarding/{onboarding_id}/steps", data={"step": "nope", "done": "1"}
        ).status_code
        == 404
    )


def test_a_path_not_offered_to_the_business_is_refused(client, auth, owner, business):
    auth.login(owner)
    response = client.post(
        f"/onboarding/businesses/{business.id}/start", data={"path": "tiki"}, headers=EN
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "not offered to this kind of business" in page


def test_owner_attaches_a_link_and_a_file(app, client, auth, owner, business, uploads):
    auth.login(owner)
    onboarding_id = start_path(client, business)
    response = client.post(
        f"/onboarding/{onboarding_id}/evidence",
        data={"step": "products", "url": "https://postmart.vn/shop/ho-mat-ong"},
    )
    assert response.status_code == 302
    assert upload_evidence(client, onboarding_id, PNG, step="products").status_code == 302
    with app.app_context():
        rows = db.session.scalars(sa.select(Evidence).order_by(Evidence.id)).all()
        assert [(e.kind.value, e.status) for e in rows] == [
            ("url", EvidenceStatus.PENDING),
            ("file", EvidenceStatus.PENDING),
        ]
        stored = rows[1]
        assert stored.content_type == "image/png" and stored.file_name == "photo.png"
        path = os.path.join(str(uploads), stored.file_path)
        assert os.path.isfile(path) and "static" not in path
        file_url = f"/onboarding/evidence/{stored.id}/file"
    with client.get(file_url) as download:
        assert download.status_code == 200 and download.data == PNG
        assert download.mimetype == "image/png"
    page = client.get(f"/onboarding/{onboarding_id}", headers=EN).get_data(as_text=True)
    assert page.count("Waiting for verification") == 2


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<html><script>alert(1)</script>", "photo.png", "Upload a PNG, JPEG or WebP image"),
        (b"MZ\x90\x00 not a picture", "shop.pdf", "Upload a PNG, JPEG or WebP image"),
        (b"", "empty.png", "The file is empty."),
        (PNG + b"0" * (5 * 2**20), "huge.png", "The file is too large: at most 5 MB."),
    ],
)
def test_a_wrong_or_too_large_file_returns_the_form_with_a_message(
    app, client, auth, owner, business, content, name, message
):
    auth.login(owner)
    onboarding_id = start_path(client, business)
    response = upload_evidence(client, onboarding_id, content, name=name, note="Ảnh gian hàng")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "Ảnh gian hàng" in page  # the note is kept
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Evidence.id))) == 0


def test_a_request_far_over_the_limit_is_answered_with_the_form_not_a_413(
    client, auth, owner, business
):
    auth.login(owner)
    onboarding_id = start_path(client, business)
    response = upload_evidence(client, onboarding_id, PNG + b"0" * (6 * 2**20))
    assert response.status_code == 400
    assert "The file is too large: at most 5 MB." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "postmart.vn/shop"}, "Enter a full link starting with https://"),
        ({"url": "javascript:alert(1)"}, "Enter a full link starting with https://"),
        ({}, "Give a link to your listing or upload a file."),
        ({"step": "nope", "url": "https://voso.vn/x"}, "Choose a step."),
    ],
)
def test_a_bad_link_returns_the_form_with_a_message(client, auth, owner, business, data, message):
    auth.login(owner)
    onboarding_id = start_path(client, business)
    response = client.post(f"/onboarding/{onboarding_id}/evidence", data=data, headers=EN)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_trainer_verifies_and_rejects_with_a_reason_and_the_owner_sees_it(
    app, client, auth, make_user, owner, business
):
    auth.login(owner)
    onboarding_id = start_path(client, business)
    client.post(f"/onboarding/{onboarding_id}/evidence", data={"url": "https://voso.vn/a"})
    upload_evidence(client, onboarding_id, PDF, name="giay-phep.pdf")
    with app.app_context():
        link, pdf = db.session.scalars(sa.select(Evidence.id).order_by(Evidence.id)).all()
    auth.logout()

    trainer = make_user(role=Role.TRAINER, name="Cô Lan")
    auth.login(trainer)
    queue = client.get("/onboarding/review", headers=EN).get_data(as_text=True)
    assert business.name in queue and "giay-phep.pdf" in queue
    with client.get(f"/onboarding/evidence/{pdf}/file") as download:
        assert download.data == PDF
    refused = client.post(f"/onboarding/evidence/{pdf}/review", data={"decision": "reject"})
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(Evidence, pdf).status == EvidenceStatus.PENDING
    client.post(f"/onboarding/evidence/{link}/review", data={"decision": "verify"})
    client.post(
        f"/onboarding/evidence/{pdf}/review",
        data={"decision": "reject", "reason": "Ảnh mờ, không đọc được số giấy phép"},
    )
    with app.app_context():
        verified = db.session.get(Evidence, link)
        assert verified.status == EvidenceStatus.VERIFIED
        assert verified.verified_by_id == trainer.id and verified.verified_at is not None
    auth.logout()

    auth.login(owner)
    page = client.get(f"/onboarding/{onboarding_id}", headers=EN).get_data(as_text=True)
    assert "Verified" in page and "Rejected" in page
    assert "Ảnh mờ, không đọc được số giấy phép" in page and "Cô Lan" in page
    # Owners cannot verify their own evidence.
    assert client.post(f"/onboarding/evidence/{pdf}/review", data={}).status_code == 403


def test_other_owners_and_provinces_cannot_reach_paths_or_files(
    app, client, auth, make_user, make_business, owner, business
):
    auth.login(owner)
    onboarding_id = start_path(client, business)
    upload_evidence(client, onboarding_id, PNG)
    with app.app_context():
        evidence_id = db.session.scalar(sa.select(Evidence.id))
    auth.logout()
    urls = [
        f"/onboarding/{onboarding_id}",
        f"/onboarding/evidence/{evidence_id}/file",
        f"/onboarding/businesses/{business.id}",
    ]
    auth.login(make_user())
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/onboarding/{onboarding_id}/evidence", data={}).status_code == 404
    auth.logout()
    auth.login(make_user(role=Role.TRAINER, province_code=HA_NOI))
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            f"/onboarding/evidence/{evidence_id}/review", data={"decision": "verify"}
        ).status_code
        == 404
    )
    assert business.name not in client.get("/onboarding/review").get_data(as_text=True)


def test_verified_channel_helpers_count_only_verified_evidence_in_one_query(app, make_business):
    seller = make_business()
    payer = make_business()
    pending = make_business()
    rejected = make_business()
    nothing = make_business()
    listing_evidence(app, seller, "shopee", "sales", EvidenceStatus.VERIFIED)
    listing_evidence(app, seller, "voso", "sales", EvidenceStatus.VERIFIED)
    listing_evidence(app, payer, "digital_payment", "payment", EvidenceStatus.VERIFIED)
    listing_evidence(app, pending, "postmart", "sales", EvidenceStatus.PENDING)
    listing_evidence(app, rejected, "postmart", "sales", EvidenceStatus.REJECTED)
    ids = [b.id for b in (seller, payer, pending, rejected, nothing)]
    with app.app_context():
        with count_queries(db.engine) as counter:
            assert queries.has_verified_channel(ids) == {seller.id, payer.id}
        assert counter.count == 1
        assert queries.has_verified_sales_channel(ids) == {seller.id}
        assert queries.has_verified_payment(ids) == {payer.id}
        assert queries.verified_channels(ids) == {seller.id: {"sales"}, payer.id: {"payment"}}
        assert queries.has_verified_channel([]) == set()


def test_assessment_recommends_paths_suited_to_the_business_kind(app, make_business):
    household = make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.AGRICULTURE)
    enterprise = make_business(kind=BusinessKind.ENTERPRISE, sector=Sector.TRANSPORT_LOGISTICS)
    with app.test_request_context(headers=EN):
        recs = listing_path_recommendations(
            db.session.get(Business, household.id), {"online_sales": 30, "payments": 80}
        )
        assert [r.target for r in recs] == ["postmart", "voso", "ocop_marketplace"]
        assert recs[0].reason == "Your score for “Selling online” is 30/100."
        assert recs[0].path.name.get("vi") == "Postmart (Bưu điện Việt Nam)"
        recs = listing_path_recommendations(
            db.session.get(Business, enterprise.id), {"online_sales": 20, "strategy": 90}
        )
        assert [r.target for r in recs] == ["provincial_trade_portal", "own_website"]
        assert (
            listing_path_recommendations(
                db.session.get(Business, enterprise.id), {"online_sales": 90, "strategy": 90}
            )
            == []
        )


def test_paths_page_puts_the_assessment_recommendations_first_with_the_reason(
    app, client, auth, owner, business
):
    from portal.assess.questionnaires import choose
    from tests.factories import any_answers, submitted_assessment

    auth.login(owner)
    page = client.get(f"/onboarding/businesses/{business.id}", headers=EN)
    assert "Recommended by your latest assessment" not in page.get_data(as_text=True)

    # The first option of every question is the weakest answer.
    with app.app_context():
        questionnaire = choose(db.session.get(Business, business.id)).questionnaire
    submitted_assessment(app, business, answers=any_answers(questionnaire, choice=0))
    with app.test_request_context(headers=EN):
        scores = queries.latest_dimension_scores(business.id)
        expected = listing_path_recommendations(db.session.get(Business, business.id), scores)
    assert expected, "the fixture answers should leave a weak dimension"
    page = client.get(f"/onboarding/businesses/{business.id}", headers=EN).get_data(as_text=True)
    offered = page.split("Paths you can start")[1]
    first = expected[0]
    assert f"Recommended by your latest assessment: {first.reason}" in offered
    # The recommended paths come before the others.
    positions = [offered.index(str(escape(p.path.name.get("en")))) for p in expected]
    others = [
        offered.index(name) for name in ("Your own website", "TikTok Shop") if name in offered
    ]
    assert others and all(p < o for p in positions for o in others)


def test_results_page_recommends_listing_paths_with_the_reason(app, client, auth, owner, business):
    from portal.assess.questionnaires import choose
    from tests.factories import any_answers, submitted_assessment

    with app.app_context():
        questionnaire = choose(db.session.get(Business, business.id)).questionnaire
    assessment_id = submitted_assessment(
        app, business, answers=any_answers(questionnaire, choice=0)
    )
    auth.login(owner)
    page = client.get(f"/assessments/{assessment_id}", headers=EN).get_data(as_text=True)
    section = page.split("Recommended ways to sell online")[1]
    assert "Postmart (Vietnam Post)" in section
    assert "Why: Your score for “Selling online” is" in section
    assert f"/onboarding/businesses/{business.id}" in section
