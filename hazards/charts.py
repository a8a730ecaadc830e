"""Charts drawn on the server as SVG, for the dashboard page and its PDF alike: no script, readable in print
(strokes and labels, never colour alone), the same picture on screen and on paper."""

import datetime
import itertools

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

INK, MUTED, GRID, DONE, TODO, NEEDED = "#1d2733", "#4d5966", "#d9dee4", "#0d3b66", "#e4e9ee", "#b00020"


def bar(percent, label, *, secondary=None):
    """A progress bar: `percent` filled dark; `secondary`, if given, a thinner bar beneath (e.g. weighted
    progress under the share cleared). Read by a screen reader as its label."""
    percent = round(max(0.0, min(100.0, float(percent or 0))), 2)
    parts = [format_html('<rect x="0" y="0" width="100" height="{}" fill="{}"/>', 6 if secondary is not None else 10,
                         TODO),
             format_html('<rect x="0" y="0" width="{}" height="{}" fill="{}"/>', percent,
                         6 if secondary is not None else 10, DONE)]
    if secondary is not None:
        secondary = round(max(0.0, min(100.0, float(secondary))), 2)
        parts += [format_html('<rect x="0" y="7.5" width="100" height="2.5" fill="{}"/>', TODO),
                  format_html('<rect x="0" y="7.5" width="{}" height="2.5" fill="{}"/>', secondary, "#4a90d9")]
    return format_html('<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="{}">'
                       '<title>{}</title>{}</svg>', label, label, mark_safe("".join(parts)))


_patterns = itertools.count(1)


def strip(coverage, label):
    """A river's patrol coverage, upstream (left) to downstream: covered stretches dark, gaps hatched."""
    length = coverage.length_m or 1
    pattern = f"gap-{next(_patterns)}"  # ids are unique in a page
    covered = format_html_join("", '<rect x="{}" y="0" width="{}" height="10" fill="#1a7a3f"/>',
                               ((round(100 * a / length, 3), round(100 * (b - a) / length, 3)) for a, b in coverage.covered))
    return format_html(
        '<svg class="strip-svg" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="{}"><title>{}</title>'
        '<defs><pattern id="{}" width="2" height="2" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="2" height="2" fill="#fbe3e0"/><line x1="0" y1="0" x2="0" y2="2" stroke="#c0392b" stroke-width=".5"/>'
        '</pattern></defs><rect x="0" y="0" width="100" height="10" fill="url(#{})"/>{}</svg>',
        label, label, pattern, pattern, covered)


def burn_down(chart, width=640, height=260):
    """Open hazards day by day (solid), and the pace that leaves none open at the deadline (dashed), with the
    deadline and today marked and labelled."""
    left, right, top, bottom = 44, 16, 14, 34
    first, last = chart.start, max(chart.deadline, chart.today)
    span = max(1, (last - first).days)
    peak = max([n for _day, n in chart.points] + [chart.open_now, 1])
    ceiling = _nice(peak)

    def x(day):
        return round(left + (width - left - right) * (day - first).days / span, 1)

    def y(n):
        return round(top + (height - top - bottom) * (1 - n / ceiling), 1)

    out = [format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="#fff" stroke="{}"/>', left, top,
                       width - left - right, height - top - bottom, GRID)]
    for tick in _ticks(ceiling):
        out.append(format_html('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
                               '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>',
                               left, width - right, y(tick), y(tick), GRID, left - 5, round(y(tick) + 4, 1), MUTED, tick))
    month = datetime.date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            out.append(format_html('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
                                   '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>',
                                   x(month), x(month), height - bottom, height - bottom + 4, MUTED, round(x(month) + 2, 1),
                                   height - bottom + 15, MUTED, month.strftime("%Y-%m") if month.month == 1
                                   else month.strftime("%m")))
        month = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    actual = " ".join(f"{x(day)},{y(n)}" for day, n in chart.points)
    out.append(format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>', actual, DONE))
    if chart.deadline >= chart.today:
        out.append(format_html('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2" '
                               'stroke-dasharray="6 4"/>', x(chart.today), y(chart.open_now), x(chart.deadline), y(0),
                               NEEDED))
    for day, text, anchor in ((chart.today, _("today"), "end"), (chart.deadline, _("the flood season starts"), "end")):
        out.append(format_html('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-dasharray="2 2"/>'
                               '<text x="{}" y="{}" text-anchor="{}" font-size="11" fill="{}">{} {}</text>',
                               x(day), x(day), top, height - bottom, INK, round(x(day) - 3, 1), top + 12, anchor, INK, text,
                               day.strftime("%m-%d")))
    legend_y = height - 4
    out.append(format_html(
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2.5"/><text x="{}" y="{}" font-size="11" '
        'fill="{}">{}</text><line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2" stroke-dasharray="6 4"/>'
        '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>',
        left, left + 22, legend_y - 4, legend_y - 4, DONE, left + 27, legend_y, INK, _("open hazards"),
        left + 150, left + 172, legend_y - 4, legend_y - 4, NEEDED, left + 177, legend_y, INK,
        _("pace that clears them by the flood season")))
    label = _("%(open)s hazards open; %(pace)s a week to clear by %(deadline)s") % {
        "open": chart.open_now, "pace": chart.per_week_needed, "deadline": chart.deadline.isoformat()}
    return format_html('<svg class="burn-down" viewBox="0 0 {} {}" role="img" aria-label="{}"><title>{}</title>{}</svg>',
                       width, height, label, label, mark_safe("".join(out)))


def _nice(n):
    """A round ceiling above n for an axis."""
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000, 100_000):
        if n <= step * 5:
            return step * -(-n // step) if n % step else n if n else step
    return n


def _ticks(ceiling, count=5):
    step = max(1, ceiling // count)
    return list(range(0, ceiling + 1, step))

