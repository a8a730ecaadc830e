"""The flood response: responsible persons (防汛责任人), obstruction owners (设障者), warnings and response levels
(预警与应急响应) with their checklists, calls that must be confirmed (叫应), notices, evacuations under way (转移避险)."""

import datetime

from django.conf import settings
from django.contrib.gis.db import models
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import geo
from .places import River, Town, Village
from .readiness import EvacuationPlan, Shelter
from .register import Hazard
from .text import TEXT_MAX_LENGTH
from .versioned import Versioned
from .works import WorkOrder

PHONE = RegexValidator(r"^\+?[0-9][0-9 \-]{2,30}$", _("A phone number: digits, spaces and dashes, e.g. 138 0000 0101."))
# A village has no more people than this: larger counts are typing mistakes.
PEOPLE = [MinValueValidator(0), MaxValueValidator(200_000)]
SEASONS = [MinValueValidator(2000), MaxValueValidator(2100)]
CALL_OUT_SALT = "floodwatch.response.call-out"
# A call's link works this long: through any response (2023's lasted days, not weeks), not for ever.
CALL_LINK_MAX_AGE_S = 30 * 24 * 3600


def check_stretch(river, start_m, end_m):
    """A stretch of river (chainage A to B) as {field: message}; empty if it is one."""
    if river is None:
        return {"river": _("Choose the river of the stretch.")}
    if start_m is None or end_m is None:
        return {"start_m": _("Give the chainages the stretch runs from and to.")}
    if not 0 <= start_m < end_m <= river.length_m + 1:
        return {"end_m": _("The stretch must run downstream, within the river's %(km).1f km.") % {"km": river.length_m / 1000}}
    return {}


