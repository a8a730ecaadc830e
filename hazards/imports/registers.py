"""Importing a register of hazards: read, map, check every row, then write all of it or nothing.

`plan_import` is the dry run: it reads the file, maps its columns and values,
places every row and applies the hazard's own rules (Hazard.clean_fields,
clean_rules, check_locations, derive_places: the same code a form goes
through, vectorised), and says what would be created, what updated (matched
by code) and which rows are bad, with row number, field and reason. It
writes nothing. `apply_import` writes a plan in one transaction, with the
history of each hazard saying who imported which file. Both report progress
through a callback, so that a background job can run them as they are.
"""

import copy
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy
from django.contrib.gis.geos import Point
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from .. import bulk, geo, tiles
from ..models import Hazard, ImportRecord, River, check_locations, derive_places
from ..reports.csv_export import FORMULA_START
from . import coords, mapping, ogr, tabular
from .files import FileRefused, opened

READERS = {
    "xlsx": tabular.read_xlsx, "csv": tabular.read_csv, "geojson": ogr.read_geojson, "kml": ogr.read_kml,
    "kmz": ogr.read_kml, "shapefile": ogr.read_shapefile, "gpkg": ogr.read_gpkg,
}
# What an import sets on a hazard; everything else is derived (Hazard.save) or kept.
IMPORTED_FIELDS = ("title", "river", "location", "kind", "in_main_channel", "blockage_pct", "risk_override",
                   "risk_override_reason", "status", "responsible_unit", "description", "interim_measure")
DERIVED_FIELDS = ("chainage_m", "offset_m", "bank", "risk_level", "village", "town", "map_x", "map_y")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
CHAINAGE = re.compile(r"^\s*[Kk]\s*(\d+)\s*\+\s*(\d+(?:\.\d+)?)\s*$")
BATCH = 1000
# A file whose points sit this far from the rivers, but close once converted from a web map's
# coordinates, was most likely copied from that map (GCJ-02 is about 500 m off here).
SHIFT_SUSPECT_M = 150
SHIFT_SAMPLE = 1000


@dataclass
class Options:
    mapping: dict | None = None  # {header: field}; None: matched automatically (mapping.auto_mapping)
    srid: int | None = None  # the coordinates' EPSG code, when the file does not say or says wrong
    shift: str = ""  # "gcj02" or "bd09": coordinates copied from a Chinese web map, to convert
    skip_bad_rows: bool = False


@dataclass
class Problem:
    row: int | None  # None: the file as a whole
    field: str
    reason: str


@dataclass
class Plan:
    """What an import would do: the dry run's report, and what apply_import writes."""

    file_name: str
    file_format: str
    file_sha256: str
    headers: list
    mapping: dict
    options: Options
    srid: int | None = None
    rows_read: int = 0
    creates: list = field(default_factory=list)  # [(row number, unsaved Hazard)]
    updates: list = field(default_factory=list)  # [(row number, Hazard, [changed field names])]
    unchanged: list = field(default_factory=list)  # [(row number, code)]
    problems: list = field(default_factory=list)  # [Problem]
    warnings: list = field(default_factory=list)
    row_names: dict = field(default_factory=dict)  # row number -> (code, title) as the file gives them

    @property
    def bad_rows(self):
        return sorted({p.row for p in self.problems if p.row is not None})

    @property
    def refused(self):
        """The file as a whole cannot be imported."""
        return any(p.row is None for p in self.problems)

    @property
    def can_apply(self):
        if self.refused or not (self.creates or self.updates):
            return False
        return self.options.skip_bad_rows or not self.problems

    def as_report(self):
        """The report as plain data: what a page shows, what is downloaded and kept with the import."""
        return {
            "file": self.file_name, "format": self.file_format, "sha256": self.file_sha256,
            "rows": self.rows_read, "crs": self.srid, "shift": self.options.shift,
            "skip_bad_rows": self.options.skip_bad_rows,
            "mapping": {header: target for header, target in self.mapping.items()},
            "creates": [{"row": n, "code": h.code or "", "title": h.title, "river": h.river.code,
                         "chainage": h.chainage} for n, h in self.creates],
            "updates": [{"row": n, "code": h.code, "title": h.title, "changed": changed}
                        for n, h, changed in self.updates],
            "unchanged": [{"row": n, "code": code} for n, code in self.unchanged],
            "problems": [{"row": p.row, "field": p.field, "reason": p.reason,
                          "code": self.row_names.get(p.row, ("", ""))[0], "title": self.row_names.get(p.row, ("", ""))[1]}
                         for p in self.problems],
            "warnings": list(self.warnings),
        }


