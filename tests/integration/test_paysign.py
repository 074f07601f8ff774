"""The VietQR payment sign: the owner makes it, the province's staff and trainers see it, the
A5 PDF prints the shop's name and a code that reads back to the account."""

import subprocess
from html import unescape

import sqlalchemy as sa
import zxingcpp
from flask_babel import force_locale
from flask_babel import gettext as _
from PIL import Image

from portal import geo
from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.businesses import operations as business_operations
from portal.businesses.models import Business
from portal.extensions import db
from portal.paysign import vietqr
from portal.paysign.models import PaymentSign
from tests.conftest import HA_NOI, PASSWORD, QUANG_NINH

EN = {"Accept-Language": "en"}
VI = {"Accept-Language": "vi"}

GOOD = {
    "bank": "vietcombank",
    "account_number": "0011 0023 4567",
    "account_name": "Nguyễn Thị Hoà",
    "amount_vnd": "",
    "message": "Tiền hàng",
}


def _sign(app, business_id: int) -> PaymentSign | None:
    with app.app_context():
        sign = db.session.scalar(
            sa.select(PaymentSign).where(PaymentSign.business_id == business_id)
        )
        if sign is not None:
            db.session.expunge(sign)
        return sign


def _owner_with_sign(app, client, auth, make_user, make_business, name="Tạp hoá Cô Ba", **fields):
    owner = make_user()
    business = make_business(owner=owner, name=name)
    auth.login(owner)
    response = client.post(f"/payment-sign/businesses/{business.id}", data=GOOD | fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()
    return owner, business


def _payload(app, business_id: int) -> str:
    with app.app_context():
        return (
            db.session.scalars(sa.select(PaymentSign).where(PaymentSign.business_id == business_id))
            .one()
            .payload
        )


# ----------------------------------------------------------------------------- owner


def test_owner_saves_the_sign_and_sees_its_qr_code(app, client, auth, make_user, make_business):
    owner = make_user()
    business = make_business(owner=owner)
    auth.login(owner)
    page = client.get(f"/payment-sign/businesses/{business.id}", headers=VI)
    assert page.status_code == 200
    assert 'list="bank-list"' in page.get_data(as_text=True)

    response = client.post(
        f"/payment-sign/businesses/{business.id}",
        data=GOOD | {"amount_vnd": "1.500.000", "message": "Tiền hàng, cảm ơn!"},
        headers=VI,
    )
    assert response.status_code == 302
    sign = _sign(app, business.id)
    assert (sign.bank_bin, sign.account_number, sign.account_name) == (
        "970436",
        "001100234567",
        "NGUYEN THI HOA",
    )
    assert (sign.amount_vnd, sign.message) == (1_500_000, "Tiền hàng, cảm ơn!")
    payload = _payload(app, business.id)
    assert vietqr.parse_payload(payload) == vietqr.VietQR(
        "970436", "001100234567", 1_500_000, "Tien hang cam on"
    )

    page = unescape(client.get(response.headers["Location"], headers=EN).get_data(as_text=True))
    assert 'src="data:image/svg+xml' in page
    assert "0011 0023 4567" in page and "NGUYEN THI HOA" in page
    assert "Tien hang cam on" in page  # what the banking app will show
    assert "The sign is not evidence by itself" in page
    # The form shows the saved values; saving without an amount makes the code static again.
    assert 'value="1,500,000"' in page
    client.post(f"/payment-sign/businesses/{business.id}", data=GOOD, headers=EN)
    assert vietqr.parse_payload(_payload(app, business.id)).amount is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentSign)) == 1


def test_bad_input_comes_back_with_what_was_typed_and_a_message_in_the_persons_language(
    app, client, auth, make_user, make_business
):
    owner = make_user()
    business = make_business(owner=owner)
    auth.login(owner)
    bad = {
        "bank": "Ngân hàng Mặt Trăng",
        "account_number": "12-ab!",
        "account_name": "Nguyễn Thị Hoà",
        "amount_vnd": "1.000.000,5",
        "message": "Thanh toán tiền hàng tháng mười hai năm nay",
    }
    for headers, lang in ((VI, "vi"), (EN, "en")):
        response = client.post(f"/payment-sign/businesses/{business.id}", data=bad, headers=headers)
        assert response.status_code == 400
        page = unescape(response.get_data(as_text=True))
        for typed in bad.values():
            assert f'value="{typed}"' in page, typed
        with app.test_request_context(headers=headers), force_locale(lang):
            expected = [
                _(
                    "“%(bank)s” is not in the list of banks: choose one from the list.",
                    bank=bad["bank"],
                ),
                _("An account number has 6 to 19 letters or digits."),
                _("Keep the message to 25 letters and digits."),
                # The example is the whole number nearest to what was typed.
                _("Enter a whole number, such as %(example)s.", example="@").split("@")[0],
            ]
        for message in expected:
            assert message in page, (lang, message)
    assert "Hãy nhập một số nguyên" in unescape(
        client.post(f"/payment-sign/businesses/{business.id}", data=bad, headers=VI).get_data(
            as_text=True
        )
    )
    english = unescape(
        client.post(f"/payment-sign/businesses/{business.id}", data=bad, headers=EN).get_data(
            as_text=True
        )
    )
    assert "“Ngân hàng Mặt Trăng” is not in the list of banks" in english
    assert "Enter a whole number" in english
    assert _sign(app, business.id) is None


