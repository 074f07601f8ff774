"""What the audit log's actions and tables are called on its page and in its export."""

from flask_babel import lazy_gettext as _l

#: Every action a view records; a view's ``@audited`` names one of these.
ACTION_LABELS = {
    "business.list": _l("Listed businesses"),
    "business.view": _l("Opened a business"),
    "business.edit": _l("Opened or edited a business"),
    "business.move": _l("Moved a business to another province"),
    "assessment.list": _l("Opened a business's assessments"),
    "assessment.start": _l("Started an assessment for an owner"),
    "assessment.answer": _l("Answered an assessment for an owner"),
    "assessment.submit": _l("Reviewed or submitted an assessment for an owner"),
    "assessment.view": _l("Opened an assessment result"),
    "assessment.pdf": _l("Downloaded an assessment report (PDF)"),
    "onboarding.business": _l("Opened a business's listing paths"),
    "onboarding.view": _l("Opened a listing path"),
    "evidence.queue": _l("Opened the evidence to verify"),
    "evidence.file": _l("Opened an evidence file"),
    "evidence.review": _l("Verified or rejected evidence"),
    "payment_sign.view": _l("Opened a business's payment sign (bank account)"),
    "payment_sign.pdf": _l("Downloaded a business's payment sign (PDF)"),
    "field_household.slip": _l("Opened or printed a field household's result slip"),
    "field.report": _l("Opened or exported the field work figures"),
    "field.matches": _l("Opened the proposed matches of field households"),
    "field_household.merge": _l("Merged a field household into a household in the portal"),
    "field_household.dismiss": _l("Dismissed a proposed match of a field household"),
    "course.edit": _l("Opened or edited a course and its fee"),
    "class.view": _l("Opened a class list"),
    "class.edit": _l("Opened or edited a class"),
    "class.assign": _l("Searched businesses or assigned them to a class"),
    "enrolment.cancel": _l("Cancelled an enrolment"),
    "attendance.view": _l("Opened an attendance list"),
    "attendance.mark": _l("Marked attendance"),
    "certificate.issue": _l("Opened completion or issued certificates"),
    "certificate.pdf": _l("Downloaded a certificate (PDF)"),
    "certificate.withdraw": _l("Opened or withdrew a certificate"),
    "payment.view": _l("Opened an enrolment's fee and payment"),
    "payment.receipt": _l("Downloaded a receipt (PDF)"),
    "payment.refund": _l("Refunded a payment"),
    "money.report": _l("Opened the fees and subsidies report"),
    "programme.list": _l("Listed subsidy programmes"),
    "programme.create": _l("Created a subsidy programme"),
    "programme.edit": _l("Opened or edited a subsidy programme"),
    "programme.activate": _l("Activated or deactivated a subsidy programme"),
    "user.list": _l("Listed trainer and staff accounts"),
    "user.create": _l("Created an account"),
    "user.edit": _l("Opened or changed an account"),
    "report.export": _l("Exported the enrolment counts report"),
    "import.check": _l("Checked a list of businesses to import"),
    "import.view": _l("Opened a checked or imported list of businesses"),
    "import.run": _l("Imported a list of businesses and sent their invitations"),
    "import.letters": _l("Downloaded the invitation letters of an imported list (PDF)"),
    "audit.view": _l("Opened the audit log"),
    "audit.export": _l("Exported the audit log"),
}

TABLE_LABELS = {
    "assessments": _l("Assessment"),
    "audit_events": _l("Audit log"),
    "businesses": _l("Business"),
    "certificates": _l("Certificate"),
    "cohorts": _l("Class"),
    "courses": _l("Course"),
    "enrolments": _l("Enrolment"),
    "field_households": _l("Field household"),
    "import_batches": _l("Imported list of businesses"),
    "onboarding_evidence": _l("Evidence"),
    "onboarding_paths": _l("Listing path"),
    "payments": _l("Payment"),
    "subsidy_programmes": _l("Subsidy programme"),
    "training_sessions": _l("Session"),
    "users": _l("Account"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def table_label(table_name: str) -> str:
    return str(TABLE_LABELS.get(table_name, table_name))
