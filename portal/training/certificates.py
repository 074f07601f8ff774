"""Certificate PDFs: A4 landscape, in the owner's language, with a QR code to verify them."""

import segno
from flask import current_app, render_template
from flask_babel import force_locale

from portal import clock, official
from portal.pdf import write_pdf
from portal.training.models import Certificate
from portal.urls import external_url


def certificate_language(certificate: Certificate) -> str:
    """Return the owner's language, Vietnamese unless they chose another."""
    locale = certificate.enrolment.business.owner.locale
    return locale if locale is not None and locale in current_app.config["LANGUAGES"] else "vi"


def verification_url(certificate: Certificate) -> str:
    return external_url("training.verify_certificate", code=certificate.code)


def qr_data_uri(url: str) -> str:
    """Return the QR code of ``url`` as an SVG data URI (no file, no network)."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def holder_name(certificate: Certificate) -> str:
    """Return the name of the person who took the course: the business's owner.

    Empty once the owner closed the account (the certificate then names nobody).
    """
    owner = certificate.enrolment.business.owner
    return "" if owner is None or owner.is_closed else owner.name


def render_pdf(certificate: Certificate, lang: str | None = None) -> bytes:
    """Render the certificate as a PDF, in ``lang`` or else its owner's language."""
    if lang is None or lang not in current_app.config["LANGUAGES"]:
        lang = certificate_language(certificate)
    url = verification_url(certificate)
    enrolment = certificate.enrolment
    issuer = official.issuer(enrolment.cohort.province_code)
    with force_locale(lang):
        html = render_template(
            "training/certificate_pdf.html",
            certificate=certificate,
            course=enrolment.cohort.course,
            cohort=enrolment.cohort,
            holder=holder_name(certificate),
            issuer=issuer,
            date_line=official.place_and_date(
                issuer.place, clock.local_date(certificate.issued_at), lang
            ),
            lang=lang,
            verify_url=url,
            qr=qr_data_uri(url),
        )
    return write_pdf(html)
