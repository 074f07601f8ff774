"""What a household or business owner sees: results that lead to action, classes near home,
a held seat that says it is not paid yet, the menu, and a registration that asks only what fits."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import formatting
from portal.assess.questionnaires import minutes_to_answer, registry
from portal.auth.models import Role, User
from portal.billing.models import Payment
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.clock import utcnow
from portal.devtools.querycount import count_queries
from portal.extensions import db
from portal.training import operations
from portal.training.models import Cohort, CourseFormat
from portal.training.recommendations import (
    IN_PROVINCE,
    ONLINE,
    SAME_COMMUNE,
    listing_path_recommendations,
    recommended_courses,
)
from tests.conftest import QUANG_NINH
from tests.factories import (
    EN,
    HOANH_MO,
    HOUSEHOLD_ANSWERS,
    move_class,
    new_training,
    owner_with_held_seat,
    payment_of,
    registration,
    submitted_assessment,
)

CO_TO = 7192

#: A household that pays cash only and does not sell online: payments and online sales score 0.
WEAK_ANSWERS = {
    k: v for k, v in HOUSEHOLD_ANSWERS.items() if k not in ("sell_where", "monthly_orders")
} | {"bank_app": "no", "receive_payments": ["cash_only"], "pay_online": "no", "sell_online": "no"}


def first_session(app, cohort_id):
    with app.app_context():
        return db.session.get(Cohort, cohort_id).sessions[0].starts_at


def three_classes(app, trainer):
    """A class for the weakest part on Cô Tô island, one online and one in Xã Hoành Mô."""
    far = new_training(
        app,
        trainer,
        title_en="VietQR on the island",
        topic="digital_payments",
        dimensions=["payments"],
        audience="household",
    )
    move_class(app, far.cohort_id, CO_TO, venue="Nhà văn hoá đặc khu Cô Tô")
    online = new_training(
        app, trainer, title_en="Marketplaces online", topic="ecommerce", format=CourseFormat.ONLINE
    )
    move_class(app, online.cohort_id, None, online_link="https://meet.example.vn/ocop")
    near = new_training(
        app,
        trainer,
        title_en="Sell on Zalo in Hoành Mô",
        topic="social_selling",
        dimensions=["online_sales"],
        audience="household",
    )
    move_class(app, near.cohort_id, HOANH_MO, venue="Nhà văn hoá thôn Đồng Mô")
    return far, online, near


def household_in_hoanh_mo(make_user, make_business):
    owner = make_user(name="Hoàng Thị Lan")
    business = make_business(
        owner=owner,
        kind=BusinessKind.HOUSEHOLD,
        size=BusinessSize.FAMILY,
        sector=Sector.AGRICULTURE,
        commune_code=HOANH_MO,
        name="Hộ Hoàng Thị Lan",
    )
    return owner, business


# ------------------------------------------------------------------------- results page


def test_results_page_shows_level_and_next_steps_first_then_folded_details(
    app, client, auth, make_user, make_business, trainer
):
    far, online, near = three_classes(app, trainer)
    owner, business = household_in_hoanh_mo(make_user, make_business)
    assessment_id = submitted_assessment(app, business, answers=WEAK_ANSWERS)
    auth.login(owner)
    page = client.get(f"/assessments/{assessment_id}", headers=EN).get_data(as_text=True)

    level = page.index("Level 3 of 5: Developing")
    meaning = page.index("Digital tools are part of your everyday work")
    next_steps = page.index("What to do next")
    details = page.index('<details class="result-details">')
    assert level < meaning < next_steps < details
    # Scores, the comparison and the full lists are inside the folded part, closed by default.
    for folded in ("Your scores and what to do next", "How you compare", "Recommended courses"):
        assert page.index(folded) > details
    assert '<details class="result-details" open' not in page

    # Next steps: the class in the owner's own commune first, with where and when, then the
    # online one; a listing path ends the list. The island class is not among the first two.
    steps = page[next_steps:details]
    assert steps.index("Sell on Zalo in Hoành Mô") < steps.index("Marketplaces online")
    assert "VietQR on the island" not in steps
    assert "In your commune" in steps and "Nhà văn hoá thôn Đồng Mô, Xã Hoành Mô" in steps
    when = formatting.format_datetime(first_session(app, near.cohort_id), "en")
    assert "Next session: <time" in steps and when in steps
    assert "Start selling on Postmart" in steps
    assert f"/businesses/{business.id}" in steps

    # Plain words instead of statistics, on the page and in the PDF that shares them.
    assert "median" not in page.lower() and "quarter" not in page.lower()


def test_benchmark_is_told_in_plain_words(app, client, auth, make_user, make_business):
    owner = make_user()
    mine = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD, sector=Sector.TRADE)
    mine_id = submitted_assessment(app, mine)  # strong answers
    for _ in range(9):
        peer = make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.TRADE)
        submitted_assessment(app, peer, answers=WEAK_ANSWERS)
    auth.login(owner)
    page = client.get(f"/assessments/{mine_id}", headers=EN).get_data(as_text=True)
    assert "Your score is among the top 25% of similar businesses." in page
    assert "Among the top 25% of similar businesses" in page
    assert "Middle score (middle half)" in page


def test_without_an_open_class_the_next_steps_still_lead_somewhere(
    app, client, auth, make_user, make_business
):
    owner, business = household_in_hoanh_mo(make_user, make_business)
    assessment_id = submitted_assessment(app, business, answers=WEAK_ANSWERS)
    auth.login(owner)
    page = client.get(f"/assessments/{assessment_id}", headers=EN).get_data(as_text=True)
    steps = page[page.index("What to do next") : page.index("<details")]
    assert "Find a course" in steps and 'href="/training/"' in steps


# -------------------------------------------------------------------- courses near you


def test_classes_are_ranked_commune_then_online_then_province(
    app, make_user, make_business, trainer
):
    far, online, near = three_classes(app, trainer)
    _owner, business = household_in_hoanh_mo(make_user, make_business)
    scores = {
        "devices": 90,
        "payments": 0,
        "online_sales": 10,
        "product_info": 60,
        "skills_safety": 80,
    }
    with app.test_request_context(headers=EN):
        result = recommended_courses(db.session.get(Business, business.id), scores)
        assert [(r.course.id, r.closeness) for r in result] == [
            (near.course_id, SAME_COMMUNE),
            (online.course_id, ONLINE),
            (far.course_id, IN_PROVINCE),
        ]
        assert result[0].next_session.id == near.session_ids[0]


def test_the_nearest_class_of_a_course_is_the_one_shown(app, make_user, make_business, trainer):
    t = new_training(app, trainer, title_en="Sell on Zalo", topic="social_selling")
    move_class(app, t.cohort_id, CO_TO, venue="Cô Tô")
    # A second class of the same course, later, in the owner's commune.
    with app.app_context():
        cohort = db.session.get(Cohort, t.cohort_id)
        start = cohort.sessions[0].starts_at + timedelta(days=3)
        later = operations.create_cohort(
            cohort.course,
            [(start, 120)],
            trainer_id=trainer.id,
            commune_code=HOANH_MO,
            venue="Nhà văn hoá thôn Đồng Mô",
            online_link="",
            capacity=10,
            enrolment_deadline=cohort.enrolment_deadline,
        )
        db.session.commit()
        later_id = later.id
    _owner, business = household_in_hoanh_mo(make_user, make_business)
    with app.test_request_context(headers=EN):
        [rec] = recommended_courses(db.session.get(Business, business.id), {"online_sales": 10})
        assert rec.cohort.id == later_id and rec.closeness == SAME_COMMUNE


def test_results_page_queries_do_not_grow_with_classes(
    app, client, auth, make_user, make_business, trainer
):
    owner, business = household_in_hoanh_mo(make_user, make_business)
    assessment_id = submitted_assessment(app, business, answers=WEAK_ANSWERS)
    new_training(app, trainer, title_en="One", topic="social_selling")
    auth.login(owner)

    def queries():
        with app.app_context(), count_queries(db.engine) as counter:
            assert client.get(f"/assessments/{assessment_id}", headers=EN).status_code == 200
        return counter.count

    few = queries()
    three_classes(app, trainer)
    new_training(app, trainer, title_en="Two", topic="digital_payments", sessions=6)
    assert queries() == few


# ------------------------------------------------------------------------ held seat


def test_held_seat_says_awaiting_payment_until_when_not_enrolled(
    app, client, auth, make_user, make_business, trainer
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    until = formatting.format_time(payment_of(app, held.enrolment_id).hold_expires_at, "en")
    auth.login(owner)
    for url in ("/training/mine", f"/training/courses/{held.course_id}"):
        page = client.get(url, headers=EN).get_data(as_text=True)
        state = re.search(r'<span class="state state--awaiting">(.*?)</span>', page, re.S)
        assert state, url
        text = " ".join(state.group(1).split())
        assert text.startswith(f"Awaiting payment — place held until {until} (")
        minutes = int(re.search(r"\((\d+) minutes? left\)", text).group(1))
        assert 1 <= minutes <= app.config["PAYMENT_HOLD_MINUTES"]
        assert 'class="state state--enrolled"' not in page


def test_held_seat_past_its_time_says_so(app, client, auth, make_user, make_business, trainer):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    with app.app_context():
        db.session.get(Payment, held.payment_id).hold_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    auth.login(owner)
    page = client.get("/training/mine", headers=EN).get_data(as_text=True)
    assert "Awaiting payment: the place is no longer held" in page


# ----------------------------------------------------------------------------- menu


@pytest.mark.parametrize(
    ("headers", "training", "mine"),
    [(EN, "Training", "My training"), ({"Accept-Language": "vi"}, "Đào tạo", "Khóa học của tôi")],
)
def test_menu_training_opens_the_catalog_with_my_courses_beside_it(
    client, auth, make_user, headers, training, mine
):
    auth.login(make_user())
    page = client.get("/dashboard", headers=headers).get_data(as_text=True)
    nav = page[page.index('id="main-menu"') : page.index("</nav>")]
    assert f'<a href="/training/">{training}</a>' in nav
    assert f'<a href="/training/mine">{mine}</a>' in nav
    assert nav.index(training) < nav.index(mine)


def test_staff_menu_has_no_my_courses(client, auth, make_user):
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    page = client.get("/dashboard", headers=EN).get_data(as_text=True)
    assert '<a href="/training/">Training</a>' in page and "/training/mine" not in page


# --------------------------------------------------------------------- registration


def test_home_and_register_say_create_an_account(client):
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert '<a class="button" href="/auth/register">Create an account</a>' in home
    assert "Register your business" not in home
    home_vi = client.get("/", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert '<a class="button" href="/auth/register">Tạo tài khoản</a>' in home_vi
    assert "Đăng ký doanh nghiệp" not in home_vi
    page = client.get("/auth/register", headers=EN).get_data(as_text=True)
    assert "<h1>Create an account</h1>" in page


def test_password_rule_is_told_next_to_the_field_before_submitting(client):
    page = client.get("/auth/register", headers=EN).get_data(as_text=True)
    field = re.search(r"<input[^>]*\bid=\"password\"[^>]*>", page).group(0)
    assert 'aria-describedby="password-help"' in field
    hint = re.search(r'<p class="help" id="password-help">(.*?)</p>', page, re.S).group(1)
    assert "At least 10 characters" in hint and "123456" in hint
    assert page.index('id="password-help"') < page.index(">Create my account</button>")


def test_household_registers_without_tax_code_and_a_typed_one_is_ignored(client, app):
    response = client.post(
        "/auth/register",
        data=registration(kind="household", tax_code="12345", email="lan@example.vn"),
        headers=EN,
    )
    assert response.status_code == 302
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == "lan@example.vn"))
        business = db.session.scalar(sa.select(Business).where(Business.owner_id == owner.id))
        assert business.kind == BusinessKind.HOUSEHOLD and business.tax_code is None


def test_enterprise_still_must_give_its_tax_code(client):
    response = client.post("/auth/register", data=registration(kind="enterprise"), headers=EN)
    assert response.status_code == 200
    assert "An enterprise or cooperative must give its tax code." in response.get_data(as_text=True)


def test_register_page_hides_tax_code_for_households_with_its_script(client):
    page = client.get("/auth/register", headers=EN).get_data(as_text=True)
    assert "js/register.js" in page
    assert "Households leave this empty." in page


def test_time_to_answer_is_the_same_on_the_home_page_and_in_each_questionnaire(client):
    household, enterprise = minutes_to_answer("household"), minutes_to_answer("enterprise")
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert (
        f"about {household} minutes for a household and about {enterprise} minutes for an "
        "enterprise" in home
    )
    for audience, minutes in (("household", household), ("enterprise", enterprise)):
        intro = registry().for_audience(audience).intro
        assert re.findall(r"(\d+) minutes", intro.get("en")) == [str(minutes)]
        assert re.findall(r"(\d+) phút", intro.get("vi")) == [str(minutes)]


# ------------------------------------------------------------------------------- OCOP


def test_ocop_marketplace_only_for_products_with_ocop_stars(
    app, client, auth, make_user, make_business
):
    owner, business = household_in_hoanh_mo(make_user, make_business)
    scores = {
        "devices": 90,
        "payments": 0,
        "online_sales": 0,
        "product_info": 60,
        "skills_safety": 80,
    }
    with app.test_request_context(headers=EN):
        b = db.session.get(Business, business.id)
        for answer, qualifies in (("no", False), ("preparing", False), ("three_stars", True)):
            paths = listing_path_recommendations(b, scores, answers={"ocop": answer})
            ocop = next(p for p in paths if p.target == "ocop_marketplace")
            assert ocop.qualifies is qualifies, answer
            assert all(p.qualifies for p in paths if p.target != "ocop_marketplace")
        # Without answers (the onboarding page): unchanged.
        assert all(p.qualifies for p in listing_path_recommendations(b, scores))

    not_rated = submitted_assessment(app, business, answers=WEAK_ANSWERS | {"ocop": "no"})
    auth.login(owner)
    page = client.get(f"/assessments/{not_rated}", headers=EN).get_data(as_text=True)
    assert "First: Have the OCOP certificate ready." in page
    rated = submitted_assessment(app, business, answers=WEAK_ANSWERS)  # three stars
    page = client.get(f"/assessments/{rated}", headers=EN).get_data(as_text=True)
    assert "s OCOP marketplace</strong>" in page and "First: Have the OCOP" not in page
