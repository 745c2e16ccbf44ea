"""A small SVG chart builder for the dashboard: stacked bar charts and line charts, drawn on the server,
so a phone needs no JavaScript and the page loads nothing from outside.

Contract:
- ``bar_chart(...)`` and ``line_chart(...)`` return one ``<svg>`` element as a SafeString. Every piece
  of text that goes into it (title, description, series labels, axis labels, tooltips) is escaped
  here, so callers may pass user text (a unit's name) as it is.
- The drawing scales to its container (``viewBox``, ``width="100%"``); its coordinates are sized for a
  phone's 360 px screen, so the text stays readable there.
- Each column of the x axis is a group whose ``<title>`` lists every value of that column (the tooltip
  on hover or tap); the values are printed on the drawing too (the column total above a stacked bar;
  the first two series of a line chart above and below their points).
- A value of ``None`` in a line chart is a gap (e.g. no report was expected that month).
"""

import math
from dataclasses import dataclass
from html import escape

from django.utils.safestring import mark_safe

WIDTH = 320
PLOT_HEIGHT = 130
LEGEND_ROW = 16
FONT = 11
SMALL = 10
CHAR_WIDTH = 6.2  # an estimate of a glyph's width at FONT in the system sans fonts, for the layout

# Colour-blind friendly, and distinct in grey print; the first is the app's green.
PALETTE = ("#1b6e4a", "#e69f00", "#3b82c4", "#b4467e")
# The same hues dark enough for small text on white.
TEXT_PALETTE = ("#1b6e4a", "#8a5300", "#1f5f9e", "#8c2f5f")
INK, MUTED, GRID, BAND = "#1d2320", "#5d6862", "#d7ddd9", "#e9efeb"
DASHES = ("", "5 3", "2 2", "8 3 2 3")


@dataclass(frozen=True)
class Tick:
    """One column of the x axis: the lines written under it (short month, year) and its full name
    (for the tooltip)."""

    lines: tuple
    full: str


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple


def _e(text):
    return escape(str(text), quote=True)


def _fmt(value):
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return str(int(value))


def nice_scale(largest, steps=4):
    """(top, step) of a y axis holding `largest` in at most `steps` whole steps of 1, 2 or 5 x 10^n."""
    if not largest or largest <= 0:
        return steps, 1
    magnitude = 10 ** max(0, math.floor(math.log10(largest / steps)))
    for factor in (1, 2, 5, 10):
        step = factor * magnitude
        if step * steps >= largest:
            return step * math.ceil(largest / step), step
    raise AssertionError("unreachable")  # pragma: no cover


