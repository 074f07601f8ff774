"""Trainers' own pages on the training blueprint: their day and week, a class's participants to
call, a session's check-in QR code with the list filling up; and the page a participant's
phone opens from that code, which marks them present."""

import io
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

import segno
from babel import dates as babel_dates
from flask import jsonify, make_response, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import clock, formatting
from portal.access import mark_view, roles_required
from portal.audit import audited
from portal.auth.models import Role
from portal.extensions import db, login_manager
from portal.i18n import current_language
from portal.permissions import ACTIONS, can, performs, require
from portal.scoping import get_scoped_or_404, scoped_select
from portal.training import checkin, operations, trainer_queries
from portal.training.blueprint import bp
from portal.training.labels import CheckInCode
from portal.training.models import Cohort, EnrolmentState, TrainingSession
from portal.urls import external_url

__all__ = ["bp"]


def day_label(instant: datetime) -> str:
    """Return the local weekday and date of a stored instant: "Thứ Hai, 01/12/2026"."""
    day = clock.local_date(instant)
    weekday = babel_dates.format_date(day, "EEEE", locale=current_language())
    return f"{weekday}, {formatting.format_date(day)}"


@bp.route("/training/teaching")
@roles_required(Role.TRAINER)
def trainer_home() -> ResponseReturnValue:
    return render_template(
        "training/trainer_home.html",
        home=trainer_queries.trainer_home(current_user),
        today=clock.today(),
        now=clock.utcnow(),
        day_label=day_label,
    )


# ------------------------------------------------------------------------------ roster

#: A participant's enrolment as the trainer reads it.
ROSTER_STATES = {
    EnrolmentState.ENROLLED: _l("Enrolled"),
    EnrolmentState.COMPLETED: _l("Completed"),
    EnrolmentState.WAITLISTED: _l("On the waitlist"),
    EnrolmentState.ASSIGNED: _l("Assigned, waiting for an answer"),
    EnrolmentState.DECLINED: _l("Declined"),
    EnrolmentState.CANCELLED: _l("Cancelled"),
}


def phone_link(phone: str) -> str:
    """Return the tel: address of a Vietnamese number (0xxxxxxxxx becomes +84xxxxxxxxx)."""
    digits = "".join(c for c in phone if c.isdigit())
    return "tel:+84" + digits[1:] if digits.startswith("0") else "tel:" + digits


def phone_text(phone: str) -> str:
    """Return a number as people read it out: 0987 654 321."""
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) == 10:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    return digits


@bp.route("/training/cohorts/<int:cohort_id>/participants")
@performs("cohort.contacts")
@audited("class.view", record="cohort_id")
def class_roster(cohort_id: int) -> ResponseReturnValue:
    cohort = get_scoped_or_404(Cohort, cohort_id)
    require("cohort.contacts", cohort)
    return render_template(
        "training/roster.html",
        cohort=cohort,
        course=cohort.course,
        groups=trainer_queries.class_contacts(cohort),
        state_labels=ROSTER_STATES,
        phone_link=phone_link,
        phone_text=phone_text,
    )


# ---------------------------------------------------------------- the trainer's QR board


def _checkin_url(session_id: int) -> str:
    return external_url(
        "training.check_in", session_id=session_id, token=checkin.current_token(session_id)
    )


def _board(training_session: TrainingSession) -> dict[str, Any]:
    """What the check-in board shows now (the page renders it, the script polls it)."""
    window = checkin.window_of(training_session)
    is_open = window.is_open()
    rows = trainer_queries.check_in_rows(training_session)
    present = [r for r in rows if r.present]
    token = checkin.current_token(training_session.id) if is_open else None
    return {
        "open": is_open,
        "url": _checkin_url(training_session.id) if is_open else None,
        "qr": (
            url_for("training.checkin_qr", session_id=training_session.id, t=token)
            if is_open
            else None
        ),
        "summary": _("%(present)d of %(total)d present", present=len(present), total=len(rows)),
        "present": [
            {
                "name": r.name,
                "note": (
                    _("checked in at %(time)s", time=formatting.format_time(r.marked_at))
                    if r.by_self
                    else _("marked by the trainer")
                ),
            }
            for r in present
        ],
        "waiting": [{"name": r.name} for r in rows if not r.present],
    }


def _training_session(session_id: int) -> TrainingSession:
    training_session = get_scoped_or_404(TrainingSession, session_id)
    require("attendance.take", training_session)
    return training_session


