"""The API tokens page (staff) and the read-only JSON API of a province's aggregates (``/api/v1``).

The JSON endpoints take no session cookie, only ``Authorization: Bearer <token>``; a token reads
its own province and nothing else. Their error messages are English: machine clients read them.
"""

import os
from datetime import UTC, date
from functools import cache
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from portal import clock, formatting, geo
from portal.access import public
from portal.api import cache as summary_cache
from portal.api import operations
from portal.api import queries as token_queries
from portal.api.access import api_token_required
from portal.api.forms import TokenForm
from portal.api.models import ApiToken
from portal.api.params import ApiQuery, InvalidParameter, parse
from portal.assess.questionnaires import registry
from portal.extensions import db, limiter
from portal.field import queries as field_queries
from portal.forms import filled
from portal.labels import KIND_LABELS, SECTOR_LABELS
from portal.permissions import performs, require
from portal.reports import queries
from portal.scoping import get_scoped_or_404

bp = Blueprint("api", __name__, url_prefix="/api")
#: The JSON API, a blueprint of its own so that its errors answer in JSON.
v1 = Blueprint("v1", __name__, url_prefix="/v1")

OPENAPI_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "openapi.yaml")
DEFAULT_RATE_LIMIT = "120 per minute"
DIGITAL_GROUPINGS = ("month", *queries.DIGITAL_GROUPINGS)


# ----------------------------------------------------------------------- tokens page


def _tokens_page(form: TokenForm, new_token: str | None = None) -> Response:
    response = current_app.make_response(
        render_template(
            "api/tokens.html",
            form=form,
            tokens=token_queries.tokens_for(current_user),
            new_token=new_token,
        )
    )
    # The page may show a token's plaintext: never keep it in a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tokens", methods=["GET", "POST"])
@performs("api_token.manage")
def tokens() -> ResponseReturnValue:
    form = TokenForm()
    form.setup(current_user.is_admin)
    if not form.validate_on_submit():
        return _tokens_page(form)
    province = filled(form.province) if current_user.is_admin else current_user.province_code
    _token, plaintext = operations.create_token(province, filled(form.name), current_user)
    db.session.commit()
    flash(_("The token was created. Copy it now: it will not be shown again."), "success")
    # Shown in this response only (a redirect would carry it through the session cookie).
    blank = TokenForm(formdata=None)
    blank.setup(current_user.is_admin)
    return _tokens_page(blank, new_token=plaintext)


