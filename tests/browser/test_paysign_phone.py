"""On a 360 px phone, a household starts the digital payments path, makes its VietQR payment
sign, and the code the page shows reads back (zxing-cpp, from a screenshot) to its account."""

import io
import os

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from portal.businesses.models import BusinessKind, BusinessSize
from portal.paysign import vietqr
from tests.conftest import PASSWORD


def test_household_makes_its_payment_sign_and_the_code_reads_back(
    app, phone_en, artifacts, make_user, make_business
):
    owner = make_user(name="Lò Thị Mai")
    business = make_business(
        owner=owner,
        kind=BusinessKind.HOUSEHOLD,
        size=BusinessSize.FAMILY,
        name="Quán phở Cô Mai",
    )
    page = phone_en
    page.goto("/auth/login")
    page.get_by_label("Email or phone number").fill(owner.login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"/onboarding/businesses/{business.id}")
    page.locator("li", has_text="Accept digital payments").get_by_role(
        "button", name="Start"
    ).first.click()
    page.get_by_role("link", name="Open the payment sign").click()

    bank = page.get_by_label("Bank")
    bank.fill("Agribank")  # what the list shows: the browser filters it as one types
    page.get_by_label("Account number").fill("1500 2055 12345")
    page.get_by_label("Account holder's name").fill("Lò Thị Mai")
    page.get_by_label("Fixed amount in VND (optional)").fill("45,000")
    page.get_by_label("Transfer message (optional)").fill("Phở bò tái")
    page.get_by_role("button", name="Save the sign").click()

    expect(page.locator(".alert--success")).to_contain_text("Your payment sign is saved")
    sign = page.locator("#sign")
    expect(sign).to_contain_text("LO THI MAI")
    expect(sign).to_contain_text("1500 2055 1234 5")
    expect(sign).to_contain_text("Pho bo tai")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=os.path.join(artifacts, "payment-sign-360-en.png"), full_page=True)

    with Image.open(io.BytesIO(sign.get_by_role("img").screenshot())) as image:
        read = [result.text for result in zxingcpp.read_barcodes(image)]
    assert read == [vietqr.build_payload("970405", "1500205512345", 45_000, "Phở bò tái")]
    assert vietqr.parse_payload(read[0]) == vietqr.VietQR(
        "970405", "1500205512345", 45_000, "Pho bo tai"
    )

    pdf = page.request.get(
        page.get_by_role("link", name="Download the A5 sign to print (PDF)").get_attribute("href")
    )
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
