"""Official documents: the enrolment report in the format of Decree 30/2020/NĐ-CP, certificates
that name who attended and who issued them, receipts with the amount in words, all tagged PDFs."""

import re
import subprocess
from datetime import date

from flask_babel import force_locale

from portal import clock, geo, official
from portal.auth.models import Role
from portal.formatting import format_datetime
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import (
    add_programme,
    complete_with_certificate,
    enrol_now,
    new_training,
    paid_course,
)
from tests.stripe_support import paid_by_card

EN = {"Accept-Language": "en"}


def pdf_text(data: bytes, layout: bool = True) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout.decode()


def words(text: str) -> str:
    """Return the text with every run of white space as one space."""
    return " ".join(text.split())


def is_tagged(data: bytes) -> bool:
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True)
    return re.search(r"^Tagged:\s+yes", info.stdout.decode(), re.MULTILINE) is not None


def date_lines(place: str, before: date, after: date) -> set[str]:
    """The date lines a document made between two readings of the clock may carry."""
    return {official.place_and_date(place, day) for day in (before, after)}


# ------------------------------------------------------------------ data file and date line


def test_dates_follow_the_decree_leading_zeros():
    assert official.vietnamese_date(date(2026, 12, 1)) == "ngày 01 tháng 12 năm 2026"
    assert official.vietnamese_date(date(2027, 2, 5)) == "ngày 05 tháng 02 năm 2027"
    assert official.vietnamese_date(date(2027, 3, 15)) == "ngày 15 tháng 3 năm 2027"
    assert (
        official.place_and_date("Quảng Ninh", date(2026, 12, 1))
        == "Quảng Ninh, ngày 01 tháng 12 năm 2026"
    )


def test_every_province_has_its_issuing_body_in_the_data_file(app):
    with app.app_context():
        assert set(official._entries()) == {int(p.code) for p in geo.provinces()}
        qn = official.issuer(QUANG_NINH)
        assert (qn.parent_body, qn.body, qn.place) == (
            "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH",
            "SỞ CÔNG THƯƠNG",
            "Quảng Ninh",
        )
        assert (qn.signing_authority, qn.signer_title) == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
        hn = official.issuer(HA_NOI)
        assert hn.parent_body == "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI" and hn.place == "Hà Nội"
        assert official.issuer(79).place == "Thành phố Hồ Chí Minh"


# ------------------------------------------------------------------ the official report