def noop_progress(done, total, stage):
    pass


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(source, options, *, user, name=None, dry_run=False, progress=noop_progress):
    """Check a file and, unless dry_run or it is refused, import it: (plan, ImportRecord or None)."""
    try:
        with opened(source, name) as upload:
            plan = plan_import(upload, options, progress=progress)
    except FileRefused as error:
        plan = Plan(file_name=Path(name or getattr(source, "name", None) or str(source)).name, file_format="",
                    file_sha256="", headers=[], mapping={}, options=options)
        plan.problems.append(Problem(None, "", " ".join(error.messages)))
    if dry_run or not plan.can_apply:
        return plan, None
    try:
        return plan, apply_import(plan, user=user, progress=progress)
    except ValidationError as error:
        plan.problems.append(Problem(None, "", " ".join(error.messages)))
        return plan, None


def plan_import(upload, options, progress=noop_progress):
    """The dry run for a checked upload (files.opened): nothing is written."""
    plan = Plan(file_name=upload.name, file_format=upload.format, file_sha256=sha256_of(upload.path), headers=[],
                mapping={}, options=options)
    try:
        table = READERS[upload.format](upload)
    except (FileRefused, ValidationError) as error:
        plan.problems.append(Problem(None, "", " ".join(error.messages)))
        return plan
    plan.headers, plan.rows_read, plan.warnings = table.headers, len(table.rows), list(table.warnings)
    plan.mapping = _checked_mapping(options.mapping, table, plan)
    if plan.refused:
        return plan
    progress(0, len(table.rows), "read")
    rows = _convert_rows(table, plan)
    progress(len(table.rows) // 3, len(table.rows), "checked values")
    _place(rows, table, plan)
    progress(2 * len(table.rows) // 3, len(table.rows), "placed")
    _check_and_sort(rows, plan)
    progress(len(table.rows), len(table.rows), "checked")
    return plan


def _checked_mapping(chosen, table, plan):
    """The mapping in force: the user's, else the automatic one; the file is refused without what a hazard needs."""
    found = dict(chosen) if chosen is not None else mapping.auto_mapping(table.headers)
    found = {header: target for header, target in found.items() if header in table.headers and target in mapping.FIELDS}
    targets = set(found.values())
    if len(targets) < len(found):
        plan.problems.append(Problem(None, "", _("Two columns are mapped to the same field; map each field once.")))
    missing = [str(mapping.FIELDS[name][0]) for name in ("title", "kind") if name not in targets]
    has_place = table.has_geometry or {"longitude", "latitude"} <= targets or {"river", "chainage"} <= targets
    if not has_place:
        missing.append(_("Longitude and latitude, or river and chainage"))
    if missing:
        plan.problems.append(Problem(None, "", _("No column holds: %(fields)s. Name the columns, or map them by hand.")
                                     % {"fields": ", ".join(missing)}))
    return found


@dataclass
class _Row:
    number: int
    values: dict  # field -> converted value
    xy: tuple | None = None  # source coordinates
    hazard: Hazard | None = None
    problems: list = field(default_factory=list)
    given_risk: str = ""


def _convert_rows(table, plan):
    """Each row's values converted to the hazard's fields, or the problems found."""
    by_field = {target: header for header, target in plan.mapping.items()}
    maps, rivers = mapping.value_maps(), mapping.river_map()
    converted = []
    for row in table.rows:
        out = _Row(number=row.number, values={}, problems=list(row.problems))
        for target, header in by_field.items():
            raw = row.values.get(header)
            if isinstance(raw, float) and raw.is_integer() and target not in ("longitude", "latitude"):
                raw = int(raw)
            text = "" if raw is None else str(raw).strip()
            try:
                value = _convert(target, raw, text, maps, rivers)
            except ValidationError as error:
                out.problems.append((header, " ".join(error.messages)))
                continue
            if value is not None:
                out.values[target] = value
        if row.geometry is not None:
            out.xy = _point_of(row.geometry, out)
        converted.append(out)
    return converted


def _convert(target, raw, text, maps, rivers):
    """One cell as the field's value; None when empty (the field keeps its default or current value)."""
    if text == "":
        return None
    if target in maps:
        value = maps[target].get(mapping.normalise(text))
        if value is None:
            raise ValidationError(_unknown(target, text))
        return value
    if target == "river":
        river = rivers.get(mapping.normalise(text))
        if river is None:
            raise ValidationError(_("Unknown river “%(value)s”: use one of %(rivers)s.") % {
                "value": text, "rivers": "、".join(sorted({r.name_zh for r in rivers.values()}))})
        return river
    if target == "chainage":
        return _chainage(raw, text)
    if target in ("longitude", "latitude"):
        return _number(raw, text)
    if target == "blockage_pct":
        value = _number(raw, text.rstrip("%％").strip())
        if not 0 <= value <= 100:
            raise ValidationError(_("The blocked share must be between 0 and 100 %%, not %(value)s.") % {"value": text})
        return value
    if text[:1] == "'" and text[1:2] in FORMULA_START:
        text = text[1:]  # our own CSV and XLSX guard such text against becoming a formula
    if target == "code":
        if not CODE.match(text):
            raise ValidationError(_("“%(value)s” is not a code: up to 16 letters, digits, - or _.") % {"value": text})
        return text
    return text


def _unknown(target, text):
    labels = {"kind": Hazard.Kind, "status": Hazard.Status, "risk_level": Hazard.RiskLevel,
              "risk_override": Hazard.RiskLevel}
    if target == "in_main_channel":
        return _("“%(value)s” is not yes or no (是/否).") % {"value": text}
    choices = "、".join(str(label) for _value, label in labels[target].choices)
    return _("Unknown %(field)s “%(value)s”: use one of %(choices)s.") % {
        "field": str(mapping.FIELDS[target][0]).lower(), "value": text, "choices": choices}


def _number(raw, text):
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    else:
        try:
            value = float(text.replace(",", "").replace("°", ""))
        except ValueError:
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": text})
    if not numpy.isfinite(value):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text})
    return value


