"""Hand-written SVG charts for the insights page, each with the table behind it.

Server-rendered so they read without JavaScript; every chart is an image
with a title and a description, and its figures are also a plain table.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Drawn at about a phone's width, so that scaled to fit a 390 px screen the
# 12-unit labels still read as 12 px; on wide screens the CSS caps the width.
WIDTH, HEIGHT = 360, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 28
# Told apart by dash pattern as well as colour.
STYLES = (
    ("#1f5fa8", ""),
    ("#2e7d32", "6 3"),
    ("#b3261e", "2 3"),
    ("#6a3d9a", "8 3 2 3"),
)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    """One chart: an SVG image, and what the legend says of each series."""

    id: str
    title: str
    description: str
    svg: Markup
    legend: list[tuple[str, str, str]]  # (label, colour, dash)


def _scale(top: float) -> float:
    return top if top > 0 else 1.0


def _head(chart_id: str, title: str, description: str) -> str:
    return (
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def _axis(top: float, x_labels: tuple[str, str]) -> str:
    bottom = HEIGHT - BOTTOM
    return (
        f'<g class="axis" font-size="12" fill="currentColor">'
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="currentColor"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="currentColor"/>'
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end">{escape(_num(top))}</text>'
        f'<text x="{LEFT - 6}" y="{bottom}" text-anchor="end">0</text>'
        f'<text x="{LEFT}" y="{HEIGHT - 8}">{escape(x_labels[0])}</text>'
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">{escape(x_labels[1])}</text>'
        "</g>"
    )


def _svg(parts: list[str]) -> Markup:
    # Every text in it went through escape(); the rest is numbers and our tags.
    return Markup("".join(parts))  # noqa: S704


def _num(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
) -> Chart:
    """Lines over days; a missing value breaks the line (no data that day)."""
    top = _scale(max((v for s in series for v in s.values if v is not None), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(x_labels) - 1, 1)
    parts = [
        _head(chart_id, title, description),
        _axis(top, (x_labels[0], x_labels[-1])),
    ]
    legend = []
    for (colour, dash), one in zip(STYLES, series, strict=False):
        runs: list[list[str]] = [[]]
        for i, value in enumerate(one.values):
            if value is None:
                runs.append([])
                continue
            x = LEFT + i * step
            y = TOP + plot_h - value / top * plot_h
            runs[-1].append(f"{x:.1f},{y:.1f}")
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
            elif run:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                    f'stroke-dasharray="{dash}" points="{" ".join(run)}"/>'
                )
        legend.append((one.label, colour, dash))
    parts.append("</svg>")
    return Chart(chart_id, title, description, _svg(parts), legend)


def bar_chart(
    chart_id: str, title: str, description: str, bars: Sequence[tuple[str, int]]
) -> Chart:
    """Horizontal bars, each under its label, the figure at its end."""
    row = 36
    height = TOP + row * max(len(bars), 1)
    top = _scale(max((n for _, n in bars), default=0))
    plot_w = WIDTH - RIGHT - 40
    parts = [
        _head(chart_id, title, description).replace(
            f'viewBox="0 0 {WIDTH} {HEIGHT}"', f'viewBox="0 0 {WIDTH} {height}"'
        ),
        '<g font-size="12" fill="currentColor">',
    ]
    for i, (label, n) in enumerate(bars):
        y = TOP + i * row
        shown = label if len(label) <= 50 else label[:49] + "…"
        w = n / top * plot_w
        parts.append(
            f'<text x="0" y="{y + 10}">{escape(shown)}</text>'
            f'<rect x="0" y="{y + 15}" width="{w:.1f}" height="12" fill="{STYLES[0][0]}"/>'
            f'<text x="{w + 6:.1f}" y="{y + 25}">{n}</text>'
        )
    parts.append("</g></svg>")
    return Chart(chart_id, title, description, _svg(parts), [])
