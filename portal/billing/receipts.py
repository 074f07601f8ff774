"""Receipt PDFs of settled payments, in the owner's language."""

from flask import current_app, render_template
from flask_babel import force_locale
from weasyprint import HTML

from portal.billing.models import Payment


def receipt_language(payment: Payment) -> str:
    locale = payment.business.owner.locale
    return locale if locale in current_app.config["LANGUAGES"] else "vi"


def render_pdf(payment: Payment) -> bytes:
    """Render the receipt of a payment: fee, subsidy, amount paid and any refund, in VND."""
    lang = receipt_language(payment)
    with force_locale(lang):
        html = render_template(
            "billing/receipt_pdf.html",
            payment=payment,
            course=payment.course,
            cohort=payment.enrolment.cohort,
            lang=lang,
        )
    return HTML(string=html, base_url=current_app.root_path).write_pdf()