class _Canvas:
    """The shared frame of both charts: legend, y axis with grid lines, x axis labels, the band of the
    highlighted column."""

    def __init__(self, *, ident, title, desc, ticks, series, top, step, suffix, highlight, highlight_label):
        self.ident, self.title, self.desc = ident, title, desc
        self.ticks, self.series = ticks, series
        self.top, self.step, self.suffix = top, step, suffix
        self.highlight, self.highlight_label = highlight, highlight_label
        self.parts = []
        legend_rows = self._legend_layout()
        self.plot_top = 6 + LEGEND_ROW * len(legend_rows) + 12
        widest = max(len(f"{_fmt(top)}{suffix}"), 1)
        self.x0 = round(widest * SMALL * 0.6 + 8)
        self.plot_w = WIDTH - self.x0 - 6
        self.base = self.plot_top + PLOT_HEIGHT
        self.slot = self.plot_w / max(len(ticks), 1)
        self.height = (
            self.base + 16 + 12 * max((len(t.lines) for t in ticks), default=1) + (12 if highlight_label else 0)
        )
        self._legend = legend_rows

    # -- layout ------------------------------------------------------------------------------------

    def _legend_layout(self):
        rows, row, x = [], [], 4
        for index, s in enumerate(self.series):
            width = 14 + len(s.label) * CHAR_WIDTH + 12
            if row and x + width > WIDTH:
                rows.append(row)
                row, x = [], 4
            row.append((index, s, x))
            x += width
        if row:
            rows.append(row)
        return rows

    def y(self, value):
        return self.base - (value / self.top) * PLOT_HEIGHT if self.top else self.base

    def cx(self, index):
        return self.x0 + self.slot * (index + 0.5)

    # -- drawing -----------------------------------------------------------------------------------

    def frame(self, marker):
        """Legend, band, grid and axis labels; `marker(index, x, y)` draws a legend key."""
        p = self.parts
        for r, row in enumerate(self._legend):
            y = 6 + r * LEGEND_ROW
            for index, s, x in row:
                p.append(marker(index, x, y))
                p.append(f'<text x="{x + 14:.1f}" y="{y + 9}" font-size="{FONT}" fill="{INK}">{_e(s.label)}</text>')
        if self.highlight is not None:
            left = self.x0 + self.slot * self.highlight
            p.append(
                f'<rect x="{left:.1f}" y="{self.plot_top}" width="{self.slot:.1f}" height="{PLOT_HEIGHT}" '
                f'fill="{BAND}"/>'
            )
        value = 0
        while value <= self.top:
            y = self.y(value)
            p.append(
                f'<line x1="{self.x0}" x2="{self.x0 + self.plot_w:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{INK if value == 0 else GRID}" stroke-width="1"/>'
            )
            p.append(
                f'<text x="{self.x0 - 4}" y="{y + 3.5:.1f}" font-size="{SMALL}" fill="{MUTED}" '
                f'text-anchor="end">{_e(_fmt(value) + self.suffix)}</text>'
            )
            value += self.step
        for index, tick in enumerate(self.ticks):
            for line_no, line in enumerate(tick.lines):
                if not line:
                    continue
                size, colour = (FONT, INK) if line_no == 0 else (SMALL, MUTED)
                p.append(
                    f'<text x="{self.cx(index):.1f}" y="{self.base + 14 + 12 * line_no}" font-size="{size}" '
                    f'fill="{colour}" text-anchor="middle">{_e(line)}</text>'
                )
        if self.highlight is not None and self.highlight_label:
            # Right-aligned under the highlighted column: the label is wider than one column.
            anchor_x = min(self.cx(self.highlight) + self.slot / 2, WIDTH - 2)
            lines = max(len(t.lines) for t in self.ticks)
            p.append(
                f'<text x="{anchor_x:.1f}" y="{self.base + 14 + 12 * lines}" font-size="{SMALL}" fill="{MUTED}" '
                f'font-style="italic" text-anchor="end">{_e(self.highlight_label)}</text>'
            )

    def column_title(self, index, extra=""):
        tick = self.ticks[index]
        values = ", ".join(
            f"{s.label} {_fmt(s.values[index])}{self.suffix if s.values[index] is not None else ''}"
            for s in self.series
        )
        note = f" ({self.highlight_label})" if index == self.highlight and self.highlight_label else ""
        return f"<title>{_e(f'{tick.full}{note}: {values}{extra}')}</title>"

    def hit_area(self, index):
        left = self.x0 + self.slot * index
        return (
            f'<rect x="{left:.1f}" y="{self.plot_top}" width="{self.slot:.1f}" height="{PLOT_HEIGHT}" '
            'fill="#fff" fill-opacity="0"/>'
        )

    def svg(self):
        ident = _e(self.ident)
        return mark_safe(
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {self.height:.0f}" '
            f'width="100%" role="img" aria-labelledby="{ident}-t {ident}-d">'
            f'<title id="{ident}-t">{_e(self.title)}</title><desc id="{ident}-d">{_e(self.desc)}</desc>'
            + "".join(self.parts)
            + "</svg>"
        )


def _check(ticks, series):
    for s in series:
        if len(s.values) != len(ticks):
            raise ValueError(f"Seri {s.label!r}: {len(s.values)} nilai untuk {len(ticks)} kolom.")