def test_official_enrolment_report_has_the_administrative_format(
    app, client, auth, make_user, make_business
):
    trainer = make_user(role=Role.TRAINER)
    training = new_training(app, trainer, title_vi="Thanh toán số", title_en="Digital payments")
    keen = make_business()
    enrol_now(app, training.cohort_id, keen.id)
    enrol_now(app, new_training(app, trainer).cohort_id, keen.id)
    auth.login(make_user(role=Role.STAFF))
    page = client.get("/reports/enrolments?by=course", headers=EN).get_data(as_text=True)
    # The English interface offers both: the working table and the official report.
    assert 'id="pdf-working"' in page and 'id="pdf-official"' in page
    assert "layout=official" in page and "Decree 30" in page

    before = clock.today()
    response = client.get("/reports/enrolments.pdf?by=course&layout=official", headers=EN)
    after = clock.today()
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "report-22-" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    flat = words(text)
    lines = [line.strip() for line in text.splitlines()]
    # National title and motto on the right, the issuing body and number on the left.
    assert any(line.endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") for line in lines)
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "ỦY BAN NHÂN DÂN TỈNH" in text and "QUẢNG NINH" in text and "SỞ CÔNG THƯƠNG" in text
    assert re.search(r"Số:\s+/BC-SCT", text)  # the number is left for the clerk
    assert any(line in flat for line in date_lines("Quảng Ninh", before, after))
    # Title, unit line, the table in Vietnamese whatever the interface, recipients, signature.
    assert "BÁO CÁO" in lines
    assert "Đơn vị tính: lượt; cơ sở" in flat
    assert "Thanh toán số" in text and "Digital payments" not in text
    assert "Tổng cộng" in text
    assert "Nơi nhận:" in text and "- Lưu: VT." in text
    assert "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text
    # Two enrolments of one business: two events, one business.
    assert "2 lượt ghi danh của 1 cơ sở" in flat
    assert is_tagged(response.data)


def test_working_table_pdf_stays_in_the_chosen_language_and_is_tagged(
    app, client, auth, make_user, make_business
):
    trainer = make_user(role=Role.TRAINER)
    enrol_now(app, new_training(app, trainer).cohort_id, make_business().id)
    auth.login(make_user(role=Role.STAFF))
    response = client.get("/reports/enrolments.pdf?by=course&lang=en")
    text = pdf_text(response.data)
    assert "Enrolment counts: Course" in text and "CỘNG HÒA" not in text
    assert "Selling on" in text
    assert is_tagged(response.data)


# ------------------------------------------------------------------------ certificates


def test_certificate_names_the_person_the_business_the_issuer_place_and_date(
    app, client, auth, make_user, make_business
):
    owner = make_user(name="Nguyễn Thị Hoa")
    business = make_business(owner=owner, name="Cửa hàng Hoa Mai")
    trainer = make_user(role=Role.TRAINER)
    done = complete_with_certificate(app, trainer, business)
    auth.login(owner)
    before = clock.today()
    response = client.get(f"/training/certificates/{done.certificate_id}.pdf")
    after = clock.today()
    assert response.status_code == 200
    vi = words(pdf_text(response.data, layout=False))
    assert "Nguyễn Thị Hoa" in vi and "Cửa hàng Hoa Mai" in vi
    assert "Sở Công Thương tỉnh Quảng Ninh" in vi
    assert any(line in vi for line in date_lines("Quảng Ninh", before, after))
    assert is_tagged(response.data)

    # ?lang= chooses the language, as for the other PDFs.
    response = client.get(f"/training/certificates/{done.certificate_id}.pdf?lang=en")
    en = words(pdf_text(response.data, layout=False))
    assert "Certificate of completion" in en and "Nguyễn Thị Hoa" in en
    with app.test_request_context(), force_locale("en"):
        dates = {official.place_and_date("Quảng Ninh", d, "en") for d in (before, after)}
    assert any(line in en for line in dates)


# ---------------------------------------------------------------------------- receipts


def test_receipt_has_issuer_payer_reference_time_and_amount_in_words(
    app,
    client,
    auth,
    make_user,
    make_business,
    stripe_on,  # noqa: F811 (the fixture imported above)
):
    add_programme(app, share_pct=25)  # 400.000 ₫ fee, 100.000 ₫ subsidy: 300.000 ₫ paid
    owner = make_user(name="Trần Văn Bình")
    business = make_business(owner=owner, name="Hộ kinh doanh Bình An")
    trainer = make_user(role=Role.TRAINER)
    course = paid_course(app, trainer, fee=400_000)
    enrolment_id = enrol_now(app, course.cohort_id, business.id)
    auth.login(owner)
    payment = paid_by_card(app, client, stripe_on, enrolment_id)
    assert payment.amount_vnd == 300_000

    response = client.get(f"/billing/payments/{payment.id}/receipt.pdf")
    assert response.status_code == 200
    vi = words(pdf_text(response.data, layout=False))
    assert "Ba trăm nghìn đồng" in vi
    assert "Sở Công Thương tỉnh Quảng Ninh" in vi
    assert "Trần Văn Bình" in vi and "Hộ kinh doanh Bình An" in vi
    assert payment.stripe_payment_intent_id in vi
    with app.test_request_context():
        assert format_datetime(payment.paid_at, "vi") in vi
    assert is_tagged(response.data)

    response = client.get(f"/billing/payments/{payment.id}/receipt.pdf?lang=en")
    en = words(pdf_text(response.data, layout=False))
    assert "Receipt" in en and "Three hundred thousand Vietnamese dong" in en
