"""Responsible persons from the spreadsheets offices keep (XLSX or CSV): one row per person and place.

The file is bounded and read like a register (files.opened, tabular: title rows
above the header skipped, UTF-8 or GBK). Columns are matched by header in
Chinese or English (FIELDS). A person is known by name and mobile phone: a
second row for them names another place, not another person. Every row is
checked by the models' own rules before anything is written; with any bad row
nothing is (all or nothing), and each bad row is listed with its number,
column and reason.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Hazard, Responsibility, ResponsiblePerson, Village, WorkOrder
from ..models.response import PHONE
from ..response import current_season
from . import files, tabular
from .mapping import normalise, river_map
from .registers import _chainage

FIELDS = {
    "name": (gettext_lazy("Name"), "姓名 责任人 责任人姓名 联系人"),
    "unit": (gettext_lazy("Unit"), "单位 工作单位 所在单位 所属单位"),
    "position": (gettext_lazy("Position"), "职务 职位"),
    "mobile": (gettext_lazy("Mobile phone"), "手机 手机号 手机号码 联系电话 移动电话 mobile phone"),
    "backup_phone": (gettext_lazy("Backup phone"), "备用电话 备用手机 座机 办公电话"),
    "email": (gettext_lazy("E-mail"), "邮箱 电子邮箱 email e-mail"),
    "trained_on": (gettext_lazy("Trained on"), "培训日期 培训时间 trained"),
    "leads_unit": (gettext_lazy("Leads the unit"), "单位负责人 是否单位负责人 leader"),
    "role": (gettext_lazy("Role"), "责任人类型 责任类型 责任人类别 类别 角色 role"),
    "season": (gettext_lazy("Flood season"), "年度 汛期 年份 season year"),
    "hazard": (gettext_lazy("Hazard code"), "碍洪点编号 点位编号 编号 hazard code"),
    "river": (gettext_lazy("River"), "河道 河流 河道名称 river"),
    "start": (gettext_lazy("From chainage"), "起点桩号 起始桩号 起点 from"),
    "end": (gettext_lazy("To chainage"), "终点桩号 止点桩号 终点 to"),
    "village": (gettext_lazy("Village"), "村庄 村 行政村 村名 village"),
    "work_order": (gettext_lazy("Works order"), "工单 工单号 工程编号 work order"),
    "username": (gettext_lazy("Floodwatch user"), "登录名 用户名 账号 username"),
}
ROLE_WORDS = {
    "administrative": "行政 行政责任人 administrative",
    "technical": "技术 技术责任人 technical",
    "patrol": "巡查 巡查责任人 巡河 巡河员 patrol",
    "evacuation": "转移 转移负责人 转移责任人 evacuation evacuation lead",
}
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _names():
    names = {}
    for name, (label, words) in FIELDS.items():
        for word in [name, str(label), *words.split()]:
            names.setdefault(normalise(word), name)
    return names


def match_header(header):
    return _names().get(normalise(header))


@dataclass
class Plan:
    """What an import would do: the rows read, new and known people, new and known responsibilities, bad rows."""

    name: str
    rows: int = 0
    people: dict = field(default_factory=dict)  # (name, mobile): ResponsiblePerson, saved or not
    responsibilities: list = field(default_factory=list)  # new Responsibility objects
    known: int = 0  # responsibilities already on record
    bad: list = field(default_factory=list)  # (row number, column, message)

    @property
    def new_people(self):
        return sum(1 for person in self.people.values() if person.pk is None)

    def as_report(self):
        return {"name": self.name, "rows": self.rows, "new_people": self.new_people,
                "known_people": len(self.people) - self.new_people, "new_responsibilities": len(self.responsibilities),
                "known_responsibilities": self.known, "bad": self.bad}


def read(source, name=None):
    """The file as a plan of what it would import (nothing written)."""
    with files.opened(source, name) as upload:
        if upload.format not in ("xlsx", "csv"):
            raise files.FileRefused(_("Responsible persons come from a spreadsheet: XLSX or CSV."))
        reader = tabular.read_xlsx if upload.format == "xlsx" else tabular.read_csv
        table = reader(upload, match=match_header)
    columns = {header: match_header(header) for header in table.headers if match_header(header)}
    plan = Plan(name=upload.name, rows=len(table.rows))
    missing = [str(FIELDS[f][0]) for f in ("name", "unit", "mobile", "role") if f not in columns.values()]
    if missing:
        raise files.FileRefused(_("%(name)s has no column for: %(fields)s.") % {"name": upload.name,
                                                                                 "fields": ", ".join(missing)})
    context = _Context.load()
    for row in table.rows:
        values = {columns[h]: _text(v) for h, v in row.values.items() if h in columns}
        values["_raw_trained_on"] = next((v for h, v in row.values.items() if columns.get(h) == "trained_on"), None)
        try:
            _plan_row(plan, values, context)
        except ValidationError as error:
            for column, messages in (error.message_dict.items() if hasattr(error, "error_dict") else [("", error.messages)]):
                label = str(FIELDS[column][0]) if column in FIELDS else ""
                plan.bad.extend((row.number, label, message) for message in messages)
    return plan


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _Context:
    """What rows point at, read once."""

    @classmethod
    def load(cls):
        context = cls()
        context.rivers = river_map()
        context.villages = {}
        for village in Village.objects.select_related("town"):
            for key in (village.code, village.name_zh, village.name_en):
                if key:
                    context.villages.setdefault(normalise(key), []).append(village)
        context.people = {(p.name, _digits(p.mobile)): p for p in ResponsiblePerson.objects.all()}
        context.existing = set(Responsibility.objects.values_list(
            "person", "role", "season", "hazard", "river", "start_m", "end_m", "village", "work_order"))
        context.season = current_season()
        return context


def _digits(phone):
    return re.sub(r"\D", "", phone)


def _plan_row(plan, values, context):
    errors = {}
    person = _person(values, context, plan, errors)
    item = Responsibility(role=_role(values, errors), season=_season(values, context, errors))
    _place(item, values, context, errors)
    if errors:
        raise ValidationError(errors)
    item.person = person
    try:
        item.clean()
        item.clean_fields(exclude=["person"])
    except ValidationError as error:
        raise ValidationError(_by_column(error))
    key = (person.pk, item.role, item.season, item.hazard_id, item.river_id, item.start_m, item.end_m, item.village_id,
           item.work_order_id)
    if person.pk is not None and key in context.existing:
        plan.known += 1
    elif not any(_same(item, other) for other in plan.responsibilities):
        plan.responsibilities.append(item)


def _same(item, other):
    fields = ("role", "season", "hazard_id", "river_id", "start_m", "end_m", "village_id", "work_order_id")
    return other.person is item.person and all(getattr(item, f) == getattr(other, f) for f in fields)


def _by_column(error):
    places = {"hazard": "hazard", "river": "river", "start_m": "start", "end_m": "end", "village": "village",
              "work_order": "work_order", "role": "role", "season": "season"}
    if not hasattr(error, "error_dict"):
        return {"": error.messages}
    return {places.get(name, name): messages for name, messages in error.message_dict.items()}


def _person(values, context, plan, errors):
    name, mobile = values.get("name", ""), values.get("mobile", "")
    for column, text in (("name", name), ("unit", values.get("unit", "")), ("mobile", mobile)):
        if not text:
            errors[column] = _("This is needed.")
    key = (name, _digits(mobile))
    person = plan.people.get(key) or context.people.get(key)
    if person is None:
        person = ResponsiblePerson(name=name, mobile=mobile)
    person.unit = values.get("unit") or person.unit
    for column in ("position", "backup_phone", "email"):
        if values.get(column):
            setattr(person, column, values[column])
    if values.get("leads_unit"):
        person.leads_unit = normalise(values["leads_unit"]) in YES
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = _("“%(value)s” is not an e-mail address.") % {"value": values["email"]}
    if values.get("trained_on"):
        person.trained_on = _date(values["_raw_trained_on"], values["trained_on"], errors)
    if values.get("username"):
        person.user = User.objects.filter(username=values["username"]).first()
        if person.user is None:
            errors["username"] = _("No Floodwatch user is called “%(value)s”.") % {"value": values["username"]}
    for column in ("mobile", "backup_phone"):
        if getattr(person, column):
            try:
                PHONE(getattr(person, column))
            except ValidationError as error:
                errors[column] = error.messages
    if not errors:
        try:
            person.clean_fields(exclude=["user"])
            person.clean()
        except ValidationError as error:
            errors.update(error.message_dict)
    if not errors:
        plan.people[key] = person
    return person


def _date(raw, text, errors):
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    match = DATE_TEXT.match(text)
    try:
        if match:
            return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        pass
    errors["trained_on"] = _("“%(value)s” is not a date such as 2026-04-15.") % {"value": text}
    return None


def _role(values, errors):
    text = normalise(values.get("role", ""))
    for role, words in ROLE_WORDS.items():
        if text in {normalise(word) for word in words.split()} | {normalise(Responsibility.Role(role).label)}:
            return role
    errors["role"] = _("Unknown role “%(value)s”: use 行政, 技术, 巡查 or 转移.") % {"value": values.get("role", "")}
    return ""


def _season(values, context, errors):
    text = values.get("season", "").removesuffix("年").removesuffix("年度")
    if not text:
        return context.season
    if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    errors["season"] = _("“%(value)s” is not a year such as 2027.") % {"value": values["season"]}
    return None


def _place(item, values, context, errors):
    if values.get("hazard"):
        item.hazard = Hazard.objects.filter(code=values["hazard"]).first()
        if item.hazard is None:
            errors["hazard"] = _("No hazard has the code “%(value)s”.") % {"value": values["hazard"]}
    if values.get("river"):
        item.river = context.rivers.get(normalise(values["river"]))
        if item.river is None:
            errors["river"] = _("Unknown river “%(value)s”.") % {"value": values["river"]}
        for column, attribute in (("start", "start_m"), ("end", "end_m")):
            try:
                setattr(item, attribute, _chainage(values.get(column, ""), values.get(column, "")) if values.get(column)
                        else None)
            except ValidationError as error:
                errors[column] = error.messages
    if values.get("village"):
        found = context.villages.get(normalise(values["village"]), [])
        if len(found) != 1:
            errors["village"] = (_("No village is called “%(value)s”.") if not found else
                                 _("Several villages are called “%(value)s”: use its statistics code.")) % {
                "value": values["village"]}
        else:
            item.village = found[0]
    if values.get("work_order"):
        number = values["work_order"].lstrip("#")
        item.work_order = WorkOrder.objects.filter(pk=int(number)).first() if number.isascii() and number.isdigit() \
            and len(number) < 10 else None
        if item.work_order is None:
            errors["work_order"] = _("No works order has the number “%(value)s”.") % {"value": values["work_order"]}


def apply(plan, user):
    """Write what the plan says, all at once; refused if it has bad rows."""
    if plan.bad:
        raise ValidationError(_("The file has bad rows: nothing was imported."))
    with transaction.atomic():
        for person in plan.people.values():
            person._history_user = user
            person.updated_at = timezone.now()
            person.save()
        for item in plan.responsibilities:
            item._history_user = user
            item.save()
    return plan
