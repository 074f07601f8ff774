"""Field teams: the helpers' installable app (/field/), its JSON, and the staff's team page."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response as WerkzeugResponse

from assessments.field_export import export
from assessments.recommend import load_rules
from portal import clock, formatting, geo
from portal.access import public, roles_required
from portal.assess.labels import LEVEL_MEANINGS
from portal.assess.questionnaires import registry
from portal.audit import audited
from portal.auth.models import Role, User
from portal.businesses.models import Sector
from portal.claims.models import ClaimCode
from portal.extensions import db
from portal.failures import flash_error
from portal.field import operations, queries
from portal.field.forms import DecisionForm, HelperForm
from portal.field.labels import FieldRefusal
from portal.field.models import FieldHousehold
from portal.field.slip import build_slip, render_pdf
from portal.forms import filled
from portal.i18n import current_language
from portal.inputs import FIRST_DAY, LAST_DAY, int_arg
from portal.labels import SECTOR_LABELS
from portal.pdf import pdf_response
from portal.permissions import performs, require
from portal.privacy import notices
from portal.scoping import get_scoped_or_404
from portal.spreadsheets import csv_row

bp = Blueprint("field", __name__, url_prefix="/field")

#: The app's files, cached by its service worker (with the page itself).
ASSETS = (
    "field/app.js",
    "field/upload.js",
    "field/scorer.js",
    "field/store.js",
    "field/field.css",
    "css/app.css",
)


@cache
def _definitions() -> dict[str, Any]:
    return export(registry(), load_rules())


def _queue(num: int) -> str:
    return ngettext("%(num)d household not sent", "%(num)d households not sent", num).replace(
        str(num), "{n}", 1
    )


def _strings() -> dict[str, Any]:
    """The texts the app's script shows, in the page's language."""
    return {
        # Vietnamese has one form, English two: the app fills in {n}.
        "queue_one": _queue(1),
        "queue_other": _queue(2),
        "all_sent": _("Every household has been sent."),
        "offline": _("Offline: records are kept on this phone."),
        "online": _("Online"),
        "sending": _("Sending…"),
        "sent": _("Sent."),
        "sign_in": _("Sign in again to send the records."),
        "send_failed": _("Sending failed; the records stay on this phone and are sent later."),
        "refused": _("Refused by the portal"),
        "mismatch": _("The portal's score differs from the phone's; the portal's counts."),
        "match": _("A household with this phone already exists in this commune: staff will check."),
        "required": _("Please answer this question."),
        "name_required": _("Please write the household's name."),
        "consent_required": _("The household must agree to the privacy notice first."),
        "phone_invalid": _("Please write a phone number of 10 digits starting with 0."),
        "not_loaded": _("Open this page once with a connection to load the questionnaire."),
        "level": _("Level %(level)s", level="{level}"),
        "score": _("Score: %(score)s/100", score="{score}"),
        "next_steps": _("Next steps"),
        "courses": _("Courses"),
        "paths": _("Sell online"),
        "nearest": _("Nearest class: %(place)s", place="{place}"),
        "online_class": _("online"),
        "no_class": _("No open class yet"),
        "claim": _("Claim code: %(code)s", code="{code}"),
        "slip": _("Result slip to print (with the QR code)"),
        "waiting": _("not sent"),
        "done": _("sent"),
        "level_meanings": {str(k): str(v) for k, v in LEVEL_MEANINGS.items()},
        "refusals": {c.value: str(c.message) for c in FieldRefusal},
    }


@bp.route("/")
@roles_required(Role.HELPER)
def app() -> str:
    lang = current_language()
    return render_template(
        "field/app.html",
        strings=_strings(),
        sectors=[(s.value, SECTOR_LABELS[s]) for s in Sector],
        lang=lang,
    )


@bp.route("/sw.js")
@public
def service_worker() -> Response:
    """The service worker, at /field/ so that its scope covers the app; names every file to
    keep offline, with its version, so a new release replaces the cache."""
    assets = [url_for("static", filename=name) for name in ASSETS]
    body = render_template("field/sw.js", assets=json.dumps(assets), version=_version(assets))
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _version(assets: list[str]) -> str:
    # The same in every worker and after every restart (Python's hash() of strings is not):
    # otherwise each worker would hand out a "new" service worker and phones would keep
    # reinstalling the app.
    key = json.dumps([assets, _definitions()["version"]], sort_keys=True).encode()
    return hashlib.sha256(key).hexdigest()[:12]


@bp.route("/manifest.webmanifest")
@public
def manifest() -> Response:
    body = {
        "name": _("Field assessments"),
        "short_name": _("Field"),
        "start_url": url_for("field.app"),
        "scope": url_for("field.app"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5394",
        "lang": current_language(),
        "icons": [
            {
                "src": url_for("static", filename="img/icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
            }
        ],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/api/definitions")
@public
def definitions() -> Response:
    """Questionnaires, scoring rules and recommendation rules, as scorer.js reads them."""
    data = _definitions()
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), mimetype="application/json"
    )
    response.set_etag(data["version"])
    response.headers["Cache-Control"] = "no-cache"
    response.make_conditional(request)
    return response


@bp.before_request
def _signed_out_apis_answer_json() -> tuple[Response, int] | None:
    """The app's own requests get 401 in JSON, not the sign-in page, when the session ended:
    it keeps the records and asks the helper to sign in again."""
    if request.endpoint in ("field.sync", "field.session_data") and not (
        current_user.is_authenticated
    ):
        return jsonify(error="signed_out", message=_("Sign in again to send the records.")), 401
    return None


@bp.route("/api/session")
@roles_required(Role.HELPER)
def session_data() -> Response:
    """What the app keeps for offline work: the helper's communes, the notice in force, the
    courses and listing paths to recommend, and a CSRF token for the next upload."""
    notice = notices.current_notice()
    response = jsonify(
        helper={"id": current_user.id, "name": current_user.name},
        province=current_user.province_code,
        communes=queries.communes_of(current_user),
        notice={"version": notice.version, "url": url_for("privacy.notice")},
        courses=queries.courses_for_households(current_user.province_code),
        listing_paths=queries.listing_paths(),
        definitions_version=_definitions()["version"],
        csrf_token=generate_csrf(),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/api/sync", methods=["POST"])
@performs("field.collect")
def sync() -> Response | tuple[Response, int]:
    """Store a batch of records; answer each one's fate (stored, duplicate or refused)."""
    payload = request.get_json(silent=True)
    records = payload.get("records") if isinstance(payload, dict) else None
    try:
        outcomes = operations.receive(current_user, records)
    except operations.FieldError as error:
        return jsonify(error=error.code, message=error.message), 400
    db.session.commit()
    return jsonify(results=[_outcome_json(o) for o in outcomes])


