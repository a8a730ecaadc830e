"""The flood season calendar: Beijing's 汛期 runs 1 June to 15 September (settings); its main flood season
(主汛期, "七下八上") 20 July to 10 August."""

import datetime

from django.conf import settings
from django.utils import timezone


def season_in_view(today=None):
    """(end of the previous flood season, start of the one readiness is judged for).

    Until this year's season ends (FLOOD_SEASON_END) readiness is judged for
    this year's season; after that, for next year's.
    """
    today = today or timezone.localdate()
    year = today.year if today <= _on(today.year, settings.FLOOD_SEASON_END) else today.year + 1
    return _on(year - 1, settings.FLOOD_SEASON_END), _on(year, settings.FLOOD_SEASON_START)


def season_year(today=None):
    """The year of the flood season in view: the one responsible persons are named for now."""
    return season_in_view(today)[1].year


def _on(year, month_day):
    month, day = (int(part) for part in month_day.split("-"))
    return datetime.date(year, month, day)


def flood_season_start(today=None):
    """The start of the next flood season, or of this one if it starts today."""
    today = today or timezone.localdate()
    start = _on(today.year, settings.FLOOD_SEASON_START)
    return start if today <= start else _on(today.year + 1, settings.FLOOD_SEASON_START)


def days_to_flood_season(today=None):
    today = today or timezone.localdate()
    return (flood_season_start(today) - today).days


def in_flood_season(today=None):
    """True from the flood season's first day to its last (1 June to 15 September)."""
    today = today or timezone.localdate()
    return _on(today.year, settings.FLOOD_SEASON_START) <= today <= _on(today.year, settings.FLOOD_SEASON_END)


MAIN_SEASON = ("07-20", "08-10")  # 七下八上: the last third of July and the first of August


def main_flood_season_start(today=None):
    """The start of the next main flood season (20 July), or of this one while it lasts."""
    today = today or timezone.localdate()
    end = _on(today.year, MAIN_SEASON[1])
    year = today.year if today <= end else today.year + 1
    return _on(year, MAIN_SEASON[0])


def days_to_main_flood_season(today=None):
    """Days until the main flood season starts: 0 while it is under way."""
    today = today or timezone.localdate()
    return max(0, (main_flood_season_start(today) - today).days)
