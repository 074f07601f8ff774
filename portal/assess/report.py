"""The results of a submitted assessment, as the page and the PDF report show them."""

import re
import unicodedata
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from assessments import (
    Band,
    Comparison,
    Dimension,
    Level,
    Position,
    Quartiles,
    Question,
    Questionnaire,
    compare,
    position_of,
)
from portal import clock, formatting
from portal.assess import charts, queries
from portal.assess.models import Assessment
from portal.assess.questionnaires import questionnaire_of
from portal.pdf import write_pdf


@dataclass(frozen=True)
class DimensionResult:
    dimension: Dimension
    score: float
    band: Band
    #: Change since the previous assessment; None if there is nothing to compare with.
    delta: float | None


@dataclass(frozen=True)
class BenchmarkRow:
    """The business's score in one dimension (or overall) against its group's quartiles."""

    title: str
    score: float
    #: None when too few businesses of the group have a score here to show it.
    quartiles: Quartiles | None

    @property
    def position(self) -> Position | None:
        return position_of(self.score, self.quartiles) if self.quartiles else None


@dataclass(frozen=True)
class Benchmark:
    """How the business compares with one peer group ("sector" or "province")."""

    key: str
    #: How many businesses the group has; None when it is too small to show at all.
    count: int | None
    #: The overall score first, then each dimension.
    rows: list[BenchmarkRow]


@dataclass(frozen=True)
class Report:
    assessment: Assessment
    questionnaire: Questionnaire
    level: Level
    dimensions: list[DimensionResult]
    previous: Assessment | None
    comparison: Comparison | None
    benchmarks: list[Benchmark]
    radar: Markup

    @property
    def dimension_scores(self) -> dict[str, float]:
        return {d.dimension.id: d.score for d in self.dimensions}

    @property
    def answered(self) -> list[tuple[Dimension, list[tuple[Question, object]]]]:
        """Return each dimension's questions that were asked, with the answer scored."""
        answers = self.assessment.answers or {}
        asked = self.questionnaire.visible_questions(answers)
        return [
            (d, [(q, answers.get(q.id)) for q in asked if q.dimension == d.id])
            for d in self.questionnaire.dimensions
        ]


def build_report(assessment: Assessment, lang: str, *, radar_as_image: bool = False) -> Report:
    """Gather what the results show: stored scores, bands, the change and the benchmarks.

    ``radar_as_image``: the radar chart as one image (the PDF) rather than inline SVG (the page).
    """
    questionnaire = questionnaire_of(assessment.questionnaire_id, assessment.questionnaire_version)
    result = queries.result_of(assessment)
    previous = queries.previous_submitted(assessment)
    comparison = None
    if previous is not None and previous.questionnaire_id == assessment.questionnaire_id:
        comparison = compare(queries.result_of(previous), result)
    else:
        # Another questionnaire (the business changed kind): nothing to compare with.
        previous = None
    rows = [
        DimensionResult(
            dimension=d,
            score=result.dimensions.get(d.id, 0.0),
            band=d.band_for(result.dimensions.get(d.id, 0.0)),
            delta=comparison.dimensions.get(d.id) if comparison else None,
        )
        for d in questionnaire.dimensions
    ]
    previous_scores = previous.dimension_scores if previous else {}
    radar = charts.radar_chart(
        [
            charts.Axis(
                row.dimension.title.get(lang), row.score, previous_scores.get(row.dimension.id)
            )
            for row in rows
        ],
        title=_("Scores of each dimension, from 0 to 100"),
        current_label=_("This assessment"),
        previous_label=(
            _(
                "Previous assessment (%(date)s)",
                date=formatting.format_date(previous.submitted_at),
            )
            if previous
            else None
        ),
        chart_id=f"radar-{assessment.id}",
        format_score=lambda value: format_decimal(value, "#,##0.#"),
        as_image=radar_as_image,
    )
    return Report(
        assessment=assessment,
        questionnaire=questionnaire,
        level=level_of(assessment),
        dimensions=rows,
        previous=previous,
        comparison=comparison,
        benchmarks=_benchmarks(assessment, rows, lang),
        radar=radar,
    )


def _benchmarks(assessment: Assessment, rows: list[DimensionResult], lang: str) -> list[Benchmark]:
    """Set the business's scores against each peer group's quartiles."""
    benchmarks = []
    for group in queries.peer_groups(assessment, assessment.business):
        overall = BenchmarkRow(_("Overall"), assessment.overall_score or 0.0, group.overall)
        benchmarks.append(
            Benchmark(
                key=group.key,
                count=group.overall.count if group.overall else None,
                rows=[overall]
                + [
                    BenchmarkRow(
                        row.dimension.title.get(lang),
                        row.score,
                        group.dimensions.get(row.dimension.id),
                    )
                    for row in rows
                ],
            )
        )
    return benchmarks


def level_of(assessment: Assessment) -> Level:
    """Return the stored level, named by the questionnaire version that scored it."""
    questionnaire = questionnaire_of(assessment.questionnaire_id, assessment.questionnaire_version)
    for level in questionnaire.levels:
        if level.number == assessment.level:
            return level
    return questionnaire.level_for(assessment.overall_score or 0)


def slug(text: str) -> str:
    """Return an ASCII file-name part: "Hộ Đặng Văn Ơn" -> "ho-dang-van-on"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "assessment"


def report_filename(assessment: Assessment) -> str:
    submitted = assessment.submitted_at
    day = clock.local_date(submitted).isoformat() if submitted else "draft"
    return f"{slug(assessment.business.name)}-{day}.pdf"


def render_pdf(assessment: Assessment, lang: str) -> bytes:
    """Render the A4 report in ``lang`` (the questionnaire texts and the interface alike)."""
    with force_locale(lang):
        report = build_report(assessment, lang, radar_as_image=True)
        html = render_template(
            "assess/report_pdf.html",
            report=report,
            assessment=assessment,
            business=assessment.business,
            lang=lang,
        )
    return write_pdf(html)
