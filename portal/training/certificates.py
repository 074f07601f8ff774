"""Certificate PDFs: A4 landscape, in the owner's language, with a QR code to verify them."""

import segno
from flask import current_app, render_template
from flask_babel import force_locale
from weasyprint import HTML

from portal.training.models import Certificate
from portal.urls import external_url


def certificate_language(certificate: Certificate) -> str:
    """Return the owner's language, Vietnamese unless they chose another."""
    locale = certificate.enrolment.business.owner.locale
    return locale if locale in current_app.config["LANGUAGES"] else "vi"


def verification_url(certificate: Certificate) -> str:
    return external_url("training.verify_certificate", code=certificate.code)


def qr_data_uri(url: str) -> str:
    """Return the QR code of ``url`` as an SVG data URI (no file, no network)."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def render_pdf(certificate: Certificate) -> bytes:
    """Render the certificate as a PDF in its owner's language."""
    lang = certificate_language(certificate)
    url = verification_url(certificate)
    enrolment = certificate.enrolment
    with force_locale(lang):
        html = render_template(
            "training/certificate_pdf.html",
            certificate=certificate,
            course=enrolment.cohort.course,
            cohort=enrolment.cohort,
            lang=lang,
            verify_url=url,
            qr=qr_data_uri(url),
        )
    return HTML(string=html, base_url=current_app.root_path).write_pdf()
