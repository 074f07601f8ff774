"""The training blueprint, and what its view modules share. The routes are in the *_views
modules of this package; ``views`` imports them all."""

from flask import Blueprint
from flask_babel import ngettext
from flask_login import current_user

from portal.access import PROVINCE_ROLES
from portal.auth.models import Role
from portal.permissions import can
from portal.training import labels as training_labels
from portal.training.models import Cohort, EnrolmentState

bp = Blueprint("training", __name__)

#: Who may create courses (and see the catalog's "new course" button).
MANAGERS = (Role.TRAINER, Role.STAFF)


@bp.app_context_processor
def inject_training_names() -> dict:
    # App-wide, as the partials are included from other features' pages. Names only: no query.
    return {"training_labels": training_labels, "EnrolmentState": EnrolmentState}


def can_manage() -> bool:
    """Whether the current user runs the province's training (trainers, staff, admins)."""
    return current_user.role in PROVINCE_ROLES


def can_withdraw_certificates(cohort: Cohort) -> bool:
    """Staff (and administrators) of the province, and the cohort's own trainer."""
    return can(current_user, "certificate.withdraw", cohort)


def moved_up_message(n: int) -> str:
    """Say how many moved up from the waitlist (after a cancellation or a larger class)."""
    return ngettext(
        "%(num)d business moved up from the waitlist.",
        "%(num)d businesses moved up from the waitlist.",
        n,
    )
