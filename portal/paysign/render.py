"""The payment sign's QR code (SVG, for the page and the PDF) and its printable A5 PDF."""

import re

import segno
from flask import render_template
from flask_babel import force_locale

from portal.paysign.models import PaymentSign
from portal.pdf import write_pdf

#: Quiet zone around the code, in modules: the four the QR standard asks for.
QUIET_ZONE = 4


def qr_data_uri(payload: str) -> str:
    """Return the QR code of ``payload`` as an SVG data URI (an ``<img>`` needs no script or
    style, which the Content-Security-Policy forbids inline)."""
    return qr_code(payload).svg_data_uri(scale=8, border=QUIET_ZONE)


def qr_code(payload: str) -> segno.QRCode:
    # Level M, as banks' own VietQR codes: readable when printed small or slightly soiled.
    return segno.make(payload, error="m", micro=False)


def grouped(account_number: str) -> str:
    """Return an account number in groups of four, easier to read aloud and to type."""
    return " ".join(re.findall(".{1,4}", account_number))


def render_pdf(sign: PaymentSign) -> bytes:
    """Render the A5 sign: shop name, the QR code, bank, account, holder and the bilingual
    call to scan (the same on every sign: customers and tourists read it, not the owner)."""
    with force_locale("vi"):  # an amount written the Vietnamese way: 50.000 ₫
        html = render_template(
            "paysign/sign_pdf.html",
            sign=sign,
            business=sign.business,
            bank=sign.bank,
            account=grouped(sign.account_number),
            qr=qr_data_uri(sign.payload),
        )
    return write_pdf(html)
