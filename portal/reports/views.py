"""The province dashboard, the definition and target settings, and the enrolment counts report."""

import io
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock, formatting, geo
from portal.access import roles_required
from portal.assess.questionnaires import registry
from portal.audit import audited
from portal.auth.models import Role
from portal.businesses.models import BusinessKind, BusinessSize, Sector
from portal.extensions import db
from portal.forms import filled
from portal.i18n import current_language
from portal.labels import KIND_LABELS, SECTOR_LABELS, SIZE_LABELS
from portal.permissions import performs
from portal.reports import charts, exports, funnel_queries, operations, progress, queries
from portal.reports.forms import (
    GROUPING_LABELS,
    DefinitionForm,
    EnrolmentFilterForm,
    FilterForm,
    RemoveTargetForm,
    TargetForm,
)
from portal.reports.models import ProvinceTarget
from portal.reports.targets import METRICS, TargetMetric
from portal.scoping import can_manage_province

bp = Blueprint("reports", __name__, url_prefix="/reports")

REPORT_ROLES = (Role.STAFF, Role.ADMIN)


def _province(requested: str | None) -> int:
    """Staff always get their own province; an administrator the one asked for."""
    if not current_user.is_admin:
        return current_user.province_code
    try:
        code = int(requested) if requested is not None else None
    except ValueError:
        code = None
    if code is None or geo.get_province(code) is None:
        return int(geo.provinces()[0].code)
    return code


def _filters(form: FilterForm, province: int | None = None) -> queries.Filters:
    if province is None:
        province = _province(request.args.get("province"))
    form.setup(province, current_user.is_admin)
    form.validate()
    today = clock.today()
    end = form.end.data or today
    start = form.start.data or date(end.year, 1, 1)
    if start > end:
        start, end = end, start
    valid_communes = {int(c.code) for c in geo.communes(province)}
    return queries.Filters(
        province_code=province,
        start=start,
        end=end,
        commune_code=form.commune.data if form.commune.data in valid_communes else None,
        sector=Sector(form.sector.data) if form.sector.data in set(Sector) else None,
        kind=BusinessKind(form.kind.data) if form.kind.data in set(BusinessKind) else None,
        size=BusinessSize(form.size.data) if form.size.data in set(BusinessSize) else None,
    )


def _dimension_titles(lang: str) -> dict[str, str]:
    return {d.id: d.title.get(lang) for q in registry() for d in q.dimensions}


def _target_form(province: int, target: ProvinceTarget | None, today: date) -> TargetForm:
    """Return the target form filled with the digital-business target (or sensible defaults)."""
    return TargetForm(
        formdata=None,
        province=province,
        metric=TargetMetric.DIGITAL_BUSINESSES.value,
        target=target.target if target else None,
        by_year=target.by_year if target else 2030,
        start_on=target.start_on if target else date(today.year, 1, 1),
    )


def _dashboard_page(
    target_form: TargetForm | None = None, province: int | None = None
) -> ResponseReturnValue:
    """Render the dashboard; a target form sent back with errors keeps what was typed."""
    form = FilterForm(request.args)
    f = _filters(form, province)
    lang = current_language()
    today = clock.today()
    targets = queries.targets_of(f.province_code, current_user)
    target = targets.get(TargetMetric.DIGITAL_BUSINESSES)
    chart, trajectory = progress.trajectory(f, target, today, current_user)
    definition = queries.definition_in_use(f.province_code, current_user, history=True)
    definition_form = DefinitionForm(
        formdata=None,
        province=f.province_code,
        min_level=definition.definition.min_level,
        min_courses=definition.definition.min_courses,
    )
    metric_rows = queries.metric_rows(f.province_code, current_user, today, targets)
    names = queries.setters(
        [c.changed_by_id for c in definition.history] + [t.set_by_id for t in targets.values()]
    )
    return render_template(
        "reports/dashboard.html",
        form=form,
        f=f,
        today=today,
        digital_now=queries.count_digital_at(f, f.end, current_user),
        target=target,
        chart=chart,
        trajectory=trajectory,
        definition=definition,
        names=names,
        metric_rows=metric_rows,
        bars={
            row.metric: charts.progress_bar(row.progress.progress_pct, row.progress.is_on_track)
            for row in metric_rows
            if row.progress is not None
        },
        activity=queries.activity(f, current_user),
        scores=queries.average_scores(f, current_user),
        dimension_titles=_dimension_titles(lang),
        provinces=queries.all_provinces(f.start, f.end, current_user)
        if current_user.is_admin
        else None,
        definition_form=definition_form,
        target_form=target_form or _target_form(f.province_code, target, today),
        funnel_rows=funnel_queries.funnel(int(f.province_code), current_user)
        if f.province_code is not None
        else [],
    ), (400 if target_form is not None else 200)


@bp.route("/")
@roles_required(*REPORT_ROLES)
def dashboard() -> ResponseReturnValue:
    return _dashboard_page()


def _managed_province(form: DefinitionForm | TargetForm | RemoveTargetForm) -> int:
    province = _province(form.province.data)
    if not can_manage_province(province):
        abort(403)
    return province


@bp.route("/definition", methods=["POST"])
@performs("definition.set")
def set_definition() -> ResponseReturnValue:
    form = DefinitionForm()
    province = _managed_province(form)
    if form.validate():
        if operations.set_definition(
            province, filled(form.min_level), filled(form.min_courses), current_user
        ):
            db.session.commit()
            flash(_("The definition of a digital business was changed."), "success")
    else:
        flash(_("The definition was not changed: check the numbers."), "error")
    return redirect(url_for("reports.dashboard", province=province))


