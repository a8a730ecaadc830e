"""Reading what inspectors bring in: GPX tracks from phones, lines drawn on the map.

Everything is read and checked in full before anything is written; a bad
file gets one clear message and changes nothing. A GPX file is walked once
by expat (imports/xml.py: size, depth, element count, no DOCTYPE or entities)
before gpxpy builds anything from it.
"""

import datetime
import itertools
import json
from dataclasses import dataclass

import gpxpy
import gpxpy.gpx
import numpy as np
from django.conf import settings
from django.contrib.gis.geos import LineString, MultiLineString
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import geo
from . import xml


@dataclass(frozen=True)
class Track:
    """A checked track: the line walked, in WGS84, and when, if the file says."""

    line: MultiLineString
    name: str = ""  # what messages call it: the file's name, or "The line drawn on the map"
    times: tuple = ()  # an aware datetime (or None) per vertex, when the file has them
    started_at: object = None  # aware datetime or None
    ended_at: object = None
    moving_speed_kmh: float | None = None

    @property
    def point_count(self):
        return self.line.num_coords


def read_gpx(upload):
    """The track in a GPX upload, or ValidationError saying what is wrong with the file."""
    name = getattr(upload, "name", "GPX")
    text = _gpx_text(upload, name)
    try:
        gpx = gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ValueError, TypeError, AttributeError) as error:
        raise _unreadable(name, _short(error))
    segments = [
        [p for p in segment.points if p.latitude is not None and p.longitude is not None]
        for track in gpx.tracks
        for segment in track.segments
    ]
    segments = [points for points in segments if len(points) >= 2]
    if not segments:
        raise ValidationError(_no_track_message(gpx, name))
    count = sum(len(points) for points in segments)
    if count > settings.MAX_GPX_POINTS:
        raise ValidationError(
            _("%(name)s has %(count)s track points; at most %(max)s are accepted.")
            % {"name": name, "count": count, "max": settings.MAX_GPX_POINTS}
        )
    line = _checked_line([[(p.longitude, p.latitude) for p in points] for points in segments], name)
    times = _times([p.time for points in segments for p in points], name)
    known = [t for t in times if t is not None]
    return Track(
        line=line,
        name=name,
        times=tuple(times),
        started_at=min(known, default=None),
        ended_at=max(known, default=None),
        moving_speed_kmh=geo.moving_speed_kmh(line, times),
    )


def read_drawn_line(text, what=None):
    """A line drawn on the map, sent as GeoJSON (a LineString), checked like a GPX track."""
    what = what or _("The line drawn on the map")
    try:
        data = json.loads(text)
        if data.get("type") == "Feature":
            data = data["geometry"]
        if data.get("type") != "LineString":
            raise ValueError
        coords = [(float(lon), float(lat)) for lon, lat, *_rest in data["coordinates"]]
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):  # RecursionError: "[[[[…" nested deep
        raise ValidationError(_("%(what)s could not be read; draw it again.") % {"what": what})
    if len(set(coords)) < 2:
        raise ValidationError(_("%(what)s needs at least two points.") % {"what": what})
    if len(coords) > settings.MAX_GPX_POINTS:
        raise ValidationError(_("%(what)s has too many points.") % {"what": what})
    return Track(line=_checked_line([coords], what), name=what)


def check_patrol_track(track):
    """Refuse a track that no walker records, with where and why.

    A jump between consecutive points longer than PATROL_MAX_JUMP_M is a
    glitch or a line drawn back and forth, unless the times at its ends show
    it was walked (the phone lost the signal and the walker went on). A
    patrol longer than PATROL_MAX_TRACK_KM is several patrols. Coverage is
    sampled every 20 m along the track, so this also bounds what it costs.
    """
    steps = geo.steps_m(track.line)
    for i in np.flatnonzero(steps > settings.PATROL_MAX_JUMP_M):
        if not _walked(track.times, i, steps[i]):
            lon, lat = _vertex(track.line, i)
            raise ValidationError(
                _(
                    "%(name)s jumps %(km).1f km from its point %(n)s (latitude %(lat).5f, longitude %(lon).5f) to the "
                    "next, which no one walks. Consecutive points may be at most %(max).1f km apart, unless their "
                    "times show the gap was walked."
                )
                % {"name": track.name, "km": steps[i] / 1000, "n": i + 1, "lat": lat, "lon": lon,
                   "max": settings.PATROL_MAX_JUMP_M / 1000}
            )
    if steps.sum() > settings.PATROL_MAX_TRACK_KM * 1000:
        raise ValidationError(
            _("%(name)s is %(km).1f km long; a patrol track may be at most %(max)s km. Record each patrol on its own.")
            % {"name": track.name, "km": steps.sum() / 1000, "max": settings.PATROL_MAX_TRACK_KM}
        )


