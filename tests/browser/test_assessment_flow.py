"""A household takes the assessment on a 360 px phone, then downloads the PDF report."""

import os
from urllib.parse import urlsplit

import sqlalchemy as sa
from playwright.sync_api import expect

from portal.assess.models import Assessment, AssessmentStatus
from portal.businesses.models import BusinessKind, BusinessSize
from portal.extensions import db
from tests.browser.conftest import CASH_HOUSEHOLD, choose, take_household_assessment
from tests.conftest import PASSWORD


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def _households_are_told_why(page) -> None:
    expect(page.locator(".questionnaire-reason")).to_contain_text("Households answer")


def _saved_at_once(page, artifacts: str) -> None:
    """An answer is saved as soon as it is given, before any button is pressed."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Devices and connectivity")
    expect(page.locator("#progress-label")).to_have_text("Page 1 of 5")
    choose(page, "smartphone", "Yes, the person who runs the business has their own")
    expect(page.locator(".autosave-status")).to_have_text("Saved")
    page.reload()
    expect(
        page.locator("#question-smartphone").get_by_label(
            "Yes, the person who runs the business has their own"
        )
    ).to_be_checked()
    _fits_the_phone(page)
    page.screenshot(path=os.path.join(artifacts, "assessment-step-360.png"), full_page=True)


def _cash_only_excludes_the_others(page) -> None:
    expect(page.locator("#progress-label")).to_have_text("Page 2 of 5")
    choose(page, "bank_app", "Yes, regularly")
    qr = page.locator("#question-receive_payments").get_by_label(
        "Customers scan a QR code (VietQR) or make a bank transfer"
    )
    qr.check()
    choose(page, "receive_payments", "Cash only")
    expect(qr).not_to_be_checked()
    qr.check()
    expect(page.locator("#question-receive_payments").get_by_label("Cash only")).not_to_be_checked()


def _sells_online(page) -> None:
    """The follow-up questions appear only for those who sell online."""
    expect(page.locator("#question-sell_where")).to_be_hidden()
    choose(page, "sell_online", "Yes, we post and sell ourselves")
    expect(page.locator("#question-sell_where")).to_be_visible()
    choose(page, "sell_where", "Zalo (messages, groups)")
    orders = page.get_by_label("About how many online orders do you get each month?")
    expect(orders).to_have_attribute("inputmode", "numeric")
    orders.fill("12")


def _on_page_4(page) -> None:
    expect(page.locator("#progress-label")).to_have_text("Page 4 of 5")


def _all_answered(page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your answers")
    expect(page.locator("main")).to_contain_text("Every question is answered")


def test_household_completes_the_assessment_on_a_phone_and_downloads_the_report(
    app, phone_en, artifacts, make_user, make_business
):
    owner = make_user(name="Lò Thị Mai")
    business = make_business(
        owner=owner, kind=BusinessKind.HOUSEHOLD, size=BusinessSize.FAMILY, name="Hộ Chè San Tuyết"
    )
    page = phone_en
    page.goto("/auth/login")
    page.get_by_label("Email or phone number").fill(owner.login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto("/dashboard")
    devices = [
        lambda page: _saved_at_once(page, artifacts),
        ("internet", "Works well, good enough for video calls"),
        ("computer", "Yes, but rarely used"),
    ]
    payments = [_cash_only_excludes_the_others, ("pay_online", "Sometimes")]
    take_household_assessment(
        page,
        [devices, payments, [_sells_online], [_on_page_4, *CASH_HOUSEHOLD[3]], CASH_HOUSEHOLD[4]],
        before_start=_households_are_told_why,
        before_submit=_all_answered,
    )

    expect(page.get_by_role("heading", level=1)).to_have_text("Assessment results")
    # The scores are folded under the level and the next steps: open them.
    page.locator("details.result-details > summary").click()
    radar = page.locator("svg.radar")
    expect(radar).to_be_visible()
    assert radar.bounding_box()["width"] <= 340
    expect(page.locator(".dimension-result")).to_have_count(5)
    _fits_the_phone(page)
    page.screenshot(path=os.path.join(artifacts, "assessment-results-360.png"), full_page=True)

    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("link", name="Download the PDF report").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    # The results on screen are those of the business's one assessment, now submitted.
    with app.app_context():
        assessments = db.session.scalars(
            sa.select(Assessment).where(Assessment.business_id == business.id)
        ).all()
        assert [a.status for a in assessments] == [AssessmentStatus.SUBMITTED]
    assert urlsplit(page.url).path == f"/assessments/{assessments[0].id}"
