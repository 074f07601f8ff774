"""An owner pays a course fee by card on a phone, through localstripe's Stripe.js stand-in;
localstripe's own signed webhook confirms the enrolment."""

import os
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from portal.auth.models import Role
from tests.conftest import PASSWORD
from tests.factories import add_programme, new_training
from tests.stripe_support import WEBHOOK_SECRET


@pytest.fixture
def webhook_to_live_server(stripe_on, live_server):
    """Have localstripe send its signed webhooks to the live portal (and stop afterwards)."""

    def register(url: str) -> None:
        data = urllib.parse.urlencode(
            {
                "url": url,
                "secret": WEBHOOK_SECRET,
                "events[]": "payment_intent.succeeded",
            }
        ).encode()
        urllib.request.urlopen(stripe_on + "/_config/webhooks/portal-browser", data, timeout=5)

    register(live_server + "/billing/stripe/webhook")
    yield
    # localstripe cannot forget a webhook: point it at a closed port.
    register("http://127.0.0.1:9/")


@pytest.mark.real_clock  # localstripe's webhook is signed with the machine's own clock
def test_owner_pays_by_card_and_sees_the_enrolment_confirmed(
    app, phone_en, artifacts, make_user, make_business, webhook_to_live_server
):
    trainer = make_user(role=Role.TRAINER)
    t = new_training(app, trainer, fee_vnd=500_000, title_en="Selling on Zalo")
    add_programme(app, share_pct=20)
    owner = make_user()
    make_business(owner=owner, name="Hộ kinh doanh Mực khô Cô Tô")

    page = phone_en
    page.goto("/auth/login")
    page.get_by_label("Email or phone number").fill(owner.login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"/training/courses/{t.course_id}")
    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Price and payment")
    expect(page.locator(".price")).to_contain_text("500,000")
    expect(page.locator(".price")).to_contain_text("100,000")
    expect(page.locator(".amount-due")).to_contain_text("400,000")

    # localstripe's stand-in renders plain inputs where Stripe Elements would be.
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill("4242424242424242")
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("30")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("10000")
    page.get_by_role("button", name="Pay").click()

    # Back from the payment: processing until the webhook lands, then paid (the page refreshes).
    expect(page.locator("#payment-status")).to_have_text("Paid", timeout=20_000)
    expect(page.get_by_text("the fee is paid")).to_be_visible()
    page.screenshot(path=os.path.join(artifacts, "payment-paid-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