def _chainage(raw, text):
    """Metres from K12+350, 12+350 or 12350."""
    match = CHAINAGE.match(text) or re.match(r"^\s*(\d+)\s*\+\s*(\d+(?:\.\d+)?)\s*$", text)
    if match:
        return int(match.group(1)) * 1000 + float(match.group(2))
    try:
        value = _number(raw, text)
    except ValidationError:
        raise ValidationError(_("“%(value)s” is not a chainage such as K12+350.") % {"value": text})
    if value < 0:
        raise ValidationError(_("“%(value)s” is not a chainage such as K12+350.") % {"value": text})
    return value


def _point_of(geometry, row):
    """A hazard is a point: a line or area stands for the point on it nearest its middle, and says so."""
    if geometry.empty:
        row.problems.append(("geometry", _("The geometry is empty.")))
        return None
    if not geometry.valid:
        row.problems.append(("geometry", _("The geometry is invalid: %(reason)s") % {"reason": geometry.valid_reason}))
        return None
    if geometry.geom_type == "MultiPoint" and len(geometry) == 1:
        geometry = geometry[0]
    if geometry.geom_type != "Point":
        geometry = geometry.point_on_surface
    x, y = geometry.x, geometry.y
    if not (numpy.isfinite(x) and numpy.isfinite(y)):
        row.problems.append(("geometry", _("The geometry has no usable coordinates.")))
        return None
    return (x, y)


