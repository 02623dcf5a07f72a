"""Small inline SVG charts for the monthly report.

Hand-written on purpose: the charts must be self-contained (no script, no
CDN) and small-number suppression has to happen in the drawing itself: a
count of 1–4 is drawn as the same hatched 「5未満」 bar whatever its value, so
neither the label nor the bar's height tells the number. Chart libraries
that render SVG draw bars from the true value and (pygal) link a tooltip
script from the web by default.
"""

from __future__ import annotations

from html import escape

from .report import SUPPRESS_BELOW, SUPPRESSED, is_suppressed, suppress

FONT = "'Noto Sans CJK JP','Noto Sans JP',sans-serif"
PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#718096", "#b7791f")
_HATCH = (
    '<defs><pattern id="{id}" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#edf2f7"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#a0aec0" stroke-width="3"/></pattern></defs>'
)
_counter = {"n": 0}


def _id(prefix: str) -> str:
    _counter["n"] += 1
    return f"{prefix}{_counter['n']}"


def _svg(width: int, height: int, body: list[str], title: str, hatch: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{FONT}" font-size="12">'
        f"<title>{escape(title)}</title>{_HATCH.format(id=hatch)}{''.join(body)}</svg>"
    )


def _text(
    x: float,
    y: float,
    text: str,
    anchor: str = "start",
    size: int = 12,
    fill: str = "#1a202c",
    weight: str = "normal",
    cls: str = "",
) -> str:
    """A label; cls="count" marks a (suppressed) count, cls="axis" an axis tick."""
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text{klass} x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}">{escape(text)}</text>'
    )


def _empty_note(width: int, y: float) -> str:
    return _text(width / 2, y, "この月のデータはありません", "middle", 14, "#718096")


def _drawn(value: int) -> int:
    """Height a bar is drawn at: suppressed counts all look the same."""
    return SUPPRESS_BELOW if is_suppressed(value) else value


def hbar_chart(title: str, labels: list[str], values: list[int], width: int = 720, color: str = PALETTE[0]) -> str:
    """Horizontal bars, one per label, with the (suppressed) count at the end."""
    hatch = _id("h")
    row, left, top = 26, min(300, 12 + max((len(label) for label in labels), default=4) * 13), 28
    height = top + max(len(labels), 1) * row + 16
    body = [_text(0, 16, title, size=14, weight="bold")]
    if not labels or not any(values):
        body.append(_empty_note(width, top + 24))
        return _svg(width, max(height, 70), body, title, hatch)
    scale = (width - left - 90) / max(_drawn(v) for v in values)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        w = _drawn(value) * scale
        fill = f"url(#{hatch})" if is_suppressed(value) else color
        body.append(_text(left - 8, y + 16, label, "end"))
        body.append(
            f'<rect x="{left}" y="{y + 4}" width="{max(w, 1):.1f}" height="{row - 8}" fill="{fill}">'
            f"<title>{escape(label)}: {suppress(value)}</title></rect>"
        )
        body.append(_text(left + w + 6, y + 16, suppress(value), cls="count"))
    return _svg(width, height, body, title, hatch)


def grouped_bar_chart(
    title: str, groups: list[str], series: list[tuple[str, list[int]]], width: int = 720, height: int = 300
) -> str:
    """Vertical bars: one group per x label (e.g. a month), one bar per series (e.g. a route)."""
    hatch = _id("g")
    left, right, top, bottom = 48, 12, 52, 40
    body = [_text(0, 16, title, size=14, weight="bold")]
    for i, (name, _) in enumerate(series):  # legend
        x = 4 + i * 130
        body.append(f'<rect x="{x}" y="26" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        body.append(_text(x + 16, 37, name, size=11))
    plot_h = height - top - bottom
    all_values = [_drawn(v) for _, vals in series for v in vals]
    peak = max(all_values, default=0)
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#4a5568"/>')
    if peak == 0:
        body.append(_empty_note(width, top + plot_h / 2))
        peak = 1
    group_w = (width - left - right) / max(len(groups), 1)
    bar_w = max(min((group_w - 10) / max(len(series), 1), 40), 2)
    for g, label in enumerate(groups):
        gx = left + g * group_w
        body.append(_text(gx + group_w / 2, top + plot_h + 18, label, "middle", 11))
        for s, (name, values) in enumerate(series):
            value = values[g]
            if not value:
                continue
            h = _drawn(value) * plot_h / peak
            x = gx + 5 + s * bar_w
            fill = f"url(#{hatch})" if is_suppressed(value) else PALETTE[s % len(PALETTE)]
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{fill}"><title>{escape(label)} {escape(name)}: {suppress(value)}</title></rect>'
            )
            body.append(_text(x + bar_w / 2 - 1, top + plot_h - h - 3, suppress(value), "middle", 9, cls="count"))
    return _svg(width, height, body, title, hatch)


def heatmap(title: str, rows: list[str], matrix: list[list[int]], width: int = 760) -> str:
    """Weekday x hour grid; darker = more. Every cell is labelled (suppressed when small)."""
    hatch = _id("m")
    left, top, cell_w, cell_h = 28, 40, (width - 28) / 24, 26
    height = top + len(rows) * cell_h + 24
    peak = max((v for r in matrix for v in r), default=0)
    body = [_text(0, 16, title, size=14, weight="bold")]
    for h in range(24):
        body.append(_text(left + h * cell_w + cell_w / 2, top - 6, str(h), "middle", 10, "#4a5568", cls="axis"))
    for d, (label, values) in enumerate(zip(rows, matrix, strict=True)):
        y = top + d * cell_h
        body.append(_text(left - 8, y + cell_h / 2 + 4, label, "end"))
        for h, v in enumerate(values):
            x = left + h * cell_w
            if v == 0:
                fill, ink = "#f7fafc", "#a0aec0"
            elif is_suppressed(v):
                fill, ink = f"url(#{hatch})", "#2d3748"
            else:
                share = v / peak
                fill = f"rgb({int(235 - 200 * share)},{int(244 - 160 * share)},{int(255 - 90 * share)})"
                ink = "#ffffff" if share > 0.55 else "#1a202c"
            text = SUPPRESSED if is_suppressed(v) else str(v)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w - 1:.1f}" height="{cell_h - 1}" fill="{fill}">'
                f"<title>{escape(label)} {h}時: {text}</title></rect>"
            )
            body.append(
                _text(x + cell_w / 2, y + cell_h / 2 + 3, text, "middle", 8 if len(text) > 3 else 9, ink, cls="count")
            )
    if peak == 0:
        mid = top + len(rows) * cell_h / 2
        body.append(
            f'<rect x="{width / 2 - 130}" y="{mid - 20}" width="260" height="30" fill="#ffffff" '
            'stroke="#cbd5e0" rx="4"/>'
        )
        body.append(_empty_note(width, mid))
    body.append(_text(left, height - 6, "時（0〜23時、日本時間）", size=10, fill="#4a5568"))
    return _svg(width, height, body, title, hatch)
