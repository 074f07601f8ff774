"""A server-drawn line chart: the needed trajectory and the actual count, month by month."""

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# A narrow drawing, so that its text stays readable when a 360 px phone shrinks it.
WIDTH, HEIGHT = 420, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 20, 12, 74
X_LABELS = 4
ACTUAL = "#0b5cad"
NEEDED = "#b35c00"
GRID = "#c9d1da"
FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"


@dataclass(frozen=True)
class Series:
    label: str
    #: One value per x label; None where the series has no point.
    values: Sequence[float | None]
    color: str
    dashed: bool = False


def _nice_max(value: float) -> int:
    if value <= 5:
        return 5
    step = 10 ** (len(str(int(value))) - 1)
    return int(-(-value // step) * step)


def line_chart(x_labels: Sequence[str], series: Sequence[Series], title: str) -> Markup:
    """Return an accessible SVG with a y grid, every few x labels and one line per series."""
    count = max(len(x_labels), 1)
    top_value = _nice_max(max((v for s in series for v in s.values if v is not None), default=0))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (inner_w * i / (count - 1) if count > 1 else inner_w / 2)

    def y(v: float) -> float:
        return TOP + inner_h * (1 - v / top_value)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="line-chart" font-family="{FONT}" font-size="13">',
        f"<title>{escape(title)}</title>",
    ]
    for n in range(5):
        value = top_value * n / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{GRID}"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    every = max(1, -(-count // X_LABELS))
    for i, label in enumerate(x_labels):
        # The last label always shows; a regular one too close to it does not.
        if (i % every == 0 and count - 1 - i >= every * 0.75) or i == count - 1:
            anchor = "end" if i == count - 1 and count > 1 else "middle"
            if i == 0 and count > 1:
                anchor = "start"
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}">'
                f"{escape(label)}</text>"
            )
    for s in series:
        points = [(x(i), y(v)) for i, v in enumerate(s.values) if v is not None]
        if not points:
            continue
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{s.color}" stroke-width="2.5"{dash}/>'
        )
        if not s.dashed:
            # Mark the latest value: a line of a single month would draw nothing.
            last_x, last_y = points[-1]
            parts.append(f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="4" fill="{s.color}"/>')
    # One legend row per series, under the x labels.
    for row, s in enumerate(series):
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        legend_y = HEIGHT - BOTTOM + 40 + row * 20
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + 24}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
            f'stroke="{s.color}" stroke-width="2.5"{dash}/>'
            f'<text x="{LEFT + 30}" y="{legend_y}">{escape(s.label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def progress_bar(percent: float, on_track: bool) -> Markup:
    """Return a bar filled to ``percent`` (capped at 100) as SVG attributes (no inline style)."""
    filled = max(0.0, min(percent, 100.0))
    color = ACTUAL if on_track else NEEDED
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 8" preserveAspectRatio="none" '
        'class="progress-bar" aria-hidden="true" focusable="false">'
        f'<rect x="0" y="0" width="100" height="8" fill="{GRID}"/>'
        f'<rect x="0" y="0" width="{filled:.1f}" height="8" fill="{color}"/>'
        "</svg>"
    )
