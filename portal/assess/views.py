"""Taking the assessment page by page, resuming it, submitting it, and reading the results."""

from dataclasses import dataclass

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from assessments import Dimension, Question, Questionnaire
from portal.access import login_required
from portal.assess import operations, queries, report
from portal.assess.forms import (
    AUTOSAVE_MAX_BYTES,
    PageInput,
    UnreadableAutosave,
    error_message,
    field_name,
    number_hint,
    read_answers,
    read_autosave,
    shown_values,
)
from portal.assess.labels import LEVEL_MEANINGS, REASONS, AssessCode
from portal.assess.models import Assessment
from portal.assess.operations import AssessError, can_fill
from portal.assess.questionnaires import choose, questionnaire_of
from portal.audit import audited
from portal.businesses.models import Business
from portal.extensions import db, limiter
from portal.failures import flash_error
from portal.i18n import current_language
from portal.pdf import pdf_response
from portal.permissions import performs
from portal.scoping import get_scoped_or_404

bp = Blueprint("assess", __name__)


def _questionnaire(assessment: Assessment) -> Questionnaire:
    return questionnaire_of(assessment.questionnaire_id, assessment.questionnaire_version)


def _fillable_draft(assessment_id: int) -> Assessment:
    """Return a draft the current user may fill in (404 if unseen, 403 if only readable)."""
    assessment = get_scoped_or_404(
        Assessment, assessment_id, options=(joinedload(Assessment.business),)
    )
    if not can_fill(current_user, assessment.business):
        abort(403)
    return assessment


def _resume_url(assessment: Assessment) -> str:
    pages = len(_questionnaire(assessment).dimensions)
    if assessment.current_step > pages:
        return url_for("assess.review", assessment_id=assessment.id)
    return url_for("assess.step", assessment_id=assessment.id, step=max(assessment.current_step, 1))


# ------------------------------------------------------------------------ history and start


@bp.route("/businesses/<int:business_id>/assessments")
@login_required
@audited("assessment.list", record="business_id")
def list_assessments(business_id: int) -> ResponseReturnValue:
    business = get_scoped_or_404(Business, business_id)
    history = queries.submitted_history(business.id)
    # Each row's change: from the next older one of the same questionnaire.
    changes = {}
    for newer, older in zip(history, history[1:], strict=False):
        if newer.questionnaire_id == older.questionnaire_id:
            changes[newer.id] = round((newer.overall_score or 0) - (older.overall_score or 0), 1)
    return render_template(
        "assess/list.html",
        business=business,
        history=history,
        changes=changes,
        draft=queries.open_draft(business.id),
        can_fill=can_fill(current_user, business),
        level_of=report.level_of,
    )


@bp.route("/businesses/<int:business_id>/assessments/start", methods=["GET", "POST"])
@performs("assessment.fill")
@audited("assessment.start", record="business_id")
def start(business_id: int) -> ResponseReturnValue:
    business = get_scoped_or_404(Business, business_id)
    if not can_fill(current_user, business):
        abort(403)
    draft = queries.open_draft(business.id)
    choice = choose(business)
    if request.method == "POST":
        try:
            assessment, created = operations.start_assessment(
                business, current_user, choice.questionnaire
            )
        except AssessError:
            db.session.rollback()
            abort(403)  # the business moved out of the helper's province meanwhile
        db.session.commit()
        if not created:
            flash(_("You have an assessment in progress: continue where you left off."), "info")
        return redirect(_resume_url(assessment))
    return render_template(
        "assess/start.html",
        business=business,
        questionnaire=_questionnaire(draft) if draft else choice.questionnaire,
        reason=REASONS[choice.reason],
        draft=draft,
        last=next(iter(queries.submitted_history(business.id)), None),
    )


# ------------------------------------------------------------------------------- answering


@dataclass
class QuestionField:
    """One question as the page shows it."""

    question: Question
    name: str
    values: list[str]
    error: str | None
    #: For the script that hides it: {"question": ..., "any_of": [...]} or {"at_least": n}.
    condition: dict | None
    #: Said to people without JavaScript: when to answer it.
    condition_hint: str | None
    #: How to write a number on this page ("1.000 or 2,5" in Vietnamese); None for choices.
    number_hint: str | None = None


def _condition_hint(questionnaire: Questionnaire, question: Question, lang: str) -> str | None:
    condition = question.show_if
    if condition is None:
        return None
    controller = questionnaire.question(condition.question)
    if condition.at_least is not None:
        return _(
            "Answer this only if your answer to “%(question)s” is at least %(value)s.",
            question=controller.text.get(lang),
            value=condition.at_least,
        )
    labels = [o.label.get(lang) for o in controller.options if o.id in condition.any_of]
    return _("Answer this only if you answered “%(answer)s” above.", answer=" / ".join(labels))


