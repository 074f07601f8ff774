"""Receipt PDFs of settled payments, in the owner's language."""

from flask import current_app, render_template
from flask_babel import force_locale
from num2words import num2words

from portal import official
from portal.billing.models import Payment
from portal.pdf import write_pdf


def receipt_language(payment: Payment) -> str:
    locale = payment.business.owner.locale
    return locale if locale is not None and locale in current_app.config["LANGUAGES"] else "vi"


def amount_in_words(amount_vnd: int, lang: str) -> str:
    """Return an amount in words as receipts write it: "Ba trăm nghìn đồng"."""
    if lang == "vi":
        words = num2words(amount_vnd, lang="vi")
        return f"{words[:1].upper()}{words[1:]} đồng"
    words = num2words(amount_vnd, lang="en")
    return f"{words[:1].upper()}{words[1:]} Vietnamese dong"


def payer_name(payment: Payment) -> str:
    """Return the person who paid: the business's owner (empty once the account is closed)."""
    owner = payment.business.owner
    return "" if owner is None or owner.is_closed else owner.name


def render_pdf(payment: Payment, lang: str | None = None) -> bytes:
    """Render the receipt of a payment: fee, subsidy, amount paid and any refund, in VND.

    In ``lang`` when given, else in the owner's language.
    """
    if lang is None or lang not in current_app.config["LANGUAGES"]:
        lang = receipt_language(payment)
    with force_locale(lang):
        html = render_template(
            "billing/receipt_pdf.html",
            payment=payment,
            course=payment.course,
            cohort=payment.enrolment.cohort,
            issuer=official.issuer(payment.province_code),
            payer=payer_name(payment),
            amount_words=amount_in_words(payment.amount_vnd, lang),
            lang=lang,
        )
    return write_pdf(html)