def bar_chart(*, ident, title, desc, ticks, series, highlight=None, highlight_label="", suffix=""):
    """Stacked bars, one per tick; the column total printed above its bar."""
    _check(ticks, series)
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(ticks))]
    top, step = nice_scale(max(totals, default=0))
    c = _Canvas(
        ident=ident, title=title, desc=desc, ticks=ticks, series=series, top=top, step=step, suffix=suffix,
        highlight=highlight, highlight_label=highlight_label,
    )  # fmt: skip

    def key(index, x, y):
        return f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[index % len(PALETTE)]}"/>'

    c.frame(key)
    bar_w = c.slot * 0.62
    # The month still running is drawn lighter: its numbers are not final.
    running = ' fill-opacity="0.6"'
    for i, total in enumerate(totals):
        part = [f'<g class="col">{c.column_title(i, f"; jumlah {_fmt(total)}" if len(series) > 1 else "")}']
        part.append(c.hit_area(i))
        y = c.base
        for index, s in enumerate(series):
            value = s.values[i] or 0
            if value <= 0:
                continue
            h = value / top * PLOT_HEIGHT
            part.append(
                f'<rect x="{c.cx(i) - bar_w / 2:.1f}" y="{y - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[index % len(PALETTE)]}"{running if i == highlight else ""}/>'
            )
            y -= h
        if total:
            part.append(
                f'<text x="{c.cx(i):.1f}" y="{y - 3:.1f}" font-size="{SMALL}" fill="{INK}" '
                f'text-anchor="middle" font-weight="700">{_e(_fmt(total))}</text>'
            )
        part.append("</g>")
        c.parts.append("".join(part))
    return c.svg()


def _marker(index, x, y, colour, size=3.2):
    shape = index % 3
    if shape == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size}" fill="{colour}"/>'
    if shape == 1:
        return (
            f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" height="{2 * size:.1f}" '
            f'fill="{colour}"/>'
        )
    d = size * 1.3
    return (
        f'<path d="M{x:.1f} {y - d:.1f}L{x + d:.1f} {y:.1f}L{x:.1f} {y + d:.1f}L{x - d:.1f} {y:.1f}Z" fill="{colour}"/>'
    )


def line_chart(*, ident, title, desc, ticks, series, top=None, highlight=None, highlight_label="", suffix=""):
    """One line per series (gaps where a value is None). `top` fixes the y axis (100 for percents)."""
    _check(ticks, series)
    if top is None:
        top, step = nice_scale(max((v for s in series for v in s.values if v is not None), default=0))
    else:
        step = top / 4
    c = _Canvas(
        ident=ident, title=title, desc=desc, ticks=ticks, series=series, top=top, step=step, suffix=suffix,
        highlight=highlight, highlight_label=highlight_label,
    )  # fmt: skip

    def key(index, x, y):
        colour = PALETTE[index % len(PALETTE)]
        dash = f' stroke-dasharray="{DASHES[index % len(DASHES)]}"' if DASHES[index % len(DASHES)] else ""
        return (
            f'<line x1="{x}" x2="{x + 10}" y1="{y + 5}" y2="{y + 5}" stroke="{colour}" stroke-width="2"{dash}/>'
            + _marker(index, x + 5, y + 5, colour, 2.6)
        )

    c.frame(key)
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        path, pen_down = [], False
        for i, value in enumerate(s.values):
            if value is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{c.cx(i):.1f} {c.y(value):.1f}")
            pen_down = True
        if path:
            dash = f' stroke-dasharray="{DASHES[index % len(DASHES)]}"' if DASHES[index % len(DASHES)] else ""
            c.parts.append(f'<path d="{"".join(path)}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
    for i in range(len(ticks)):
        part = [f'<g class="col">{c.column_title(i)}', c.hit_area(i)]
        for index, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            colour = PALETTE[index % len(PALETTE)]
            y = c.y(value)
            part.append(_marker(index, c.cx(i), y, colour))
            # The first series is labelled above its points, the second below them where there is room
            # above the axis and the number differs (the caller puts the higher series first, e.g. sent
            # above approved); every value is in the column's tooltip and in the table anyway.
            if index == 0:
                label_y = y - 6
            elif index == 1 and y + 14 <= c.base - 2 and value != series[0].values[i]:
                label_y = y + 14
            else:
                label_y = None
            if label_y is not None:
                part.append(
                    f'<text x="{c.cx(i):.1f}" y="{label_y:.1f}" font-size="{SMALL}" '
                    f'fill="{TEXT_PALETTE[index % len(TEXT_PALETTE)]}" '
                    f'text-anchor="middle">{_e(_fmt(value))}</text>'
                )
        part.append("</g>")
        c.parts.append("".join(part))
    return c.svg()