class Bilingual(models.Model):
    """Text written in Chinese and English; `text` follows the UI language."""

    text_zh = models.CharField(_("text (Chinese)"), max_length=300)
    text_en = models.CharField(_("text (English)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def text(self):
        if (get_language() or "").startswith("en") and self.text_en:
            return self.text_en
        return self.text_zh

    def __str__(self):
        return self.text


# Responsible persons ----------------------------------------------------------------------------

class ResponsiblePerson(models.Model):
    """A flood-control responsible person (防汛责任人): named for points, stretches, villages and works sites.

    A person need not be a Floodwatch user; when they are, calls and escalations
    also reach their in-app list. Phones are shown only to those allowed to see
    them (roles.may_see_phones).
    """

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="responsible_persons",
        verbose_name=_("Floodwatch user"),
    )
    unit = models.CharField(_("unit"), max_length=200)
    position = models.CharField(_("position"), max_length=100, blank=True)
    leads_unit = models.BooleanField(
        _("leads the unit"), default=False, help_text=_("Calls that the unit's people leave unconfirmed are escalated to them."))
    mobile = models.CharField(_("mobile phone"), max_length=40, validators=[PHONE])
    backup_phone = models.CharField(_("backup phone"), max_length=40, blank=True, validators=[PHONE])
    email = models.EmailField(_("e-mail"), blank=True)
    trained_on = models.DateField(_("trained on"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["unit", "name", "id"]
        verbose_name = _("responsible person")
        verbose_name_plural = _("responsible persons")

    def __str__(self):
        return f"{self.name} ({self.unit})"

    def get_absolute_url(self):
        return reverse("hazards:person", args=[self.pk])

    def clean(self):
        if self.trained_on and self.trained_on > timezone.localdate():
            raise ValidationError({"trained_on": _("The training date is in the future.")})


class Responsibility(models.Model):
    """A person named for a role at one place for one flood season: a hazard, a stretch of river (chainage A to B),
    a village or a works site."""

    class Role(models.TextChoices):
        ADMINISTRATIVE = "administrative", pgettext_lazy("responsible role", "Administrative")
        TECHNICAL = "technical", pgettext_lazy("responsible role", "Technical")
        PATROL = "patrol", pgettext_lazy("responsible role", "Patrol")
        EVACUATION = "evacuation", pgettext_lazy("responsible role", "Evacuation lead")

    person = models.ForeignKey(ResponsiblePerson, on_delete=models.CASCADE, related_name="responsibilities",
                               verbose_name=_("person"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    season = models.PositiveSmallIntegerField(_("flood season"), validators=SEASONS)
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, null=True, blank=True, related_name="responsibilities",
                               verbose_name=_("hazard"))
    river = models.ForeignKey(River, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                              verbose_name=_("river"))
    start_m = models.FloatField(_("from chainage (m)"), null=True, blank=True)
    end_m = models.FloatField(_("to chainage (m)"), null=True, blank=True)
    village = models.ForeignKey(Village, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="responsibilities", verbose_name=_("village"))
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="responsibilities", verbose_name=_("works site"))

    # The roles as a line of a printed risk list has room for them.
    SHORT = {
        Role.ADMINISTRATIVE: pgettext_lazy("responsible role, short", "Adm."),
        Role.TECHNICAL: pgettext_lazy("responsible role, short", "Tech."),
        Role.PATROL: pgettext_lazy("responsible role, short", "Patrol"),
        Role.EVACUATION: pgettext_lazy("responsible role, short", "Evac."),
    }
    # Who must be named (README, "Flood response"): for an open red or orange hazard the three, for a village at
    # risk the three and the lead who moves its people.
    REQUIRED_FOR_HAZARD = (Role.ADMINISTRATIVE, Role.TECHNICAL, Role.PATROL)
    REQUIRED_FOR_VILLAGE = (*REQUIRED_FOR_HAZARD, Role.EVACUATION)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-season", "role", "id"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [models.CheckConstraint(
            name="responsibility_has_one_place",
            condition=(
                models.Q(hazard__isnull=False, river__isnull=True, village__isnull=True, work_order__isnull=True)
                | models.Q(hazard__isnull=True, river__isnull=False, village__isnull=True, work_order__isnull=True)
                | models.Q(hazard__isnull=True, river__isnull=True, village__isnull=False, work_order__isnull=True)
                | models.Q(hazard__isnull=True, river__isnull=True, village__isnull=True, work_order__isnull=False)
            ),
        )]

    def __str__(self):
        return f"{self.person.name}: {self.get_role_display()}, {self.place}"

    @property
    def place(self):
        """Where the person is responsible, as a person reads it."""
        if self.hazard_id:
            return f"{self.hazard.code} {self.hazard.title}"
        if self.river_id:
            return f"{self.river.name} {geo.format_reach(self.start_m, self.end_m)}"
        if self.village_id:
            return f"{self.village.town} {self.village}"
        return str(self.work_order)

    @property
    def short_role(self):
        return self.SHORT[self.role]

    @classmethod
    def missing(cls, items, required):
        """The roles of `required` none of `items` is named for, as labels."""
        named = {item.role for item in items}
        return [cls.Role(role).label for role in required if role not in named]

    def covers(self, hazard):
        """Named for this hazard, directly or for the stretch it lies on."""
        if self.hazard_id:
            return self.hazard_id == hazard.pk
        return bool(self.river_id == hazard.river_id and self.start_m <= hazard.chainage_m <= self.end_m)

    def clean(self):
        places = [self.hazard_id, self.river_id, self.village_id, self.work_order_id]
        if sum(place is not None for place in places) != 1:
            raise ValidationError(_("Name one place: a hazard, a stretch of river, a village or a works site."))
        errors = check_stretch(self.river, self.start_m, self.end_m) if self.river_id else {}
        if self.role == self.Role.EVACUATION and not self.village_id:
            errors["role"] = _("An evacuation lead is named for a village.")
        if errors:
            raise ValidationError(errors)


class ObstructionOwner(models.Model):
    """Who placed an obstruction (设障者). Flood Control Law art. 42: who obstructs clears (谁设障，谁清除), by the
    deadline of the clearance notice, or it is cleared by force at their cost."""

    hazard = models.OneToOneField(Hazard, on_delete=models.CASCADE, related_name="owner", verbose_name=_("hazard"))
    name = models.CharField(_("who placed it"), max_length=200, help_text=_("A person, a company or a unit."))
    contact = models.CharField(_("contact phone"), max_length=40, blank=True, validators=[PHONE])
    notice_date = models.DateField(_("clearance notice served on"), null=True, blank=True)
    notice_deadline = models.DateField(_("to be cleared by"), null=True, blank=True)
    forced_clearance = models.BooleanField(_("forced clearance ordered"), default=False)
    cost_recovered = models.DecimalField(_("cost recovered (yuan)"), max_digits=12, decimal_places=2, null=True,
                                         blank=True, validators=[MinValueValidator(0)])
    note = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("obstruction owner")
        verbose_name_plural = _("obstruction owners")

    def __str__(self):
        return self.name

    @property
    def is_overdue(self):
        """The notice's deadline has passed, the hazard is still open and no forced clearance was ordered."""
        return bool(self.notice_deadline and self.notice_deadline < timezone.localdate() and self.hazard.is_open
                    and not self.forced_clearance)

    def clean(self):
        errors = {}
        if self.notice_deadline and not self.notice_date:
            errors["notice_date"] = _("A deadline comes with the notice that set it: give the notice's date.")
        elif self.notice_deadline and self.notice_deadline < self.notice_date:
            errors["notice_deadline"] = _("The deadline is before the notice was served.")
        if self.notice_date and self.notice_date > timezone.localdate():
            errors["notice_date"] = _("The notice date is in the future.")
        if errors:
            raise ValidationError(errors)


# Warnings, response levels and their checklists ---------------------------------------------------

class WarningLevel(models.TextChoices):
    """Flood warnings (洪水预警), lowest to highest: the same words as an evacuation plan's trigger."""

    BLUE = "blue", _("Blue warning")
    YELLOW = "yellow", _("Yellow warning")
    ORANGE = "orange", _("Orange warning")
    RED = "red", _("Red warning")


WARNING_RANK = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}
WARNING_COLOURS = {"blue": "#2b83ba", "yellow": "#f2d600", "orange": "#f28c28", "red": "#d7191c"}


