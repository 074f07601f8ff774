"""Server-drawn SVG charts: they work without JavaScript and go into the PDF as they are."""

import base64
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

RADIUS = 105
RINGS = (20, 40, 60, 80, 100)
FONT_SIZE = 16
LINE_HEIGHT = 19
#: Rough width of one character in ems, enough to keep labels inside the drawing.
CHAR_WIDTH = 0.53
WRAP_AT = 13
LABEL_GAP = 12
CURRENT = "#0b5cad"
PREVIOUS = "#5b6570"
GRID = "#c9d1da"
FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"


#: A drawing's bounds: left, top, right, bottom.
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Axis:
    """One spoke of the radar: a dimension's name and score (0..100)."""

    label: str
    score: float
    previous: float | None = None


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _point(angle: float, radius: float) -> tuple[float, float]:
    return radius * math.cos(angle), radius * math.sin(angle)


def _points(axes_count: int, radii: Sequence[float]) -> str:
    pairs = (_point(_angle(i, axes_count), r) for i, r in enumerate(radii))
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in pairs)


def _angle(index: int, count: int) -> float:
    # The first axis points straight up; the others follow clockwise.
    return -math.pi / 2 + 2 * math.pi * index / count


def _clamp(score: float) -> float:
    return max(0.0, min(100.0, score))


def _label(index: int, count: int, lines: list[str]) -> tuple[list[str], Box]:
    """Return the <text> elements of one axis label and its bounding box."""
    angle = _angle(index, count)
    x, y = _point(angle, RADIUS + LABEL_GAP)
    cos, sin = math.cos(angle), math.sin(angle)
    anchor = "start" if cos > 0.3 else "end" if cos < -0.3 else "middle"
    height = LINE_HEIGHT * len(lines)
    if sin < -0.3:
        top = y - height
    elif sin > 0.3:
        top = y + 4
    else:
        top = y - height / 2
    width = max(len(line) for line in lines) * FONT_SIZE * CHAR_WIDTH
    left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    elements = []
    for n, line in enumerate(lines):
        baseline = top + LINE_HEIGHT * (n + 1) - 4
        weight = ' font-weight="700"' if n == len(lines) - 1 else ""
        elements.append(
            f'<text x="{_num(x)}" y="{_num(baseline)}" text-anchor="{anchor}"{weight}>'
            f"{escape(line)}</text>"
        )
    return elements, (left, top, left + width, top + height)


def radar_chart(
    axes: Sequence[Axis],
    *,
    title: str,
    current_label: str,
    previous_label: str | None = None,
    chart_id: str = "radar",
    format_score: Callable[[float], str] = _num,
    as_image: bool = False,
) -> Markup:
    """Return an SVG radar chart of the scores: 0-100 rings, the current polygon, and the
    previous one dashed when given; labels carry each dimension's name and score.

    ``as_image``: the same drawing as one ``<img>`` (a data: URL) whose text alternative is the
    title and every score, for the PDF, where one image is cheaper to print than inline SVG.
    """
    count = max(len(axes), 1)
    has_previous = previous_label is not None and any(a.previous is not None for a in axes)
    parts: list[str] = []
    for ring in RINGS:
        parts.append(
            f'<polygon points="{_points(count, [RADIUS * ring / 100] * count)}" fill="none" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
    for i in range(count):
        x, y = _point(_angle(i, count), RADIUS)
        parts.append(
            f'<line x1="0" y1="0" x2="{_num(x)}" y2="{_num(y)}" stroke="{GRID}" stroke-width="1"/>'
        )
    for ring in RINGS:
        parts.append(
            f'<text x="3" y="{_num(-RADIUS * ring / 100 - 2)}" font-size="10" '
            f'fill="#4a5562">{ring}</text>'
        )
    if has_previous:
        radii = [RADIUS * _clamp(a.previous or 0) / 100 for a in axes]
        parts.append(
            f'<polygon points="{_points(count, radii)}" fill="none" stroke="{PREVIOUS}" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
        )
    radii = [RADIUS * _clamp(a.score) / 100 for a in axes]
    parts.append(
        f'<polygon points="{_points(count, radii)}" fill="{CURRENT}" fill-opacity="0.22" '
        f'stroke="{CURRENT}" stroke-width="2.5" stroke-linejoin="round"/>'
    )
    for i, r in enumerate(radii):
        x, y = _point(_angle(i, count), r)
        parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{CURRENT}"/>')

    boxes: list[Box] = [(-RADIUS, -RADIUS, RADIUS, RADIUS)]
    label_parts: list[str] = []
    for i, axis in enumerate(axes):
        lines = textwrap.wrap(axis.label, WRAP_AT) or [""]
        elements, label_box = _label(i, count, [*lines, format_score(axis.score)])
        label_parts.extend(elements)
        boxes.append(label_box)
    left = min(b[0] for b in boxes) - 6
    top = min(b[1] for b in boxes) - 6
    right = max(b[2] for b in boxes) + 6
    bottom = max(b[3] for b in boxes) + 8
    legend_texts = [current_label] + ([previous_label or ""] if has_previous else [])
    legend_width = max(len(text) for text in legend_texts) * FONT_SIZE * CHAR_WIDTH
    right = max(right, left + 50 + legend_width)

    legend = [
        f'<line x1="{_num(left + 6)}" y1="{_num(bottom + 10)}" x2="{_num(left + 36)}" '
        f'y2="{_num(bottom + 10)}" stroke="{CURRENT}" stroke-width="3"/>',
        f'<text x="{_num(left + 44)}" y="{_num(bottom + 15)}">{escape(current_label)}</text>',
    ]
    bottom += 24
    if has_previous:
        legend += [
            f'<line x1="{_num(left + 6)}" y1="{_num(bottom + 10)}" x2="{_num(left + 36)}" '
            f'y2="{_num(bottom + 10)}" stroke="{PREVIOUS}" stroke-width="2" '
            f'stroke-dasharray="6 4"/>',
            f'<text x="{_num(left + 44)}" y="{_num(bottom + 15)}">{escape(previous_label)}</text>',
        ]
        bottom += 24
    width, height = right - left, bottom - top + 4
    description = "; ".join(f"{a.label}: {format_score(a.score)}" for a in axes)
    box = f'viewBox="{_num(left)} {_num(top)} {_num(width)} {_num(height)}" '
    box += f'width="{_num(width)}" height="{_num(height)}" '
    style = f'font-family="{FONT}" font-size="{FONT_SIZE}" fill="#1b1f24"'
    drawing = "".join(parts) + "".join(label_parts) + "".join(legend) + "</svg>"
    if as_image:
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" {box}{style}>{drawing}'
        data = base64.b64encode(svg.encode()).decode("ascii")
        return Markup(
            f'<img class="radar" src="data:image/svg+xml;base64,{data}" '
            f'alt="{escape(title)}. {escape(description)}" '
            f'width="{_num(width)}" height="{_num(height)}">'
        )
    return Markup(
        f'<svg class="radar" xmlns="http://www.w3.org/2000/svg" role="img" {box}'
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" {style}>'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + drawing
    )
