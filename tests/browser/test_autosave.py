"""Answers tapped as fast as a browser can are all saved, without pressing any button.

The page's script saves each answer as it is given, one request per question at a time, and
retries with growing pauses when the network fails; "Đã lưu" (saved) appears only when every
answer is stored. The test reads the database, never the page's word for it.
"""

from playwright.sync_api import expect

from portal.assess import operations
from portal.assess.models import Assessment
from portal.assess.questionnaires import registry
from portal.businesses.models import Business, BusinessKind, BusinessSize
from portal.extensions import db
from tests.conftest import PASSWORD


def _draft(app, business) -> int:
    with app.app_context():
        business = db.session.get(Business, business.id)
        assessment, _new = operations.start_assessment(
            business, business.owner, registry().get("enterprise", 1)
        )
        db.session.commit()
        return assessment.id


def _stored(app, assessment_id) -> dict:
    with app.app_context():
        return dict(db.session.get(Assessment, assessment_id).answers)


def _sign_in(page, user) -> None:
    page.goto("/auth/login")
    page.get_by_label("Email hoặc số điện thoại").fill(user.login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def _tap(page, question: str, option: str, on: bool = True) -> None:
    box = page.locator(f"#question-{question} input[value='{option}']")
    box.check() if on else box.uncheck()


def _all_saved(page) -> None:
    expect(page.locator("form.assess-form")).to_have_attribute("data-autosave", "saved")
    expect(page.locator(".autosave-status")).to_have_text("Đã lưu")


def test_answers_tapped_as_fast_as_possible_are_all_stored(app, phone, make_user, make_business):
    owner = make_user()
    business = make_business(owner=owner, kind=BusinessKind.ENTERPRISE, size=BusinessSize.SMALL)
    assessment_id = _draft(app, business)
    page = phone
    _sign_in(page, owner)

    # Page 1: every question, changed again and again, with no pause between taps.
    page.goto(f"/assessments/{assessment_id}/step/1")
    strategy = registry().get("enterprise", 1).dimensions[0].questions
    final = {}
    for round_ in range(4):
        for question in strategy:
            options = [o.id for o in question.options]
            choice = options[(round_ + len(question.id)) % len(options)]
            _tap(page, question.id, choice)
            final[question.id] = int(choice) if question.type == "scale" else choice
    _all_saved(page)
    assert _stored(app, assessment_id) == final

    # Page 2: several choices, one taken back; a number written the Vietnamese way.
    page.goto(f"/assessments/{assessment_id}/step/2")
    for option in ("website", "facebook", "zalo_oa", "video"):
        _tap(page, "online_presence", option)
    _tap(page, "online_presence", "facebook", on=False)
    _tap(page, "sell_online", "planning")
    _tap(page, "sell_online", "yes")
    share = page.locator("#q_online_share")
    expect(share).to_be_visible()
    expect(share).to_have_attribute("type", "text")
    expect(share).to_have_attribute("inputmode", "decimal")
    share.fill("2,5")
    share.press("Tab")
    _tap(page, "sell_channels", "social")
    _tap(page, "payment_methods", "transfer_qr")
    _tap(page, "payment_methods", "ewallet")
    _tap(page, "customer_care", "crm")
    _tap(page, "digital_marketing", "4")
    _all_saved(page)
    assert _stored(app, assessment_id) == final | {
        "online_presence": ["website", "zalo_oa", "video"],
        "sell_online": "yes",
        "online_share": 2.5,
        "sell_channels": ["social"],
        "payment_methods": ["transfer_qr", "ewallet"],
        "customer_care": "crm",
        "digital_marketing": 4,
    }

    # The review page lists every answer given, the number as Vietnamese write it.
    page.goto(f"/assessments/{assessment_id}/review")
    expect(page.locator("main")).to_contain_text("2,5 %")


def test_a_failed_save_is_retried_and_saved_is_said_only_once_it_is_stored(
    app, phone, make_user, make_business
):
    owner = make_user()
    business = make_business(owner=owner, kind=BusinessKind.ENTERPRISE, size=BusinessSize.SMALL)
    assessment_id = _draft(app, business)
    page = phone
    _sign_in(page, owner)
    page.goto(f"/assessments/{assessment_id}/step/6")
    form = page.locator("form.assess-form")
    status = page.locator(".autosave-status")

    # The connection drops for the first two tries.
    failures = []

    def flaky(route):
        if len(failures) < 2:
            failures.append(route.request.post_data)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/autosave", flaky)
    employees = page.locator("#q_employees")
    expect(page.locator("#question-digital_lead")).to_be_hidden()
    employees.fill("1.000")
    employees.press("Tab")
    # "1.000" is a thousand: the question for businesses of ten or more appears.
    expect(page.locator("#question-digital_lead")).to_be_visible()
    expect(status).to_have_text(form.get_attribute("data-retrying-text"))
    assert "employees" not in _stored(app, assessment_id)
    _tap(page, "digital_lead", "dedicated")
    _all_saved(page)
    assert len(failures) == 2
    assert _stored(app, assessment_id) == {"employees": 1000, "digital_lead": "dedicated"}

    # A wrong number is not "saved": the message says how to write it, and nothing is stored.
    employees.fill("1,000")
    employees.press("Tab")
    error = page.locator("#question-employees .js-autosave-error")
    expect(error).to_contain_text("1.000")
    expect(status).not_to_have_text("Đã lưu")
    assert _stored(app, assessment_id)["employees"] == 1000
