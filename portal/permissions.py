"""Who may do what: the one table of roles × actions, and the checks that read it.

Every view that changes something (every POST route) declares the action it performs with
``@performs("course.edit")``: the decorator lets in only the roles the table grants the action
(sign-in page for a visitor, 403 for another role) and records the action on the view, where
``tests/integration/test_permissions.py`` reads it. Once the view has fetched its object through
``portal.scoping`` it calls ``require("course.edit", course)`` (403 unless :func:`can` says yes).

A grant is one of:

- ``YES``: the role may, on anything it can see (staff and trainers: their province's data,
  through ``portal.scoping``; the national administrator: everything);
- ``OWN``: only on what is the user's own: an owner's own businesses (and their enrolments,
  payments and listing paths); a trainer's own classes (the cohorts they teach) and courses
  (those they created or teach a class of). ``assessment.fill`` has its own rule, below;
- ``NO`` (the default).

The README's "Who may do what" section is this table written out; a test keeps them equal.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from portal.access import mark_view
from portal.auth.models import Role
from portal.extensions import login_manager


class Grant(enum.StrEnum):
    YES = "yes"
    OWN = "own"
    NO = "no"


YES, OWN, NO = Grant.YES, Grant.OWN, Grant.NO

#: Somebody not signed in: only public actions are granted to them.
VISITOR = "visitor"
#: The table's columns, in the README's order.
COLUMNS = (
    VISITOR,
    Role.OWNER.value,
    Role.TRAINER.value,
    Role.STAFF.value,
    Role.ADMIN.value,
    Role.HELPER.value,
)


@dataclass(frozen=True)
class Action:
    """One thing a person may do; ``grants`` maps a column of :data:`COLUMNS` to a Grant."""

    name: str
    summary: str
    grants: dict[str, Grant]
    #: Replaces the usual ownership rule for the OWN grants of this action.
    owns: Callable[[Any, Any], bool] | None = field(default=None, compare=False)

    def grant(self, role: str) -> Grant:
        return self.grants.get(role, NO)

    @property
    def public(self) -> bool:
        return self.grant(VISITOR) is not NO

    @property
    def roles(self) -> tuple[Role, ...]:
        """The signed-in roles granted anything."""
        return tuple(r for r in Role if self.grant(r.value) is not NO)


def _grants(
    visitor: Grant = NO,
    owner: Grant = NO,
    trainer: Grant = NO,
    staff: Grant = NO,
    admin: Grant = NO,
    helper: Grant = NO,
) -> dict[str, Grant]:
    return {
        VISITOR: visitor,
        "owner": owner,
        "trainer": trainer,
        "staff": staff,
        "admin": admin,
        "helper": helper,
    }


EVERYONE = _grants(YES, YES, YES, YES, YES, YES)
SIGNED_IN = _grants(NO, YES, YES, YES, YES, YES)
OWNERS_OWN = _grants(owner=OWN)
PROVINCE_MANAGERS = _grants(staff=YES, admin=YES)
#: A class's own trainer, the province's staff, the national administrator.
CLASS_TEAM = _grants(trainer=OWN, staff=YES, admin=YES)


# --------------------------------------------------------------------------- ownership


def _business_of(obj: Any) -> Any:
    """The business an object belongs to (a business, enrolment, payment, listing path…)."""
    if hasattr(obj, "owner_id"):
        return obj
    return getattr(obj, "business", None)


def _cohort_of(obj: Any) -> Any:
    """The class an object belongs to (a cohort, session, enrolment, certificate)."""
    if hasattr(obj, "trainer_id"):
        return obj
    if hasattr(obj, "cohort"):
        return obj.cohort
    enrolment = getattr(obj, "enrolment", None)
    return enrolment.cohort if enrolment is not None else None


def owns(user: Any, obj: Any) -> bool:
    """Tell whether ``obj`` is the user's own in the sense of an OWN grant."""
    if user.role == Role.OWNER:
        business = _business_of(obj)
        return business is not None and business.owner_id == user.id
    if user.role == Role.TRAINER:
        if hasattr(obj, "is_taught_by"):  # a course: its author's, and its classes' trainers'
            return bool(obj.is_taught_by(user.id))
        cohort = _cohort_of(obj)
        return cohort is not None and cohort.trainer_id == user.id
    return False


