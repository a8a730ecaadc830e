"""The dashboard's charts in templates (hazards/charts.py draws them)."""

from django import template

from .. import charts

register = template.Library()


@register.simple_tag
def progress_bar(percent, label, secondary=None):
    return charts.bar(percent, label, secondary=secondary)


@register.simple_tag
def coverage_strip(coverage, label):
    return charts.strip(coverage, label)


@register.simple_tag
def burn_down_chart(chart):
    return charts.burn_down(chart)