def _place(rows, table, plan):
    """Coordinates in WGS 84 for every row that has them: reprojected, swapped axes righted, web-map shifts undone."""
    srid = plan.options.srid or table.srid
    if plan.options.srid and table.srid and plan.options.srid != table.srid:
        plan.warnings.append(_("The file says its coordinates are in %(file)s; they were read as %(chosen)s, as asked.")
                             % {"file": _crs_name(table.srid), "chosen": _crs_name(plan.options.srid)})
    for row in rows:
        if row.xy is None and "longitude" in row.values and "latitude" in row.values:
            row.xy = (row.values["longitude"], row.values["latitude"])
        elif row.xy is None and ("longitude" in row.values) != ("latitude" in row.values):
            row.problems.append(("longitude" if "latitude" in row.values else "latitude",
                                 _("Give both longitude and latitude, or neither.")))
    located = [row for row in rows if row.xy is not None and not row.problems]
    if srid is None:
        srid = geo.WGS84
        if located:
            plan.warnings.append(_("The file does not say its coordinate system: read as WGS 84 (longitude, latitude)."))
    plan.srid = srid
    if srid in geo.OLD_DATUM_CRS:
        plan.warnings.append(_("%(crs)s has no exact transformation to WGS 84: positions may be off by up to 100 m.")
                             % {"crs": _crs_name(srid)})
    if not located:
        return
    xy = numpy.array([row.xy for row in located], dtype=float)
    projected = srid not in (geo.WGS84, 4490, 4214, 4610)
    if projected and numpy.median(xy[:, 0]) > numpy.median(xy[:, 1]):
        # Chinese surveyors write X for the northing and Y for the easting.
        xy = xy[:, ::-1]
        plan.warnings.append(_("X and Y were read as northing and easting, as Chinese surveys write them."))
    try:
        lonlat = geo.transform_xy(xy, srid, geo.WGS84) if srid != geo.WGS84 else xy
    except Exception as error:  # GDAL's errors for coordinates outside the CRS's domain
        plan.problems.append(Problem(None, "", _("The coordinates cannot be converted from %(crs)s (%(detail)s).")
                                     % {"crs": _crs_name(srid), "detail": error}))
        return
    if plan.options.shift:
        lonlat = coords.TO_WGS84[plan.options.shift](lonlat)
    else:
        _warn_if_shifted(lonlat, plan)
    for row, (lon, lat) in zip(located, lonlat):
        row.xy = (float(lon), float(lat))


def _crs_name(srid):
    return f"EPSG:{srid} {geo.FILE_CRS.get(srid, '')}".strip()