@bp.route("/target", methods=["POST"])
@performs("target.set")
def set_target() -> ResponseReturnValue:
    form = TargetForm()
    province = _managed_province(form)
    if not form.validate():
        flash(_("The target was not saved: check the numbers and dates."), "error")
        form.province.data = str(province)
        return _dashboard_page(form, province)
    metric = form.chosen_metric
    assert metric is not None  # the form validated: its choices are the metrics
    operations.set_target(
        province,
        filled(form.target),
        filled(form.by_year),
        filled(form.start_on),
        current_user,
        metric=metric,
    )
    db.session.commit()
    flash(_("The target was saved."), "success")
    return redirect(url_for("reports.dashboard", province=province))


@bp.route("/target/remove", methods=["GET", "POST"])
@performs("target.set")
def remove_target() -> ResponseReturnValue:
    """Ask first (GET: what the removal affects), then remove the target (POST)."""
    if request.method == "GET":
        return _confirm_remove_target()
    form = RemoveTargetForm()
    province = _managed_province(form)
    if form.validate() and form.metric.data in set(TargetMetric):
        if operations.remove_target(province, TargetMetric(form.metric.data), current_user):
            db.session.commit()
            flash(_("The target was removed."), "success")
    else:
        flash(_("The target was not removed: reload the page and try again."), "error")
    return redirect(url_for("reports.dashboard", province=province))


def _confirm_remove_target() -> ResponseReturnValue:
    form = RemoveTargetForm(request.args)
    province = _managed_province(form)
    metric = form.metric.data if form.metric.data in set(TargetMetric) else None
    target = queries.target_of(province, current_user, TargetMetric(metric)) if metric else None
    if target is None:
        flash(_("This target no longer exists."), "info")
        return redirect(url_for("reports.dashboard", province=province))
    label = str(METRICS[target.metric].label)
    return render_template(
        "confirm.html",
        title=_("Remove the target?"),
        subject=_(
            "%(metric)s: %(target)s by %(year)s, %(province)s",
            metric=label,
            target=format_decimal(target.target),
            year=target.by_year,
            province=geo.province_name(province),
        ),
        effects=[
            _(
                "The target disappears from the province's progress page, from staff's home "
                "and from the API; nobody will see whether the province is on track for it."
            ),
            _("The needed line of the trajectory goes with it."),
            _(
                "The figures themselves do not change: businesses, courses and listings stay "
                "counted. A new target can be set again at any time."
            ),
        ],
        action=url_for("reports.remove_target"),
        fields={"province": province, "metric": target.metric.value},
        button=_("Remove the target"),
        back=url_for("reports.dashboard", province=province),
    )


# ------------------------------------------------------------------ enrolment counts


def _enrolment_context(lang: str) -> dict:
    form = EnrolmentFilterForm(request.args)
    f = _filters(form)
    by = form.by.data if form.by.data in queries.GROUPINGS else "course"
    definition = queries.definition_in_use(f.province_code, current_user)
    return {
        "form": form,
        "f": f,
        "by": by,
        "report": queries.enrolment_counts(f, by, current_user, lang),
        "definition": definition.definition,
        "columns": exports.columns(),
    }


def _describe(context: dict) -> dict:
    """Add the title, the scope line and the grouping label, in the current language."""
    f = context["f"]
    parts = [
        geo.province_name(f.province_code),
        _(
            "from %(start)s to %(end)s",
            start=formatting.format_date(f.start),
            end=formatting.format_date(f.end),
        ),
    ]
    if f.commune_code:
        parts.append(geo.commune_name(f.commune_code))
    if f.sector:
        parts.append(str(SECTOR_LABELS[f.sector]))
    if f.kind:
        parts.append(str(KIND_LABELS[f.kind]))
    if f.size:
        parts.append(str(SIZE_LABELS[f.size]))
    return context | {
        "title": _("Enrolment counts: %(grouping)s", grouping=GROUPING_LABELS[context["by"]]),
        "scope": " · ".join(parts),
        "filter_parts": parts[2:],
        "group_label": str(GROUPING_LABELS[context["by"]]),
    }


@bp.route("/enrolments")
@roles_required(*REPORT_ROLES)
def enrolments() -> ResponseReturnValue:
    context = _describe(_enrolment_context(current_language()))
    official_args = {k: v for k, v in request.args.items() if k != "layout"}
    official_args["layout"] = "official"
    return render_template("reports/enrolments.html", official_args=official_args, **context)


@bp.route("/enrolments.<fmt>")
@roles_required(*REPORT_ROLES)
@audited("report.export", table="enrolments")
def export_enrolments(fmt: str) -> ResponseReturnValue:
    exporter = exports.EXPORTERS.get(fmt)
    if exporter is None:
        abort(404)
    lang = request.args.get("lang") or current_language()
    if lang not in ("vi", "en"):
        lang = current_language()
    # The administrative document is in Vietnamese whatever the page's language.
    official = fmt == "pdf" and request.args.get("layout") == "official"
    if official:
        lang = "vi"
    with force_locale(lang):
        context = _describe(_enrolment_context(lang))
        data = exporter.render(context | {"lang": lang, "official": official})
    f = context["f"]
    kind = "report" if official else "enrolments"
    name = f"{kind}-{f.province_code}-{f.start:%Y%m%d}-{f.end:%Y%m%d}.{fmt}"
    return send_file(
        io.BytesIO(data),
        mimetype=exporter.mimetype,
        download_name=name,
        as_attachment=True,
    )