def test_an_amount_above_the_transfer_limit_is_refused(app, client, auth, make_user, make_business):
    owner = make_user()
    business = make_business(owner=owner)
    auth.login(owner)
    response = client.post(
        f"/payment-sign/businesses/{business.id}",
        data=GOOD | {"amount_vnd": "500.000.000"},
        headers=VI,
    )
    assert response.status_code == 400
    assert _sign(app, business.id) is None


# ------------------------------------------------------------------------ who sees it


def test_province_staff_and_trainers_see_the_sign_but_cannot_change_it(
    app, client, auth, make_user, make_business
):
    _owner, business = _owner_with_sign(app, client, auth, make_user, make_business)
    for role in (Role.STAFF, Role.TRAINER):
        user = make_user(role=role, province_code=QUANG_NINH)
        auth.login(user)
        page = client.get(f"/payment-sign/businesses/{business.id}", headers=EN)
        assert page.status_code == 200
        text = unescape(page.get_data(as_text=True))
        assert "NGUYEN THI HOA" in text and 'name="account_number"' not in text
        assert client.get(f"/payment-sign/businesses/{business.id}/sign.pdf").status_code == 200
        response = client.post(
            f"/payment-sign/businesses/{business.id}", data=GOOD | {"account_number": "99999999"}
        )
        assert response.status_code == 403
        auth.logout()
    assert _sign(app, business.id).account_number == "001100234567"
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"payment_sign.view", "payment_sign.pdf"} <= actions


def test_another_province_and_another_owner_cannot_see_the_sign(
    app, client, auth, make_user, make_business
):
    _owner, business = _owner_with_sign(app, client, auth, make_user, make_business)
    others = [
        make_user(role=Role.STAFF, province_code=HA_NOI),
        make_user(role=Role.TRAINER, province_code=HA_NOI),
        make_user(),  # an owner of another business in the same province
    ]
    make_business(owner=others[-1])
    for user in others:
        auth.login(user)
        for url in (
            f"/payment-sign/businesses/{business.id}",
            f"/payment-sign/businesses/{business.id}/sign.pdf",
        ):
            assert client.get(url).status_code == 404, (user.role, url)
        response = client.post(
            f"/payment-sign/businesses/{business.id}", data=GOOD | {"account_number": "99999999"}
        )
        assert response.status_code in (403, 404)
        auth.logout()
    assert _sign(app, business.id).account_number == "001100234567"


# ------------------------------------------------------------------------------ PDF


def test_the_pdf_sign_names_the_shop_and_its_code_reads_back_to_the_account(
    app, client, auth, make_user, make_business, tmp_path
):
    # The longest sign: a name on two lines, a fixed amount and a message still fit one page.
    owner, business = _owner_with_sign(
        app,
        client,
        auth,
        make_user,
        make_business,
        name="Hợp tác xã Nông nghiệp và Dịch vụ Tổng hợp Chè Tân Cương Thái Nguyên",
        amount_vnd="50.000",
    )
    auth.login(owner)
    response = client.get(f"/payment-sign/businesses/{business.id}/sign.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = response.data
    assert pdf.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    for words in (
        "Hợp tác xã Nông nghiệp",
        "Quét mã để thanh toán",
        "Scan to pay",
        "Vietcombank",
        "0011 0023 4567",
        "NGUYEN THI HOA",
        "50.000",
    ):
        assert words in text, words
    assert "Page 2" not in text and text.count("\f") == 1  # one A5 page
    (tmp_path / "sign.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "sign.pdf", "sign"],
        cwd=tmp_path,
        check=True,
    )
    with Image.open(tmp_path / "sign.png") as image:
        width, height = image.size
        results = zxingcpp.read_barcodes(image)
    assert abs(width - 874) <= 1 and abs(height - 1240) <= 1  # A5 (148 × 210 mm) at 150 dpi
    assert [r.text for r in results] == [_payload(app, business.id)]


def test_no_pdf_before_the_account_is_given(app, client, auth, make_user, make_business):
    owner = make_user()
    business = make_business(owner=owner)
    auth.login(owner)
    assert client.get(f"/payment-sign/businesses/{business.id}/sign.pdf").status_code == 404
    page = client.get(f"/payment-sign/businesses/{business.id}").get_data(as_text=True)
    assert "sign.pdf" not in page


# ---------------------------------------------------------------- the path and the data


def test_the_digital_payments_path_leads_to_the_sign(app, client, auth, make_user, make_business):
    owner = make_user()
    business = make_business(owner=owner)
    auth.login(owner)
    response = client.post(
        f"/onboarding/businesses/{business.id}/start", data={"path": "digital_payment"}
    )
    assert response.status_code == 302
    path_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/payment-sign/businesses/{business.id}"' in path_page
    sign_page = client.get(f"/payment-sign/businesses/{business.id}").get_data(as_text=True)
    assert response.headers["Location"].split("?")[0] in sign_page  # and back to the path


def test_the_sign_moves_with_its_business(app, client, auth, make_user, make_business):
    owner, business = _owner_with_sign(app, client, auth, make_user, make_business)
    commune = int(geo.communes(HA_NOI)[0].code)
    with app.app_context():
        business_operations.move_business(
            db.session.get(Business, business.id), HA_NOI, commune, db.session.get(User, owner.id)
        )
        db.session.commit()
    assert _sign(app, business.id).province_code == HA_NOI
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    assert client.get(f"/payment-sign/businesses/{business.id}").status_code == 200


def test_closing_the_account_deletes_the_sign(app, client, auth, make_user, make_business):
    owner, business = _owner_with_sign(app, client, auth, make_user, make_business)
    auth.login(owner)
    response = client.post("/account/close", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 302
    assert _sign(app, business.id) is None