class ResponseLevel(models.IntegerChoices):
    """Emergency response levels (应急响应), IV the lowest, I the highest."""

    IV = 4, _("Level IV")
    III = 3, _("Level III")
    II = 2, _("Level II")
    I = 1, _("Level I")  # noqa: E741 (the level's own name)


LEVEL_FOR_WARNING = {"blue": 4, "yellow": 3, "orange": 2, "red": 1}


class ChecklistItem(Bilingual):
    """An action a response level requires (editable by admins); a declaration copies its level's list."""

    response_level = models.PositiveSmallIntegerField(_("response level"), choices=ResponseLevel.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["-response_level", "position", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")


class Declaration(models.Model):
    """A warning (预警) and the response level (应急响应) declared for the district, a town or a river.

    One is current per place at a time; declaring another ends it (the history
    keeps both). Its checklist, calls and evacuations hang from it.
    """

    class Scope(models.TextChoices):
        DISTRICT = "district", _("The whole district")
        TOWN = "town", _("A town")
        RIVER = "river", _("A river")

    warning = models.CharField(_("flood warning"), max_length=8, choices=WarningLevel.choices)
    response_level = models.PositiveSmallIntegerField(_("response level"), choices=ResponseLevel.choices)
    scope = models.CharField(_("warning area"), max_length=8, choices=Scope.choices, default=Scope.RIVER)
    town = models.ForeignKey(Town, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("town"))
    river = models.ForeignKey(River, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("river"))
    scope_key = models.CharField(max_length=40, editable=False)
    note = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH, blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("declared by"))
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("ended by"))
    replaces = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by",
                                    verbose_name=_("replaces"))

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        constraints = [models.UniqueConstraint(
            fields=["scope_key"], condition=models.Q(ended_at__isnull=True), name="one_current_declaration_per_place")]

    def __str__(self):
        return f"{self.get_warning_display()} · {self.get_response_level_display()} · {self.place}"

    def get_absolute_url(self):
        return reverse("hazards:declaration", args=[self.pk])

    @property
    def place(self):
        if self.scope == self.Scope.TOWN:
            return str(self.town)
        if self.scope == self.Scope.RIVER:
            return str(self.river)
        return str(self.Scope.DISTRICT.label)

    @property
    def is_current(self):
        return self.ended_at is None

    @property
    def colour(self):
        return WARNING_COLOURS[self.warning]

    @property
    def rank(self):
        return WARNING_RANK[self.warning]

    def triggers(self, plan):
        """The warning is at or above the one the plan evacuates at."""
        return WARNING_RANK[self.warning] >= WARNING_RANK[plan.trigger_level]

    def clean(self):
        if self.scope not in self.Scope.values:
            return  # the field's own check says so
        needed = {self.Scope.TOWN: ("town", self.town_id), self.Scope.RIVER: ("river", self.river_id)}.get(self.scope)
        if needed and needed[1] is None:
            raise ValidationError({needed[0]: _("Choose where the warning holds.")})
        self.scope_key = f"{self.scope}:{needed[1]}" if needed else self.scope
        if self.scope != self.Scope.TOWN:
            self.town = None
        if self.scope != self.Scope.RIVER:
            self.river = None


