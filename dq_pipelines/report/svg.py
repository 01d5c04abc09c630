"""Small inline SVG charts, drawn here so the page needs no script and no network.

Every chart is one `<svg>` whose data is drawn as `<path>` elements (a chart with no point
draws none: callers show "no runs yet" instead). Labels and tooltips are escaped.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

GOOD, WARN, BAD, MUTED, INK, GRID = "#2e7d32", "#e0a100", "#c62828", "#9e9e9e", "#37474f", "#e0e0e0"


@dataclass(frozen=True)
class Point:
    value: float | None  # None: nothing to plot at this position (drawn as a grey tick)
    tooltip: str
    color: str = INK


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _x_positions(n: int, left: float, right: float) -> list[float]:
    if n == 1:
        return [(left + right) / 2]
    step = (right - left) / (n - 1)
    return [left + i * step for i in range(n)]


def _line(xs: list[float], ys: list[float | None]) -> str:
    """A path through the plotted points; a gap (None) starts a new segment. One point alone
    is drawn as a short level stroke, so a first run still shows as a line."""
    plotted = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
    if len(plotted) == 1:
        ((x, y),) = plotted
        return f"M{_num(x - 8)} {_num(y)} L{_num(x + 8)} {_num(y)}"
    parts, pen_down = [], False
    for x, y in zip(xs, ys, strict=True):
        if y is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{_num(x)} {_num(y)}")
        pen_down = True
    return " ".join(parts)


def line_chart(
    points: Sequence[Point],
    label: str,
    *,
    y_max: float = 1.0,
    y_ticks: Sequence[tuple[float, str]] = ((0.0, "0%"), (0.5, "50%"), (1.0, "100%")),
    x_labels: tuple[str, str] = ("", ""),
    width: int = 400,
    height: int = 130,
) -> str:
    """A line over runs (oldest left) with a dot per run coloured by its outcome."""
    left, right, top, bottom = 40.0, width - 10.0, 10.0, height - 22.0
    scale = (bottom - top) / (y_max or 1.0)
    xs = _x_positions(len(points), left, right)
    ys = [None if p.value is None else bottom - min(p.value, y_max) * scale for p in points]
    body = []
    for value, text in y_ticks:
        y = bottom - value * scale
        body.append(
            f'<path d="M{_num(left)} {_num(y)} H{_num(right)}" stroke="{GRID}" fill="none"/>'
            f'<text x="{_num(left - 4)}" y="{_num(y + 4)}" text-anchor="end" '
            f'font-size="10" fill="{MUTED}">{escape(text)}</text>'
        )
    if any(y is not None for y in ys):
        body.append(f'<path d="{_line(xs, ys)}" stroke="{INK}" stroke-width="1.5" fill="none"/>')
    for x, y, p in zip(xs, ys, points, strict=True):
        mark = (
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{p.color}"/>'
            if y is not None  # no value (e.g. every check blocked): a grey dashed line across
            else f'<path d="M{_num(x)} {_num(top)} V{_num(bottom)}" stroke="{MUTED}" '
            'stroke-width="2" stroke-dasharray="4 3"/>'
            f'<circle cx="{_num(x)}" cy="{_num(bottom)}" r="3.5" fill="#fff" stroke="{MUTED}"/>'
        )
        body.append(f"<g><title>{escape(p.tooltip)}</title>{mark}</g>")
    for anchor, x, text in (("start", left, x_labels[0]), ("end", right, x_labels[1])):
        body.append(
            f'<text x="{_num(x)}" y="{height - 6}" text-anchor="{anchor}" font-size="10" '
            f'fill="{MUTED}">{escape(text)}</text>'
        )
    return _svg(width, height, label, body)


def sparkline(values: Sequence[float], label: str, *, width: int = 160, height: int = 34) -> str:
    """A tiny line of percentages (0 at the bottom, the series' own maximum at the top), with
    the last value marked."""
    if not values:
        raise ValueError(f"{label}: a sparkline needs at least one value")
    top, bottom, left, right = 4.0, height - 4.0, 3.0, width - 5.0
    peak = max(max(values), 1e-9)
    xs = _x_positions(len(values), left, right)
    ys: list[float | None] = [bottom - v / peak * (bottom - top) for v in values]
    path = _line(xs, ys)
    last_color = BAD if values and values[-1] > 0 else GOOD
    body = [
        f'<path d="M{_num(left)} {_num(bottom)} H{_num(right)}" stroke="{GRID}" fill="none"/>',
        f'<path d="{path}" stroke="{INK}" stroke-width="1.3" fill="none"/>',
        f'<circle cx="{_num(xs[-1])}" cy="{_num(ys[-1] or 0)}" r="2.5" fill="{last_color}"/>',
    ]
    return _svg(width, height, label, body)


def bar_chart(
    items: Sequence[tuple[str, float]],
    label: str,
    *,
    x_max: float = 1.0,
    width: int = 380,
    bar_height: int = 16,
) -> str:
    """Horizontal bars with their labels and values (values between 0 and `x_max`)."""
    left, right, gap = 120.0, width - 50.0, 6
    height = len(items) * (bar_height + gap) + gap
    body = []
    for i, (name, value) in enumerate(items):
        y = gap + i * (bar_height + gap)
        length = max(0.0, min(value, x_max)) / (x_max or 1.0) * (right - left)
        color = GOOD if value >= 0.8 * x_max else WARN if value >= 0.5 * x_max else BAD
        body.append(
            f'<text x="{_num(left - 6)}" y="{y + bar_height - 4}" text-anchor="end" '
            f'font-size="11" fill="{INK}">{escape(name)}</text>'
            f'<path d="M{_num(left)} {y} h{_num(max(length, 1.0))} v{bar_height} '
            f'h{_num(-max(length, 1.0))} Z" fill="{color}"><title>{escape(name)}: '
            f"{value:.3f}</title></path>"
            f'<text x="{_num(left + length + 4)}" y="{y + bar_height - 4}" font-size="11" '
            f'fill="{INK}">{value:.2f}</text>'
        )
    return _svg(width, height, label, body)
