"""A certificate's PDF, withdrawing it, and the public verification page: on the training
blueprint."""

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import PROVINCE_ROLES, public, roles_required
from portal.audit import audited
from portal.auth.models import Role
from portal.extensions import db, limiter
from portal.failures import flash_error
from portal.pdf import pdf_response
from portal.permissions import performs, require
from portal.scoping import get_scoped_or_404
from portal.training import certificates, operations, queries
from portal.training.blueprint import bp
from portal.training.forms import WithdrawCertificateForm
from portal.training.models import Certificate


@bp.route("/training/certificates/<int:certificate_id>.pdf")
@roles_required(Role.OWNER, *PROVINCE_ROLES)
@audited("certificate.pdf", record="certificate_id")
def certificate_pdf(certificate_id: int) -> ResponseReturnValue:
    certificate = get_scoped_or_404(Certificate, certificate_id)
    if not certificate.is_valid:
        # No new copy of a withdrawn certificate: a PDF is read as proof, whatever it says.
        return render_template(
            "training/certificate_withdrawn.html",
            certificate=certificate,
            cohort=certificate.enrolment.cohort,
        ), 410
    pdf = certificates.render_pdf(certificate, request.args.get("lang"))
    return pdf_response(pdf, f"certificate-{certificate.code}.pdf")


@bp.route("/training/certificates/<int:certificate_id>/withdraw", methods=["GET", "POST"])
@performs("certificate.withdraw")
@audited("certificate.withdraw", record="certificate_id")
def withdraw_certificate(certificate_id: int) -> ResponseReturnValue:
    certificate = get_scoped_or_404(Certificate, certificate_id)
    cohort = certificate.enrolment.cohort
    require("certificate.withdraw", cohort)
    back = url_for("training.completion", cohort_id=cohort.id)
    form = WithdrawCertificateForm()
    if certificate.is_valid and form.validate_on_submit():
        try:
            operations.revoke_certificate(certificate, current_user, form.reason.data)
        except operations.TrainingError as error:
            db.session.rollback()
            flash_error(error)
            return redirect(back)
        db.session.commit()
        flash(
            _(
                "The certificate of %(name)s has been withdrawn. The verification page now "
                "says it is no longer valid.",
                name=certificate.business_name,
            ),
            "success",
        )
        return redirect(back)
    return render_template(
        "training/certificate_withdraw.html",
        form=form,
        certificate=certificate,
        cohort=cohort,
        back=back,
    )


@bp.route("/verify", methods=["GET"])
@public
def verify_form() -> ResponseReturnValue:
    code = (request.args.get("code") or "").strip().upper().replace(" ", "").replace("-", "")
    if code:
        return redirect(url_for("training.verify_certificate", code=code))
    return render_template("training/verify_form.html")


@bp.route("/verify/<code>")
@public
@limiter.limit("30 per minute")
def verify_certificate(code: str) -> ResponseReturnValue:
    certificate = queries.certificate_by_code(code)
    if certificate is None:
        return render_template("training/verify.html", certificate=None), 404
    return render_template("training/verify.html", certificate=certificate)