def _fields(
    questionnaire: Questionnaire,
    dimension: Dimension,
    answers: dict,
    page_input: PageInput | None = None,
) -> list[QuestionField]:
    lang = current_language()
    fields = []
    for question in dimension.questions:
        error = page_input.errors.get(question.id) if page_input else None
        values = (
            page_input.typed[question.id]
            if page_input is not None and error is not None
            else shown_values(question, answers.get(question.id), lang)
        )
        condition: dict[str, object] | None = None
        if question.show_if is not None:
            condition = {"question": field_name(questionnaire.question(question.show_if.question))}
            if question.show_if.at_least is not None:
                condition["at_least"] = question.show_if.at_least
            else:
                condition["any_of"] = list(question.show_if.any_of)
        fields.append(
            QuestionField(
                question=question,
                name=field_name(question),
                values=values,
                error=error_message(error, question, lang) if error else None,
                condition=condition,
                condition_hint=_condition_hint(questionnaire, question, lang),
                number_hint=number_hint(question, lang) if question.type == "number" else None,
            )
        )
    return fields


def _render_step(
    assessment: Assessment, number: int, page_input: PageInput | None = None, status: int = 200
) -> tuple[str, int]:
    questionnaire = _questionnaire(assessment)
    dimension = questionnaire.dimensions[number - 1]
    answers = dict(assessment.answers or {})
    return (
        render_template(
            "assess/step.html",
            assessment=assessment,
            business=assessment.business,
            questionnaire=questionnaire,
            dimension=dimension,
            number=number,
            pages=len(questionnaire.dimensions),
            fields=_fields(questionnaire, dimension, answers, page_input),
            has_errors=bool(page_input and page_input.errors),
            # For the script that shows a question when a number reaches a threshold.
            number_symbols={
                "decimal": get_decimal_symbol(current_language()),
                "group": get_group_symbol(current_language()),
            },
        ),
        status,
    )


@bp.route("/assessments/<int:assessment_id>/step/<int:step>", methods=["GET", "POST"])
@performs("assessment.fill")
@audited("assessment.answer", record="assessment_id")
def step(assessment_id: int, step: int) -> ResponseReturnValue:
    assessment = _fillable_draft(assessment_id)
    if not assessment.is_draft:
        if request.method == "POST":
            flash(str(AssessCode.NOT_SAVED_SUBMITTED.message), "error")
        return redirect(url_for("assess.show", assessment_id=assessment.id))
    questionnaire = _questionnaire(assessment)
    pages = len(questionnaire.dimensions)
    if not 1 <= step <= pages:
        abort(404)
    if request.method == "GET":
        return _render_step(assessment, step)

    action = request.form.get("action", "next")
    destination = {"back": step - 1, "later": step}.get(action, step + 1)
    destination = max(destination, 1)
    page_input = read_answers(
        questionnaire.dimensions[step - 1].questions, request.form, current_language()
    )
    # Valid answers are kept whatever the button; invalid ones are shown back to fix.
    try:
        operations.save_answers(
            assessment,
            current_user,
            page_input.values,
            page_input.cleared,
            step=step if page_input.errors else destination,
        )
    except AssessError as error:
        # Submitted meanwhile (another tab, a helper): say so rather than drop the answers.
        db.session.rollback()
        if error.code == AssessCode.NOT_DRAFT:
            error = AssessError(AssessCode.NOT_SAVED_SUBMITTED)
        flash_error(error)
        return redirect(url_for("assess.show", assessment_id=assessment.id))
    db.session.commit()
    if page_input.errors:
        count = len(page_input.errors)
        flash(
            ngettext(
                "%(num)d answer could not be saved; please correct it.",
                "%(num)d answers could not be saved; please correct them.",
                count,
            ),
            "error",
        )
        return _render_step(assessment, step, page_input, status=422)
    if action == "later":
        flash(_("Your answers are saved. Come back any time to continue."), "success")
        return redirect(url_for("assess.list_assessments", business_id=assessment.business_id))
    if destination > pages:
        return redirect(url_for("assess.review", assessment_id=assessment.id))
    return redirect(url_for("assess.step", assessment_id=assessment.id, step=destination))


def _autosave_limit() -> str:
    return current_app.config.get("AUTOSAVE_RATE_LIMIT", "120 per minute")


def _per_user() -> str:
    return f"user:{current_user.get_id()}"