def _claim_code_of(household: FieldHousehold) -> str:
    """The claim code on record (the phone's, unless it was taken and replaced)."""
    business = household.held_by
    code = db.session.scalar(
        sa.select(ClaimCode.code).where(
            ClaimCode.business_id == (business.id if business is not None else None)
        )
    )
    return code or household.claim_code


def _outcome_json(outcome: operations.Outcome) -> dict[str, Any]:
    out: dict[str, Any] = {"id": outcome.client_id, "status": outcome.status}
    if outcome.reason:
        out["reason"] = outcome.reason
        params = {"field": "", "question": "", "questionnaire": "", "version": ""}
        out["message"] = str(outcome.reason.message) % (params | outcome.params)
    household = outcome.household
    if household is not None:
        out.update(
            mismatch=household.score_mismatch,
            match=household.match_business_id is not None,
            claim_code=_claim_code_of(household),
            slip=url_for("field.slip", household_id=household.id),
        )
    if outcome.result is not None:
        out["scores"] = {
            "dimensions": outcome.result.dimensions,
            "overall": outcome.result.overall,
            "level": outcome.result.level,
        }
    return out


# ------------------------------------------------------------------------------ staff


@bp.route("/team", methods=["GET", "POST"])
@performs("field.team")
@audited("user.list", table="users")
def team() -> Any:
    province = current_user.province_code
    form = HelperForm()
    form.communes.choices = [(c.code, c.name) for c in geo.communes(province)]
    if form.validate_on_submit():
        helper = operations.create_helper(
            name=filled(form.name),
            email=form.email.data or None,
            phone=form.phone.data or None,
            password=filled(form.password),
            province_code=province,
            created_by=current_user,
        )
        operations.set_communes(helper, form.communes.data or [], current_user)
        db.session.commit()
        flash(_("The helper's account is ready."), "success")
        return redirect(url_for("field.team"))
    return render_template(
        "field/team.html",
        form=form,
        helpers=queries.helpers_of_province(province),
        communes=geo.communes(province),
        commune_name=geo.commune_name,
    )