def _warn_if_shifted(lonlat, plan):
    """Warn when the points sit off the rivers by about what a Chinese web map shifts them."""
    plausible = lonlat[(numpy.abs(lonlat[:, 0]) <= 180) & (numpy.abs(lonlat[:, 1]) <= 90)]
    plausible = plausible[:: max(1, len(plausible) // SHIFT_SAMPLE)]  # a sample tells as well as the whole
    if not len(plausible):
        return
    rivers = list(River.objects.all())
    if not rivers:
        return

    def median_offset(points):
        xy = geo.metric_xy(points)
        return float(numpy.median(numpy.min([geo.offsets_xy(r.centerline, xy) for r in rivers], axis=0)))

    as_given = median_offset(plausible)
    if as_given < SHIFT_SUSPECT_M:
        return
    for shift, label in (("gcj02", _("GCJ-02 (Amap, Tencent)")), ("bd09", _("BD-09 (Baidu)"))):
        converted = median_offset(coords.TO_WGS84[shift](plausible))
        if converted < as_given / 2:
            plan.warnings.append(_(
                "The points lie %(given).0f m from the rivers on average (median), but only %(converted).0f m once "
                "converted from %(label)s: they look copied from a web map. Import them again with that conversion."
            ) % {"given": as_given, "converted": converted, "label": label})
            return


def _check_and_sort(rows, plan):
    """Build the hazards, apply the model's rules to all at once, and sort rows into creates, updates, problems."""
    codes = [row.values["code"] for row in rows if "code" in row.values]
    existing = {h.code: h for h in Hazard.objects.filter(code__in=codes).select_related("river")}
    first_row = {}
    candidates = []
    for row in rows:
        code = row.values.get("code")
        if code:
            if code in first_row:
                row.problems.append(("code", _("The code %(code)s is also on row %(row)s of this file.")
                                     % {"code": code, "row": first_row[code]}))
            first_row.setdefault(code, row.number)
        if row.problems:
            continue
        row.hazard = _hazard_for(row, existing.get(code), plan)
        if row.hazard is not None:
            candidates.append(row)
    located = [row for row in candidates if row.hazard.location is not None]
    errors = check_locations([row.hazard for row in located])
    for index, error in errors.items():
        located[index].problems.append(("location", " ".join(error.messages)))
    good = [row for row in candidates if not row.problems]
    if good:
        derive_places([row.hazard for row in good])
    for row in good:
        _note_risk(row, plan)
        before = existing.get(row.hazard.code)
        if before is None:
            plan.creates.append((row.number, row.hazard))
            continue
        changed = _changed_fields(before, row.hazard)
        if changed:
            plan.updates.append((row.number, row.hazard, changed))
        else:
            plan.unchanged.append((row.number, row.hazard.code))
    for row in rows:
        if row.problems:
            plan.row_names[row.number] = (str(row.values.get("code", "")), str(row.values.get("title", "")))
        for column, reason in row.problems:
            plan.problems.append(Problem(row.number, _column(plan, column), reason))
    plan.problems.sort(key=lambda p: (p.row is not None, p.row or 0))


def _column(plan, name):
    """A problem's column as the user knows it: the file's header, else the field's name."""
    by_field = {target: header for header, target in plan.mapping.items()}
    if name == "location":
        headers = [by_field[f] for f in ("longitude", "latitude", "chainage") if f in by_field]
        return ", ".join(headers[:2]) if headers and plan.file_format in ("csv", "xlsx") else str(_("geometry"))
    if name == "geometry":
        return str(_("geometry"))
    if name in by_field:
        return by_field[name]
    try:
        return str(Hazard._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _hazard_for(row, current, plan):
    """The hazard the row describes (the current one updated, or a new one), with the field rules applied."""
    values = dict(row.values)
    row.given_risk = values.pop("risk_level", "")
    chainage = values.pop("chainage", None)
    values.pop("longitude", None), values.pop("latitude", None)
    code = values.pop("code", "")
    hazard = copy.copy(current) if current else Hazard(code=code or "")
    for name, value in values.items():
        setattr(hazard, name, value)
    if row.xy is not None:
        hazard.location = Point(*row.xy, srid=geo.WGS84)
    elif chainage is not None and hazard.river_id:
        if chainage > hazard.river.length_m:
            row.problems.append(("chainage", _("The %(river)s is only %(km).1f km long here.")
                                 % {"river": hazard.river.name, "km": hazard.river.length_m / 1000}))
            return None
        hazard.location = hazard.river.point_at(chainage)
    elif current is None:
        row.problems.append(("location", _("No position: give longitude and latitude, or river and chainage.")))
        return None
    if row.given_risk:
        # The file's risk level stands where it differs from the rule, as a manual level with its reason.
        if row.given_risk != hazard.computed_risk_level():
            hazard.risk_override = row.given_risk
            if not hazard.risk_override_reason.strip():
                hazard.risk_override_reason = _("As given in %(file)s, row %(row)s.") % {
                    "file": plan.file_name, "row": row.number}
        elif "risk_override" not in row.values:
            hazard.risk_override = ""
    try:
        hazard.clean_fields(exclude=["code", "location", "river", *DERIVED_FIELDS, "reported_by", "patrol"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            row.problems.append((name, " ".join(messages)))
    for name, message in hazard.clean_rules().items():
        row.problems.append((name, str(message)))
    return None if row.problems else hazard


def _note_risk(row, plan):
    """Say where the file's risk level differs from the rule and was kept as a manual level."""
    hazard = row.hazard
    if row.given_risk and hazard.risk_override and hazard.risk_override_reason.startswith(
        _("As given in %(file)s, row %(row)s.") % {"file": plan.file_name, "row": row.number}
    ):
        plan.warnings.append(_("Row %(row)s: the file's risk level (%(given)s) differs from the rule's (%(rule)s); "
                               "it is kept as a manual level.") % {
            "row": row.number, "given": hazard.get_risk_override_display(),
            "rule": Hazard.RiskLevel(hazard.computed_risk_level()).label})


def _changed_fields(before, after):
    changed = []
    for name in IMPORTED_FIELDS:
        attribute = "river_id" if name == "river" else name
        old, new = getattr(before, attribute), getattr(after, attribute)
        if name == "location":
            if max(abs(old.x - new.x), abs(old.y - new.y)) > 5e-8:  # about half a centimetre
                changed.append(name)
        elif old != new:
            changed.append(name)
    return changed


def apply_import(plan, *, user, progress=noop_progress):
    """Write what the plan says, all in one transaction: the hazards, their history and the import's record.

    Raises ValidationError (and writes nothing) when the database changed since the dry run so that the
    plan no longer holds, e.g. a code taken meanwhile.
    """
    creates = [hazard for _n, hazard in plan.creates]
    updates = [hazard for _n, hazard, _changed in plan.updates]
    total = len(creates) + len(updates)
    try:
        with transaction.atomic():
            record = ImportRecord.objects.create(
                kind=ImportRecord.Kind.HAZARDS, file_name=plan.file_name[:255], file_format=plan.file_format,
                file_sha256=plan.file_sha256, imported_by=user, created_count=len(creates),
                updated_count=len(updates), skipped_count=len(plan.bad_rows), report=plan.as_report(),
            )
            _assign_codes(creates)
            reason = record.change_reason
            for start in range(0, len(creates), BATCH):
                bulk.create_with_history(creates[start:start + BATCH], Hazard, user=user, reason=reason,
                                         batch_size=BATCH)
                progress(start + len(creates[start:start + BATCH]), total, "written")
            _check_versions(updates)
            now = timezone.now()
            for hazard in updates:
                hazard.updated_at, hazard.version = now, hazard.version + 1
            fields = [name for name in IMPORTED_FIELDS + DERIVED_FIELDS + ("updated_at", "version")]
            for start in range(0, len(updates), BATCH):
                bulk_update_with_history(updates[start:start + BATCH], Hazard, fields=sorted(set(fields)),
                                         batch_size=BATCH, default_user=user, default_change_reason=reason)
                progress(len(creates) + start + len(updates[start:start + BATCH]), total, "written")
            record.report = plan.as_report()  # now with the codes given to new hazards
            record.save(update_fields=["report"])
            tiles.hazards_changed()  # bulk writes send no signals: the map's cached tiles are stale
    except IntegrityError as error:
        raise ValidationError(_("The import was undone, nothing was written: the register changed while it ran "
                                "(%(detail)s). Run the dry run again.") % {"detail": str(error)[:120]})
    return record


def _check_versions(hazards):
    """Like every save of a hazard (models.Versioned): refuse if any changed since the dry run read it."""
    seen = {hazard.pk: hazard.version for hazard in hazards}
    now = dict(Hazard.objects.select_for_update().filter(pk__in=seen).values_list("pk", "version"))
    changed = sorted(hazard.code for hazard in hazards if now.get(hazard.pk) != seen[hazard.pk])
    if changed:
        raise ValidationError(_("The import was undone, nothing was written: %(codes)s changed since the dry run. "
                                "Run the dry run again.") % {"codes": ", ".join(changed[:10])})


def _assign_codes(hazards):
    """New codes, per river, after the highest already used (Hazard.next_code, for many at once)."""
    next_number = {}
    for hazard in hazards:
        if hazard.code:
            continue
        prefix = f"{hazard.river.code_prefix}-"
        if prefix not in next_number:
            taken = list(Hazard.objects.filter(code__startswith=prefix).values_list("code", flat=True))
            taken += [h.code for h in hazards if h.code.startswith(prefix)]
            next_number[prefix] = max((int(c[len(prefix):]) for c in taken if c[len(prefix):].isdigit()), default=0) + 1
        hazard.code = f"{prefix}{next_number[prefix]:03d}"
        next_number[prefix] += 1