@bp.route("/assessments/<int:assessment_id>/autosave", methods=["POST"])
@performs("assessment.fill")
@limiter.limit(_autosave_limit, key_func=_per_user)
@audited("assessment.answer", record="assessment_id")
def autosave(assessment_id: int) -> ResponseReturnValue:
    """Save one question's answer as it is given (the page's script calls this)."""
    assessment = _fillable_draft(assessment_id)
    if not assessment.is_draft:
        return _submitted_already()
    try:
        if (request.content_length or 0) > AUTOSAVE_MAX_BYTES:
            raise UnreadableAutosave("too large")
        sent = read_autosave(request.get_data(cache=True))
    except UnreadableAutosave:
        message = _("This answer could not be read. Please reload the page and answer again.")
        return jsonify(saved=False, error=message), 400
    questionnaire = _questionnaire(assessment)
    try:
        question = questionnaire.question(sent.question)
    except KeyError:
        return jsonify(saved=False, error=_("Unknown question.")), 400
    lang = current_language()
    page_input = read_answers([question], MultiDict({field_name(question): sent.values}), lang)
    if question.id in page_input.errors:
        message = error_message(page_input.errors[question.id], question, lang)
        return jsonify(saved=False, error=message), 422
    try:
        operations.save_answers(assessment, current_user, page_input.values, page_input.cleared)
    except AssessError as error:
        db.session.rollback()
        if error.code == "not_draft":
            return _submitted_already()
        return jsonify(saved=False, error=error.message), 403
    db.session.commit()
    return jsonify(saved=True)


def _submitted_already() -> ResponseReturnValue:
    """Refuse a save that came after the submission, saying so (the script stops retrying)."""
    return jsonify(saved=False, error=str(AssessCode.NOT_SAVED_SUBMITTED.message)), 409


@bp.route("/assessments/<int:assessment_id>/review", methods=["GET", "POST"])
@performs("assessment.fill")
@audited("assessment.submit", record="assessment_id")
def review(assessment_id: int) -> ResponseReturnValue:
    assessment = _fillable_draft(assessment_id)
    if not assessment.is_draft:
        return redirect(url_for("assess.show", assessment_id=assessment.id))
    questionnaire = _questionnaire(assessment)
    pages = len(questionnaire.dimensions)
    status = 200
    tried = request.method == "POST"
    if tried:
        try:
            operations.submit_assessment(assessment, current_user, questionnaire)
        except AssessError as error:
            db.session.rollback()
            if error.code == "not_draft":
                # Submitted by an earlier click (or another tab): show that result.
                flash(_("This assessment was already submitted; here is its result."), "info")
                return redirect(url_for("assess.show", assessment_id=assessment.id))
            if error.code != "missing_answers":
                flash_error(error)
                return redirect(url_for("assess.show", assessment_id=assessment.id))
            status = 422
        else:
            db.session.commit()
            flash(_("Thank you! Your assessment has been submitted."), "success")
            return redirect(url_for("assess.show", assessment_id=assessment.id))
    answers = assessment.answers or {}
    missing = {q.id for q in questionnaire.missing(answers)}
    visible = questionnaire.visible_questions(answers)
    summary = [
        (
            index,
            dimension,
            [
                (q, answers.get(q.id), q.id in missing)
                for q in visible
                if q.dimension == dimension.id
            ],
        )
        for index, dimension in enumerate(questionnaire.dimensions, start=1)
    ]
    return (
        render_template(
            "assess/review.html",
            assessment=assessment,
            business=assessment.business,
            questionnaire=questionnaire,
            summary=summary,
            missing_count=len(missing),
            answered_count=len(visible) - len(missing),
            tried=tried,
            pages=pages,
        ),
        status,
    )


# -------------------------------------------------------------------------------- results


@bp.route("/assessments/<int:assessment_id>")
@login_required
@audited("assessment.view", record="assessment_id")
def show(assessment_id: int) -> ResponseReturnValue:
    assessment = get_scoped_or_404(Assessment, assessment_id)
    if assessment.is_draft:
        if can_fill(current_user, assessment.business):
            return redirect(_resume_url(assessment))
        return render_template("assess/draft.html", assessment=assessment)
    lang = current_language()
    result = report.build_report(assessment, lang)
    weakest = min(result.dimensions, key=lambda row: row.score, default=None)
    steps = weakest.band.next_steps if weakest else ()
    return render_template(
        "assess/result.html",
        assessment=assessment,
        business=assessment.business,
        report=result,
        level_meaning=LEVEL_MEANINGS.get(result.level.number, ""),
        # When no listing path is suggested: the weakest part's first step instead.
        first_step=steps[0].get(lang) if steps else None,
        **queries.recommendations_for(assessment, result.dimension_scores, lang),
        can_fill=can_fill(current_user, assessment.business),
        languages=current_app.config["LANGUAGES"],
    )


@bp.route("/assessments/<int:assessment_id>/report.pdf")
@login_required
@audited("assessment.pdf", record="assessment_id")
def report_pdf(assessment_id: int) -> ResponseReturnValue:
    assessment = get_scoped_or_404(Assessment, assessment_id)
    if assessment.is_draft:
        abort(404)
    lang = request.args.get("lang") or current_language()
    if lang not in current_app.config["LANGUAGES"]:
        lang = current_language()
    pdf = report.render_pdf(assessment, lang)
    return pdf_response(pdf, report.report_filename(assessment), attachment=True)