@bp.route("/training/sessions/<int:session_id>/check-in")
@performs("attendance.take")
@audited("attendance.view", record="session_id")
def checkin_board(session_id: int) -> ResponseReturnValue:
    training_session = _training_session(session_id)
    return render_template(
        "training/checkin_board.html",
        session=training_session,
        cohort=training_session.cohort,
        window=checkin.window_of(training_session),
        board=_board(training_session),
        now=clock.utcnow(),
        opens_before=int(checkin.OPENS_BEFORE.total_seconds() // 60),
        closes_after=int(checkin.CLOSES_AFTER.total_seconds() // 60),
    )


# Polled every few seconds by the board: not audited (the board's page is, and this repeats it).
@bp.route("/training/sessions/<int:session_id>/check-in/status.json")
@performs("attendance.take")
def checkin_status(session_id: int) -> ResponseReturnValue:
    response = jsonify(_board(_training_session(session_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/training/sessions/<int:session_id>/check-in/code.svg")
@performs("attendance.take")
def checkin_qr(session_id: int) -> ResponseReturnValue:
    training_session = _training_session(session_id)
    if not checkin.window_of(training_session).is_open():
        return "", 404
    out = io.BytesIO()
    segno.make(_checkin_url(session_id), error="m").save(
        out,
        kind="svg",
        border=4,
        omitsize=True,
        xmldecl=False,
        light="#fff",
        title=_("Check-in code"),
    )
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------- the participant's phone

#: The Flask session key holding a code scanned before signing in: [session id, token, minute].
GRACE_KEY = "checkin_grace"


#: A view of the check-in address: (session id, token) -> response.
CheckInView = Callable[[int, str], ResponseReturnValue]


def _keeps_code_for_sign_in(view: CheckInView) -> CheckInView:
    """Owners only, on their own enrolments; a visitor is sent to sign in and back, and the code
    they scanned in time stays good for ``checkin.SIGN_IN_GRACE`` (signing in takes a while).
    Other roles are not refused here: the view tells them why this is not for them."""

    @wraps(view)
    def wrapped(session_id: int, token: str) -> ResponseReturnValue:
        if not current_user.is_authenticated:
            if checkin.is_fresh(session_id, token):
                session[GRACE_KEY] = [session_id, token, checkin.minute_of(clock.utcnow())]
                return login_manager.unauthorized()
            return _result("expired", 403)
        return view(session_id, token)

    return mark_view(
        wrapped,
        access_rule=ACTIONS["attendance.check_in"].roles,
        permission_action="attendance.check_in",
    )


def _grace_allows(session_id: int, token: str) -> bool:
    """Tell whether this code was scanned in time just before signing in (and forget it)."""
    kept = session.pop(GRACE_KEY, None)
    if not isinstance(kept, list) or len(kept) != 3:
        return False
    kept_session, kept_token, minute = kept
    waited = checkin.minute_of(clock.utcnow()) - minute
    return (
        kept_session == session_id
        and kept_token == token
        and 0 <= waited <= checkin.SIGN_IN_GRACE.total_seconds() // 60
    )


#: What the participant reads: (heading, message) by outcome; the message may name times.
RESULTS = {
    "checked_in": (_l("You are checked in"), _l("Present at the session of %(time)s.")),
    "already": (
        _l("You are already checked in"),
        _l("You were already marked present at the session of %(time)s. Nothing else to do."),
    ),
    "expired": (
        _l("This code has expired"),
        _l(
            "The check-in code changes every minute and this one is no longer valid. Scan the "
            "code your trainer is showing now."
        ),
    ),
    # The refusals of checkin.CheckInError: their messages live with their codes.
    "not_open": (_l("Check-in is closed"), CheckInCode.NOT_OPEN.message),
    "not_enrolled": (_l("You are not on this class's list"), CheckInCode.NOT_ENROLLED.message),
    "marked_absent": (
        _l("Your trainer has corrected your attendance"),
        CheckInCode.MARKED_ABSENT.message,
    ),
    "not_owner": (
        _l("Check-in is for participants"),
        _l(
            "Participants check in with their own account. To mark people present, use the "
            "attendance page of the session."
        ),
    ),
}


def _result(outcome: str, status: int = 200, **context: Any) -> tuple[str, int]:
    heading, message = RESULTS[outcome]
    return render_template(
        "training/checkin_result.html",
        outcome=outcome,
        heading=heading,
        message=str(message) % context if context else message,
        **context,
    ), status


@bp.route("/training/check-in/<int:session_id>/<token>")
@_keeps_code_for_sign_in
def check_in(session_id: int, token: str) -> ResponseReturnValue:
    if not can(current_user, "attendance.check_in"):
        return _result("not_owner", 403)
    training_session = db.session.scalar(
        scoped_select(TrainingSession).where(TrainingSession.id == session_id)
    )
    if training_session is None:
        # The same answer whether the session exists or not: nothing is revealed.
        return _result("not_enrolled", 404)
    if not (checkin.is_fresh(session_id, token) or _grace_allows(session_id, token)):
        return _result("expired", 403)
    when = formatting.format_datetime(training_session.starts_at)
    try:
        done = checkin.check_in(training_session, current_user)
    except operations.TrainingError as error:
        db.session.rollback()
        if error.code not in RESULTS:  # e.g. the session was removed meanwhile
            return _result("not_enrolled", 404)
        if error.code == "not_open":
            window = checkin.window_of(training_session)
            return _result(
                "not_open",
                403,
                opens=formatting.format_datetime(window.opens_at),
                closes=formatting.format_datetime(window.closes_at),
            )
        return _result(error.code, 403)
    db.session.commit()
    names = [e.business.name for e in done.marked + done.already]
    return _result(
        "checked_in" if done.marked else "already",
        time=when,
        course=training_session.cohort.course,
        businesses=names,
    )
