"""Gauge readings from a CSV file: no telemetry feed reaches Floodwatch, so the stations' exports are the path in.

One reading a line: the station (its code or name), the time, the value (water
level in metres, or the hour's rain in millimetres). The file is bounded and
read like a register (UTF-8 or GBK, a title above the header skipped). Every
line is checked first; with any bad line nothing is written. A line already on
record with the same value is skipped, so a file can be imported again.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Gauge, GaugeReading
from . import files, tabular
from .mapping import normalise

HEADERS = {
    "gauge": "gauge station code 站码 测站编码 测站代码 站名 测站 测站名称 站点",
    "time": "time observed observed_at 时间 观测时间 日期时间 时间戳",
    "value": "value reading 水位 雨量 降雨量 数值 读数 观测值",
}
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M",
                "%Y-%m-%dT%H:%M:%S")


def match_header(header):
    key = normalise(header)
    return next((name for name, words in HEADERS.items() if key in {normalise(w) for w in words.split()}), None)


@dataclass
class Plan:
    name: str
    readings: list = field(default_factory=list)  # GaugeReading objects to write, oldest first
    unchanged: int = 0
    bad: list = field(default_factory=list)  # (line, column, message)


def read(source, name=None, now=None):
    """The file as the readings it would add (nothing written)."""
    with files.opened(source, name) as upload:
        if upload.format != "csv":
            raise files.FileRefused(_("Gauge readings come as a CSV file."))
        table = tabular.read_csv(upload, match=match_header)
    columns = {match_header(h): h for h in table.headers if match_header(h)}
    missing = [name for name in HEADERS if name not in columns]
    if missing:
        raise files.FileRefused(_("%(name)s needs the columns station, time and value (站码, 时间, 水位 or 雨量).")
                                % {"name": upload.name})
    gauges = {}
    for gauge in Gauge.objects.all():
        gauges.setdefault(normalise(gauge.code), gauge)
        gauges.setdefault(normalise(gauge.name), gauge)
    plan, seen = Plan(name=upload.name), set()
    for row in table.rows:
        for problem in row.problems:
            plan.bad.append((row.number, "", problem[1]))
        values = {key: row.values.get(header) for key, header in columns.items()}
        reading = _reading(values, gauges, row.number, plan, now or timezone.now())
        if reading is None:
            continue
        key = (reading.gauge.pk, reading.observed_at)
        if key in seen:
            plan.bad.append((row.number, _("time"), _("A second reading of this station at this time.")))
            continue
        seen.add(key)
        plan.readings.append(reading)
    _skip_recorded(plan)
    plan.readings.sort(key=lambda r: r.observed_at)
    return plan


def _reading(values, gauges, number, plan, now):
    text = str(values["gauge"] or "").strip()
    gauge = gauges.get(normalise(text)) if text else None
    if gauge is None:
        plan.bad.append((number, _("station"), _("No gauge is called “%(value)s”.") % {"value": text}))
        return None
    observed_at = _time(values["time"])
    if observed_at is None or observed_at > now + datetime.timedelta(minutes=5):
        plan.bad.append((number, _("time"), _("“%(value)s” is not a time such as 2026-07-28 20:00, or it is in the "
                                               "future.") % {"value": values["time"]}))
        return None
    try:
        value = float(str(values["value"]).strip())
    except ValueError:
        value = math.nan
    reading = GaugeReading(gauge=gauge, observed_at=observed_at, value=value, source=GaugeReading.Source.CSV)
    if not math.isfinite(value):
        plan.bad.append((number, _("value"), _("“%(value)s” is not a number.") % {"value": values["value"]}))
        return None
    problems = reading.check_value()
    if problems:
        plan.bad.append((number, _("value"), problems["value"]))
        return None
    return reading


def _time(raw):
    if isinstance(raw, datetime.datetime):
        moment = raw
    else:
        text = str(raw or "").strip()
        moment = None
        for pattern in TIME_FORMATS:
            try:
                moment = datetime.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if moment is None or moment.year < 2000:
            return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _skip_recorded(plan):
    """Readings already on record: the same value is skipped, a different one is a bad line."""
    if not plan.readings:
        return
    times = [r.observed_at for r in plan.readings]
    recorded = {(g, t): v for g, t, v in GaugeReading.objects.filter(
        gauge__in={r.gauge_id for r in plan.readings}, observed_at__gte=min(times), observed_at__lte=max(times)
    ).values_list("gauge", "observed_at", "value")}
    keep = []
    for reading in plan.readings:
        old = recorded.get((reading.gauge_id, reading.observed_at))
        if old is None:
            keep.append(reading)
        elif old == reading.value:
            plan.unchanged += 1
        else:
            plan.bad.append(("", _("value"), _("%(gauge)s at %(time)s is already recorded as %(old)s.") % {
                "gauge": reading.gauge.name, "time": timezone.localtime(reading.observed_at).strftime("%Y-%m-%d %H:%M"),
                "old": old}))
    plan.readings = keep


def check(plan):
    if plan.bad:
        raise ValidationError(_("The file has bad lines: nothing was imported."))