def _helps_fill(user: Any, business: Any) -> bool:
    """An owner answers for their businesses; a trainer or staff member of the province
    fills in the assessment with a household (often on the household's phone)."""
    if user.role == Role.OWNER:
        return business.owner_id == user.id
    return bool(business.is_any_household)


# ------------------------------------------------------------------------------ table


def _table(*actions: Action) -> dict[str, Action]:
    return {a.name: a for a in actions}


ACTIONS: dict[str, Action] = _table(
    # Accounts
    Action(
        "account.access",
        "Register, sign in, reset a forgotten password, choose the language",
        EVERYONE,
    ),
    Action(
        "account.own",
        "Sign out, change one's password, agree to the privacy notice",
        SIGNED_IN,
    ),
    Action("account.close", "Close one's own account (personal data erased)", _grants(owner=YES)),
    Action(
        "user.manage",
        "Create trainer and staff accounts, change their role, deactivate them",
        PROVINCE_MANAGERS,
    ),
    Action("api_token.manage", "Create and revoke the province's API tokens", PROVINCE_MANAGERS),
    # Businesses and assessments
    Action("business.create", "Register a business", _grants(owner=YES)),
    Action(
        "business.edit",
        "Edit a business, move it to another province",
        _grants(owner=OWN, staff=YES, admin=YES),
    ),
    Action(
        "assessment.fill",
        "Start, answer and submit a self-assessment (trainers and staff: with a household "
        "of their province)",
        _grants(owner=OWN, trainer=OWN, staff=OWN),
        owns=_helps_fill,
    ),
    Action(
        "onboarding.follow",
        "Start a listing path, tick its steps, send evidence",
        OWNERS_OWN,
    ),
    Action(
        "evidence.review",
        "Verify or reject listing evidence",
        _grants(trainer=YES, staff=YES, admin=YES),
    ),
    Action(
        "payment_sign.edit",
        "Make or change a business's VietQR payment sign (its bank account)",
        OWNERS_OWN,
    ),
    # Training
    Action(
        "course.create",
        "Add a course (trainers: free until staff set a fee)",
        _grants(trainer=YES, staff=YES),
    ),
    Action(
        "course.edit",
        "Edit a course (trainers: courses they created or teach a class of)",
        CLASS_TEAM,
    ),
    Action("course.set_fee", "Set or change a course's fee", PROVINCE_MANAGERS),
    Action(
        "cohort.create",
        "Open a class of a course (a trainer's class is theirs to teach)",
        _grants(trainer=YES, staff=YES, admin=YES),
    ),
    Action(
        "cohort.edit",
        "Edit a class, add, reschedule or remove its sessions",
        CLASS_TEAM,
    ),
    Action("cohort.assign", "Assign a class to businesses", CLASS_TEAM),
    Action(
        "cohort.contacts",
        "See a class's participants with their phone numbers",
        CLASS_TEAM,
    ),
    Action(
        "attendance.take",
        "Take attendance, show a session's check-in QR code",
        CLASS_TEAM,
    ),
    Action(
        "attendance.check_in",
        "Check in to a session by scanning its QR code (a business enrolled in the class)",
        OWNERS_OWN,
    ),
    Action("cohort.complete", "Mark completion and issue certificates", CLASS_TEAM),
    Action("certificate.withdraw", "Withdraw a certificate", CLASS_TEAM),
    Action(
        "enrolment.join",
        "Enrol a business, accept or decline an assigned course",
        OWNERS_OWN,
    ),
    Action(
        "class_alert.manage",
        "Ask to be told when a class opens near a business, stop it, hide its notices",
        OWNERS_OWN,
    ),
    Action(
        "enrolment.cancel",
        "Cancel an enrolment or a waitlist place with nothing paid by card",
        _grants(owner=OWN, trainer=OWN, staff=YES, admin=YES),
    ),
    Action(
        "enrolment.cancel_paid",
        "Cancel an enrolment paid by card (refunded up to the class's enrolment deadline)",
        _grants(owner=OWN, staff=YES, admin=YES),
    ),
    # Money
    Action("payment.pay", "Pay a course fee by card", OWNERS_OWN),
    Action("payment.refund", "Refund a card payment by hand", PROVINCE_MANAGERS),
    Action("programme.manage", "Create, change, stop subsidy programmes", PROVINCE_MANAGERS),
    Action(
        "payment.webhook",
        "Stripe's webhook (checked by Stripe's signature, not by role)",
        EVERYONE,
    ),
    # Reports
    Action(
        "definition.set",
        "Change the province's definition of a digital business",
        PROVINCE_MANAGERS,
    ),
    Action("target.set", "Set or remove the province's targets", PROVINCE_MANAGERS),
    # Field teams
    Action(
        "field.collect",
        "Assess households in the field and send their records (in the communes the helper is "
        "attached to)",
        _grants(helper=YES),
    ),
    Action(
        "import.run",
        "Import a list of the province's businesses and households (check it first), send "
        "their invitations",
        _grants(staff=YES),
    ),
    Action(
        "field.team",
        "Create field helpers' accounts and attach them to the province's communes",
        _grants(staff=YES),
    ),
    Action(
        "field.slip",
        "Open and print a field household's result slip with its claim code (helpers: the "
        "households they assessed)",
        _grants(staff=YES, helper=OWN),
        owns=lambda user, household: household.helper_id == user.id,
    ),
    Action(
        "field.report",
        "See and export the households assessed per commune, helper and week, and the "
        "proposed matches",
        _grants(staff=YES),
    ),
    Action(
        "field.match",
        "Merge a field household into the household already in the portal it was proposed as "
        "(same phone, same commune), or dismiss the proposal",
        PROVINCE_MANAGERS,
    ),
    # Claiming
    Action(
        "claim.check",
        "Type a slip's claim code and answer its check (the record's phone, else its commune)",
        EVERYONE,
    ),
    Action(
        "claim.confirm",
        "Take over a record made on one's behalf (field household, imported business) with a "
        "checked claim code",
        _grants(owner=YES),
    ),
)