def _walked(times, i, metres):
    """Whether the times at both ends of the step from vertex i show it was covered on foot: a GPS gap, not a glitch."""
    if not times or times[i] is None or times[i + 1] is None:
        return False
    seconds = (times[i + 1] - times[i]).total_seconds()
    return seconds > 0 and metres / seconds * 3.6 <= settings.PATROL_MAX_WALKING_KMH


def _vertex(line, i):
    """The (lon, lat) of the i-th vertex of a line, all parts one after the other."""
    return next(itertools.islice((xy for part in line.coords for xy in part), i, None))


def _gpx_text(upload, name):
    try:
        checked = xml.read_checked(upload, kind="GPX", max_bytes=settings.MAX_GPX_BYTES)
    except xml.NotWellFormed as error:
        raise _unreadable(name, error.detail)
    if checked.root != "gpx":
        raise ValidationError(_("%(name)s is not a GPX file: it has no <gpx> element.") % {"name": name})
    try:
        return checked.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("%(name)s is not a GPX file: it is not text.") % {"name": name})


def _unreadable(name, detail):
    return ValidationError(
        _("%(name)s is not a GPX file we can read (%(detail)s). Export the track again from the phone app as GPX.")
        % {"name": name, "detail": detail}
    )


def _no_track_message(gpx, name):
    if gpx.waypoints or gpx.routes:
        return _(
            "%(name)s holds no track, only waypoints or a planned route. Export the recorded track (轨迹) instead."
        ) % {"name": name}
    return _("%(name)s holds no track points.") % {"name": name}


def _checked_line(parts, name):
    """A WGS84 MultiLineString from (lon, lat) parts, all in range and inside the district."""
    for part in parts:
        for lon, lat in part:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValidationError(
                    _("%(name)s has a point with impossible coordinates (latitude %(lat)s, longitude %(lon)s).")
                    % {"name": name, "lat": lat, "lon": lon}
                )
    line = MultiLineString(*(LineString(part, srid=geo.WGS84) for part in parts), srid=geo.WGS84)
    outside = geo.vertices_outside_district(line)
    if outside:
        lon, lat = outside[0]
        raise ValidationError(
            _(
                "%(count)s of the %(total)s points of %(name)s lie outside Tongzhou district, the first at "
                "latitude %(lat).5f, longitude %(lon).5f. Check that this is the right track."
            )
            % {"count": len(outside), "total": line.num_coords, "name": name, "lat": lat, "lon": lon}
        )
    return line


# No patrol here was recorded before 2000, nor after tomorrow: a time outside
# that is a phone's wrong clock or a crafted file (year 9999 overflowed when
# the date was made local). Tomorrow passes here, for Patrol.clean to say the
# date is in the future.
EARLIEST_TIME = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)


def _times(moments, name):
    """The points' times, aware and in UTC; ValidationError for one at which no patrol was walked."""
    after_tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    latest = timezone.make_aware(datetime.datetime.combine(after_tomorrow, datetime.time.min))
    times = [_aware(moment) for moment in moments]
    for moment, aware in zip(moments, times):
        if moment is not None and not (aware and EARLIEST_TIME <= aware < latest):
            raise ValidationError(
                _("%(name)s has a point timed %(time)s, when no patrol was walked. Check the phone's clock and "
                  "export the track again.") % {"name": name, "time": moment.isoformat()}
            )
    return times


def _aware(moment):
    """GPX times are UTC; a time without a zone is taken as UTC too. None without a time, or one UTC cannot hold."""
    if moment is None:
        return None
    try:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=datetime.timezone.utc)
        return moment.astimezone(datetime.timezone.utc)
    except OverflowError:  # 9999-12-31T20:00-08:00 is in year 10000 in UTC
        return None


def _short(error):
    text = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
    return text[:120]