@bp.route("/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@performs("api_token.manage")
def revoke_token(token_id: int) -> ResponseReturnValue:
    token = get_scoped_or_404(ApiToken, token_id)
    require("api_token.manage", token)
    if request.method == "GET":
        if token.revoked_at is not None:
            flash(_("This token was already revoked."), "info")
            return redirect(url_for("api.tokens"))
        # Say what revoking stops before it is done (the POST of the same URL does it).
        return render_template(
            "confirm.html",
            title=_("Revoke the token?"),
            subject=_("Token “%(name)s”", name=token.name),
            effects=[
                _("Every system that reads the portal's data with this token stops at once."),
                _("It cannot be turned back on: a new token has to be created and given to them."),
            ],
            action=url_for("api.revoke_token", token_id=token.id),
            button=_("Revoke the token"),
            back=url_for("api.tokens"),
        )
    if operations.revoke_token(token, current_user):
        db.session.commit()
        flash(_("The token “%(name)s” was revoked.", name=token.name), "success")
    else:
        flash(_("This token was already revoked."), "info")
    return redirect(url_for("api.tokens"))


# ----------------------------------------------------------------------------- JSON API


def _api_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


#: One budget per client address for every data endpoint, counted before the token is checked.
rate_limited = limiter.shared_limit(_api_limit, scope="api-v1")


@v1.errorhandler(InvalidParameter)
def invalid_parameter(error: InvalidParameter) -> tuple[Response, int]:
    return jsonify(error="invalid_parameter", message=str(error)), 400


@v1.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[Response, int]:
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
    name = (error.name or "error").lower().replace(" ", "_")
    return jsonify(error=name, message=error.description), code


def _query(**kwargs: Any) -> ApiQuery:
    return parse(request.args, g.api_province.province_code, **kwargs)


def _iso_now() -> str:
    return clock.utcnow().replace(microsecond=0, tzinfo=UTC).isoformat().replace("+00:00", "Z")


def _envelope(q: ApiQuery, **body: Any) -> Response:
    """Answer with what every response carries: province, time, period and filters."""
    f = q.filters
    response = jsonify(
        province_code=f.province_code,
        province_name=geo.province_name(f.province_code),
        generated_at=_iso_now(),
        period={"start": f.start.isoformat(), "end": f.end.isoformat()},
        filters={
            "commune": f.commune_code,
            "sector": f.sector.value if f.sector else None,
            "kind": f.kind.value if f.kind else None,
        },
        **body,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _counted_until(f: queries.Filters) -> date:
    """Counts are never given for days still to come."""
    return min(f.end, clock.today())


def _target(f: queries.Filters, digital: int, on: date) -> dict | None:
    target = queries.target_of(f.province_code, g.api_province)
    if target is None:
        return None
    if queries.has_business_filter(f):
        baseline = queries.count_digital_at(f, target.start_on, g.api_province)
    else:
        baseline = round(queries.start_value(target, g.api_province))
    span = (target.end_on - target.start_on).days or 1
    elapsed = min(max((on - target.start_on).days, 0), span)
    return {
        "target": target.target,
        "by_year": target.by_year,
        "start_on": target.start_on.isoformat(),
        "baseline": baseline,
        "needed_by_now": round(baseline + (target.target - baseline) * elapsed / span),
        "progress_percent": round(100 * digital / target.target, 1),
    }


def _targets(province_code: int) -> list[dict]:
    """Return the province's targets with today's province-wide values (two queries)."""
    reader, today = g.api_province, clock.today()
    targets = queries.targets_of(province_code, reader)
    rows = queries.metric_rows(province_code, reader, today, targets)
    return [
        {
            "metric": row.metric.value,
            "unit": row.unit,
            "target": row.progress.target,
            "by_year": row.progress.by_year,
            "start_on": row.progress.start_on.isoformat(),
            "current": row.progress.current,
            "on": today.isoformat(),
            "needed_by_now": round(row.progress.needed_now, 1),
            "progress_pct": row.progress.progress_pct,
            "on_track": row.progress.is_on_track,
        }
        for row in rows
        if row.progress is not None
    ]


@v1.route("/summary")
@rate_limited
@api_token_required
def summary() -> ResponseReturnValue:
    q = _query()
    # Keyed by the token's province, the parameters and the day (the default period ends today).
    key = (
        g.api_province.province_code,
        clock.today(),
        tuple(sorted(request.args.items(multi=True))),
    )
    return summary_cache.cached(key, lambda: _summary(q))


def _summary(q: ApiQuery) -> Response:
    f, reader = q.filters, g.api_province
    on = _counted_until(f)
    definition = queries.definition_in_use(f.province_code, reader)
    digital = queries.count_digital_at(f, on, reader)
    activity = queries.activity(f, reader)
    titles = {d.id: d.title.get(q.lang) for qn in registry() for d in qn.dimensions}
    return _envelope(
        q,
        definition={
            "min_level": definition.definition.min_level,
            "min_courses": definition.definition.min_courses,
            "needs_verified_sales_channel_or_digital_payment": True,
            "since": definition.since.isoformat() + "Z" if definition.since else None,
        },
        digital_businesses={"count": digital, "on": on.isoformat()},
        target=_target(f, digital, on),
        targets=_targets(f.province_code),
        activity={
            "assessments": activity.assessments,
            "enrolments": activity.enrolments,
            "completions": activity.completions,
            "certificates": activity.certificates,
            "listings_verified": activity.listings_verified,
        },
        field_households=_field(f),
        average_scores=[
            {
                "dimension": dimension,
                "title": titles.get(dimension, dimension),
                "average_score": round(average, 1),
                "assessments": count,
            }
            for dimension, average, count in queries.average_scores(f, reader)
        ],
    )


def _field(f: queries.Filters) -> dict[str, int]:
    """Households assessed by field helpers in the period (and commune, when asked)."""
    figures = field_queries.summary(f.province_code, f.start, f.end, f.commune_code)
    return {
        "households": figures.households,
        "helpers": figures.helpers,
        "communes": figures.communes,
        "score_mismatches": figures.score_mismatches,
        "proposed_matches": figures.proposed_matches,
    }


@v1.route("/digital-businesses")
@rate_limited
@api_token_required
def digital_businesses() -> ResponseReturnValue:
    q = _query(groupings=DIGITAL_GROUPINGS, default_by="month")
    f, reader, on = q.filters, g.api_province, _counted_until(q.filters)
    assert q.by is not None  # one of the groupings: parse() checked it
    rows: list[dict[str, Any]]
    if q.by == "month":
        months = queries.months_between(f.start, on)
        counts = queries.monthly_digital(f, months, reader)
        rows = [
            {"key": m, "label": formatting.format_month(m, q.lang), "count": counts[m]}
            for m in months
        ]
    else:
        with force_locale(q.lang):
            grouped = queries.digital_by(f, on, q.by, reader)
            rows = [
                {"key": _key(k), "label": _label(q.by, k), "count": n} for k, n in grouped.items()
            ]
        rows.sort(key=lambda r: r["label"])
    return _envelope(q, by=q.by, on=on.isoformat(), rows=rows)


def _key(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _label(by: str, key: Any) -> str:
    if by == "commune":
        return geo.commune_name(key)
    return str((SECTOR_LABELS if by == "sector" else KIND_LABELS)[key])


@v1.route("/enrolments")
@rate_limited
@api_token_required
def enrolments() -> ResponseReturnValue:
    q = _query(groupings=queries.GROUPINGS, default_by="course")
    assert q.by is not None  # one of the groupings: parse() checked it
    with force_locale(q.lang):
        report = queries.enrolment_counts(q.filters, q.by, g.api_province, q.lang)
    states = [s.value for s in queries.COUNTED_STATES]
    return _envelope(
        q,
        by=q.by,
        states=states,
        rows=[
            {
                "key": _key(row.key),
                "label": row.label,
                "counts": {s.value: n for s, n in row.counts.items()},
                "total": row.total,
            }
            for row in report.rows
        ],
        totals={s.value: n for s, n in report.totals.items()},
        total=report.total,
    )


@cache
def _openapi_text() -> bytes:
    with open(OPENAPI_FILE, "rb") as file:
        return file.read()


@v1.route("/openapi.yaml")
@public
def openapi() -> ResponseReturnValue:
    return Response(_openapi_text(), mimetype="application/yaml")


bp.register_blueprint(v1)