# ----------------------------------------------------------------------------- checks


def role_of(user: Any) -> str:
    """The table column of ``user``: a role, or ``visitor`` when not signed in."""
    if user is None or not user.is_authenticated or getattr(user, "role", None) is None:
        return VISITOR
    return Role(user.role).value


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Tell whether ``user`` may perform ``action`` (on ``obj`` when given).

    Without ``obj`` the answer is whether the role may perform it at all (on its own things for
    an OWN grant). A province user never acts on another province's object, whatever the grant.
    """
    rule = ACTIONS[action]
    column = role_of(user)
    grant = rule.grant(column)
    if grant is NO:
        return False
    if obj is None or column in (VISITOR, Role.ADMIN.value):
        return True
    province = getattr(obj, "province_code", None)
    if column != Role.OWNER.value and province is not None and province != user.province_code:
        return False
    if grant is OWN:
        return (rule.owns or owns)(user, obj)
    return True


def require(action: str, obj: Any = None) -> None:
    """Abort with 403 unless the current user may perform ``action`` (on ``obj``)."""
    if not can(current_user, action, obj):
        abort(403)


def performs(action: str) -> Callable[[Callable], Callable]:
    """Declare the action a view performs; let in only the roles the table grants it.

    Takes the place of ``@public``/``@roles_required`` on the view: it sets ``access_rule`` the
    same way, and ``permission_action`` for the tests. Object-level checks stay in the view
    (``require(action, obj)``), once it has fetched the object.
    """
    rule = ACTIONS[action]

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not rule.public:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if not can(current_user, action):
                    abort(403)
            return view(*args, **kwargs)

        return mark_view(
            wrapped,
            access_rule="public" if rule.public else rule.roles,
            permission_action=action,
        )

    return decorator


def init_app(app: Any) -> None:
    """Let templates ask ``can("cohort.edit", cohort)`` to show only the actions allowed."""
    app.add_template_global(lambda action, obj=None: can(current_user, action, obj), "can")