@bp.route("/team/<int:user_id>/communes", methods=["POST"])
@performs("field.team")
@audited("user.edit", record="user_id")
def set_communes(user_id: int) -> Any:
    helper = get_scoped_or_404(User, user_id)
    if helper.role != Role.HELPER:
        abort(404)
    codes = [int(c) for c in request.form.getlist("communes") if c.isdigit()]
    operations.set_communes(helper, codes, current_user)
    db.session.commit()
    flash(_("The helper's communes are saved."), "success")
    return redirect(url_for("field.team"))


# ------------------------------------------------------------------------------ slips


def _household(household_id: int) -> FieldHousehold:
    household = get_scoped_or_404(FieldHousehold, household_id)
    require("field.slip", household)
    if household.held_by is None or household.assessment_id is None:
        abort(404)
    return household


@bp.route("/households/<int:household_id>/slip")
@performs("field.slip")
@audited("field_household.slip", record="household_id")
def slip(household_id: int) -> Any:
    """The result slip as a page: shown on the helper's phone or printed."""
    household = _household(household_id)
    lang = current_language()
    return render_template("field/slip.html", slip=build_slip(household, lang), lang=lang)


@bp.route("/households/<int:household_id>/slip.pdf")
@performs("field.slip")
@audited("field_household.slip", record="household_id")
def slip_pdf(household_id: int) -> Response:
    household = _household(household_id)
    lang = request.args.get("lang") or current_language()
    if lang not in current_app.config["LANGUAGES"]:
        lang = current_language()
    return pdf_response(render_pdf(household, lang), f"result-slip-{household.id}.pdf")


# ------------------------------------------------------------------------------ figures

#: Weeks the report shows when no period is asked for (this week and the seven before).
DEFAULT_WEEKS = 8


def _day_arg(name: str) -> date | None:
    try:
        day = date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def _period() -> tuple[date, date]:
    today = clock.today()
    end = _day_arg("end") or today
    start = _day_arg("start") or (
        end - timedelta(days=end.weekday()) - timedelta(weeks=DEFAULT_WEEKS - 1)
    )
    return (start, end) if start <= end else (end, start)


def _figures(province: int, start: date, end: date) -> dict[str, Any]:
    rows = queries.weekly_counts(province, start, end)
    names = queries.helper_names({r.helper_id for r in rows})
    by_commune: dict[tuple[date, int], int] = {}
    by_helper: dict[tuple[date, int], int] = {}
    for r in rows:
        by_commune[(r.week, r.commune_code)] = by_commune.get((r.week, r.commune_code), 0) + (
            r.households
        )
        by_helper[(r.week, r.helper_id)] = by_helper.get((r.week, r.helper_id), 0) + r.households
    return {
        "rows": rows,
        "names": names,
        "by_commune": sorted(by_commune.items()),
        "by_helper": sorted(by_helper.items(), key=lambda i: (i[0][0], names.get(i[0][1], ""))),
        "total": sum(r.households for r in rows),
    }


@bp.route("/report")
@performs("field.report")
@audited("field.report", table="field_households")
def report() -> str:
    """Households assessed per week, per commune and per helper; proposed matches."""
    province = current_user.province_code
    start, end = _period()
    return render_template(
        "field/report.html",
        start=start,
        end=end,
        figures=_figures(province, start, end),
        matches=queries.proposed_matches(province),
        commune_name=geo.commune_name,
    )


@bp.route("/report.csv")
@performs("field.report")
@audited("field.report", table="field_households")
def report_csv() -> Response:
    province = current_user.province_code
    start, end = _period()
    figures = _figures(province, start, end)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        csv_row([_("Week from"), _("Commune code"), _("Commune"), _("Helper"), _("Households")])
    )
    for r in figures["rows"]:
        writer.writerow(
            csv_row(
                [
                    r.week.isoformat(),
                    r.commune_code,
                    geo.commune_name(r.commune_code),
                    figures["names"].get(r.helper_id, ""),
                    r.households,
                ]
            )
        )
    # A byte-order mark so that spreadsheet programs read the Vietnamese letters as UTF-8.
    return send_file(
        io.BytesIO(("\ufeff" + out.getvalue()).encode("utf-8")),
        mimetype="text/csv",
        download_name=f"field-work-{start:%Y%m%d}-{end:%Y%m%d}.csv",
        as_attachment=True,
    )


# ------------------------------------------------------------------ proposed matches