class DeclarationAction(Bilingual):
    """One action of a declaration's checklist (copied from its level's list), ticked with who and when."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveSmallIntegerField(default=0)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("done by"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("checklist action")
        verbose_name_plural = _("checklist actions")


# Calls that must be confirmed (叫应), and the notices that carry them --------------------------------

class CallOutQuerySet(models.QuerySet):
    def due(self, now):
        """Unconfirmed past their deadline, not yet escalated, of a declaration still current."""
        return self.filter(confirmed_at=None, escalated_at=None, deadline__lte=now, declaration__ended_at=None)


class CallOut(models.Model):
    """A call to a responsible person when a level is declared (叫应): confirmed with one tap, or escalated
    to their unit's leader and the person on duty once CALL_CONFIRM_MINUTES have passed.

    The deadline is stored, so that escalation depends on no timer held in memory
    (services.escalate_due runs from a background loop and survives restarts).
    """

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="call_outs")
    person = models.ForeignKey(ResponsiblePerson, on_delete=models.PROTECT, related_name="call_outs",
                               verbose_name=_("person"))
    reasons = models.TextField(_("responsible for"), max_length=TEXT_MAX_LENGTH)
    sent_at = models.DateTimeField(_("called at"))
    deadline = models.DateTimeField(_("confirm by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.TextField(_("escalated to"), max_length=TEXT_MAX_LENGTH, blank=True)

    objects = CallOutQuerySet.as_manager()

    class Meta:
        ordering = ["sent_at", "id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [models.UniqueConstraint(fields=["declaration", "person"], name="one_call_per_person_and_declaration")]
        indexes = [models.Index(fields=["confirmed_at", "escalated_at", "deadline"])]

    def __str__(self):
        return f"{self.person.name} · {self.declaration}"

    @property
    def token(self):
        """The secret of the one-tap confirmation link: signed with SECRET_KEY, nothing kept in the database."""
        return signing.dumps(self.pk, salt=CALL_OUT_SALT)

    @classmethod
    def from_token(cls, token):
        """The call a link names, or None if the link was not made by us."""
        try:
            pk = signing.loads(token, salt=CALL_OUT_SALT, max_age=CALL_LINK_MAX_AGE_S)
        except signing.BadSignature:  # SignatureExpired is one
            return None
        if not isinstance(pk, int):
            return None
        return cls.objects.select_related("person", "declaration__river", "declaration__town").filter(pk=pk).first()

    def confirm_url(self):
        return settings.SITE_URL + reverse("hazards:call-out-confirm", args=[self.token])

    @property
    def state(self):
        if self.confirmed_at:
            return "confirmed"
        return "escalated" if self.escalated_at else "waiting"


NOTICE_SALT = "floodwatch.notice.acknowledge"


class Notice(models.Model):
    """A message (通知) to a person or a user: the in-app list of its user, and the outbox that notify.deliver_pending
    sends from, one Delivery row per channel (e-mail, SMS, group robot).

    `key` makes an event idempotent: one notice per recipient, event, object and day (notifications.py builds it).
    A notice that needs an answer (an overdue order) is acknowledged with one tap, or escalated after
    NOTICE_ACK_HOURS.
    """

    class Kind(models.TextChoices):
        CALL = "call", _("Call to confirm")
        ESCALATION = "escalation", _("Escalation")
        GAUGE = "gauge", _("Gauge over a threshold")
        HOTLINE = "hotline", _("Urgent hotline report")
        ASSIGNED = "assigned", _("Work order assigned to me")
        DUE_SOON = "due_soon", _("Work order due in 7 days")
        OVERDUE = "overdue", _("Work order overdue")
        COMPLETED = "completed", _("Work order waiting for acceptance")
        CITIZEN_REPORT = "citizen_report", _("New citizen report")
        DUPLICATE = "duplicate", _("Citizen report, likely a duplicate")
        RED_HAZARD = "red_hazard", _("Hazard turned red")
        DIGEST = "digest", _("Daily digest")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="notices", verbose_name=_("user"))
    person = models.ForeignKey(ResponsiblePerson, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="notices", verbose_name=_("person"))
    email = models.EmailField(_("e-mail"), blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=500, blank=True)
    call_out = models.ForeignKey(CallOut, on_delete=models.CASCADE, null=True, blank=True, related_name="notices")
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    key = models.CharField(_("event key"), max_length=120, null=True, blank=True, unique=True)
    ack_by = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    ack_escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["delivered_at", "attempts"]), models.Index(fields=["user", "read_at"]),
                   models.Index(fields=["acknowledged_at", "ack_escalated_at", "ack_by"])]

    def __str__(self):
        return self.subject

    @property
    def needs_ack(self):
        """It asks for an answer (an overdue order)."""
        return self.ack_by is not None

    @property
    def token(self):
        """The secret of the one-tap acknowledgement link, as for calls: signed, nothing kept."""
        return signing.dumps(self.pk, salt=NOTICE_SALT)

    @classmethod
    def from_token(cls, token):
        try:
            pk = signing.loads(token, salt=NOTICE_SALT, max_age=CALL_LINK_MAX_AGE_S)
        except signing.BadSignature:
            return None
        if not isinstance(pk, int):
            return None
        return cls.objects.filter(pk=pk, ack_by__isnull=False).first()

    def ack_url(self):
        return settings.SITE_URL + reverse("hazards:notice-ack", args=[self.token])


# Evacuations under way ---------------------------------------------------------------------------

class Evacuation(Versioned):
    """An evacuation under way in a village (转移避险，应转尽转), from its plan, while a declared warning triggers it.

    Village leads enter it from a phone; every save is checked against the
    version it was made on, so two leads typing at once lose nothing.
    """

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="evacuations",
                                    verbose_name=_("declaration"))
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="evacuations", verbose_name=_("village"))
    plan = models.ForeignKey(EvacuationPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="evacuations")
    to_move = models.PositiveIntegerField(_("people to move"), validators=PEOPLE)
    vulnerable_to_move = models.PositiveIntegerField(_("vulnerable people to move"), default=0, validators=PEOPLE)
    moved = models.PositiveIntegerField(_("moved"), default=0, validators=PEOPLE)
    vulnerable_moved = models.PositiveIntegerField(_("vulnerable people moved"), default=0, validators=PEOPLE)
    to_relatives = models.PositiveIntegerField(_("staying with relatives"), default=0, validators=PEOPLE)
    returned = models.PositiveIntegerField(_("returned home"), default=0, validators=PEOPLE)
    vehicles = models.PositiveIntegerField(_("vehicles"), default=0, validators=[MaxValueValidator(10_000)])
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.CharField(_("entered by"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["village__code", "id"]
        verbose_name = _("evacuation")
        verbose_name_plural = _("evacuations")
        constraints = [models.UniqueConstraint(
            fields=["village"], condition=models.Q(ended_at__isnull=True), name="one_evacuation_under_way_per_village")]

    def __str__(self):
        return str(_("Evacuation of %(village)s") % {"village": self.village})

    def get_absolute_url(self):
        return reverse("hazards:evacuation", args=[self.pk])

    @property
    def percent(self):
        return round(100 * self.moved / self.to_move) if self.to_move else 100

    def check_counts(self, in_shelters):
        """The counts add up, given the people now in its shelters: {field: message}."""
        errors = {}
        if self.vulnerable_moved > self.moved:
            errors["vulnerable_moved"] = _("The vulnerable people moved are counted among the people moved.")
        if self.returned > self.moved:
            errors["returned"] = _("More people returned than were moved.")
        if in_shelters + self.to_relatives > self.moved:
            errors["moved"] = _("%(n)s people are in shelters or with relatives: at least that many were moved.") % {
                "n": in_shelters + self.to_relatives}
        return errors


class ShelterOccupancy(models.Model):
    """How many evacuated people are in one shelter of the village's plan now."""

    evacuation = models.ForeignKey(Evacuation, on_delete=models.CASCADE, related_name="occupancy")
    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="occupancy")
    people = models.PositiveIntegerField(_("people there now"), default=0, validators=PEOPLE)

    class Meta:
        ordering = ["shelter_id"]
        constraints = [models.UniqueConstraint(fields=["evacuation", "shelter"], name="one_count_per_shelter")]

    @property
    def over_capacity(self):
        return self.people > self.shelter.capacity


def default_deadline(now=None):
    """When a call made now must be confirmed by."""
    return (now or timezone.now()) + datetime.timedelta(minutes=settings.CALL_CONFIRM_MINUTES)