def _matches_province() -> int | None:
    """Staff: their province; the national administrator: the one asked for, else all."""
    if not current_user.is_admin:
        return current_user.province_code
    code = int_arg("province")
    return code if code is not None and geo.get_province(code) is not None else None


@bp.route("/matches")
@performs("field.match")
@audited("field.matches", table="field_households")
def matches() -> str:
    """Open proposed matches: a field household with the same phone, in the same commune, as
    a household already in the portal; each to merge or dismiss."""
    province = _matches_province()
    return render_template(
        "field/matches.html",
        matches=queries.proposed_matches(province),
        province=province,
        limit=queries.MATCH_PAGE,
        commune_name=geo.commune_name,
    )


def _proposal(household_id: int) -> FieldHousehold:
    household = get_scoped_or_404(FieldHousehold, household_id)
    require("field.match", household)
    return household


def _decided(error: operations.FieldError) -> WerkzeugResponse:
    db.session.rollback()
    flash_error(error)
    return redirect(url_for("field.matches"))


@bp.route("/matches/<int:household_id>/merge", methods=["GET", "POST"])
@performs("field.match")
@audited("field_household.merge", record="household_id")
def merge(household_id: int) -> Any:
    household = _proposal(household_id)
    if request.method == "POST":
        if not DecisionForm().validate_on_submit():
            abort(400)
        try:
            merged = operations.merge_match(household.id, current_user)
        except operations.FieldError as error:
            return _decided(error)
        db.session.commit()
        flash(_("The two records are now one household."), "success")
        return redirect(url_for("businesses.show_business", business_id=merged.business_id))
    if not household.match_open or household.business is None or household.match is None:
        return _decided(operations.FieldError("decided"))
    preview = queries.merge_preview(household)
    target, placeholder = household.match, household.business
    effects = [
        _(
            "%(business)s receives the field assessment of %(date)s (%(count)s in all) with its "
            "answers and scores, and the field record with the household's consent.",
            business=target.name,
            date=formatting.format_date(household.assessed_at),
            count=preview["assessments"],
        ),
    ]
    if preview["code"] and not preview["target_has_code"]:
        effects.append(
            _(
                "The claim code on the household's slip (%(code)s) then claims %(business)s.",
                code=preview["code"],
                business=target.name,
            )
        )
    elif preview["code"]:
        effects.append(
            _(
                "The claim code on the household's slip (%(code)s) stops working: %(business)s "
                "keeps its own claim code.",
                code=preview["code"],
                business=target.name,
            )
        )
    effects += [
        _(
            "The record the field app made (%(name)s) leaves the list of businesses, so reports "
            "count the household once; the account made for it is closed.",
            name=placeholder.name,
        ),
        _("%(business)s and its owner's account are otherwise not changed.", business=target.name),
        _("A merge cannot be undone."),
    ]
    return render_template(
        "confirm.html",
        title=_("Merge the two records?"),
        subject=_(
            "%(field)s (recorded in the field) into %(business)s",
            field=household.name,
            business=target.name,
        ),
        effects=effects,
        action=url_for("field.merge", household_id=household.id),
        button=_("Merge into one household"),
        back=url_for("field.matches"),
    )


@bp.route("/matches/<int:household_id>/dismiss", methods=["GET", "POST"])
@performs("field.match")
@audited("field_household.dismiss", record="household_id")
def dismiss(household_id: int) -> Any:
    household = _proposal(household_id)
    if request.method == "POST":
        if not DecisionForm().validate_on_submit():
            abort(400)
        try:
            operations.dismiss_match(household.id, current_user)
        except operations.FieldError as error:
            return _decided(error)
        db.session.commit()
        flash(_("The proposal is closed: they are two households."), "success")
        return redirect(url_for("field.matches"))
    if not household.match_open or household.match is None:
        return _decided(operations.FieldError("decided"))
    return render_template(
        "confirm.html",
        title=_("Two different households?"),
        subject=_(
            "%(field)s (recorded in the field) and %(business)s",
            field=household.name,
            business=household.match.name,
        ),
        effects=[
            _("Both households stay in the portal as they are, each with its own assessments."),
            _(
                "The proposal is closed with your name and the date, and is no longer listed "
                "among the proposed matches."
            ),
        ],
        action=url_for("field.dismiss", household_id=household.id),
        button=_("They are two households"),
        back=url_for("field.matches"),
        back_label=_("Go back without deciding"),
    )
