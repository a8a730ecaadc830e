from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.static import serve

from .. import roles, services, tiles
from ..filters import HazardFilter
from ..forms import HazardForm
from ..history import history_of
from ..models import DRIVING_ORDER, Hazard, River
from ..roles import role_required

PAGE_SIZE = 50


class ListPaginator(Paginator):
    """Pages of a long list: sorted and cut on the primary keys alone, then the page's rows read by key.

    Sorting whole rows (geometry, descriptions) to keep 50 was most of a
    page's time at 100,000 hazards, and the deeper the page the worse.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = self.keys(bottom, top)
        rows = self.object_list.order_by().in_bulk(keys)
        return self._get_page([rows[key] for key in keys], number, self)

    def keys(self, bottom, top):
        return list(self.object_list.values_list("pk", flat=True)[bottom:top])


class GroupedPaginator(ListPaginator):
    """Pages of hazards in driving order (river by river, upstream to downstream), or by risk and then in
    driving order: each page cut from one group's hazards (a river's, or a risk level's on a river) along
    an index ending in chainage. Sorting every hazard by its river's order was a scan of them all."""

    def __init__(self, object_list, per_page, *, by_risk=False):
        super().__init__(object_list, per_page)
        self.by_risk = by_risk

    @cached_property
    def groups(self):
        fields = ["risk_level", "river"] if self.by_risk else ["river"]
        counts = {tuple(row[:-1]): row[-1] for row in
                  self.object_list.order_by().values_list(*fields).annotate(n=Count("*"))}
        rivers = list(River.objects.values_list("pk", flat=True))
        levels = sorted(Hazard.RISK_RANK, key=Hazard.RISK_RANK.get, reverse=True) if self.by_risk else [None]
        keys = [(level, river) if self.by_risk else (river,) for level in levels for river in rivers]
        return [(dict(zip(fields, key)), counts[key]) for key in keys if counts.get(key)]

    @cached_property
    def count(self):
        return sum(n for _group, n in self.groups)

    def keys(self, bottom, top):
        keys, start = [], 0
        for group, n in self.groups:
            if start < top and bottom < start + n:
                along = self.object_list.filter(**group).order_by("chainage_m", "code")
                keys += along.values_list("pk", flat=True)[max(bottom - start, 0):min(top - start, n)]
            start += n
        return keys


SORTS = {
    "chainage": DRIVING_ORDER,
    "code": ("code",),
    "risk": ("-risk_rank", *DRIVING_ORDER),
    "status": ("status", *DRIVING_ORDER),
    "updated": ("-updated_at",),
}


def sort_columns():
    return [("code", _("Code")), ("chainage", _("River and chainage")), ("risk", _("Risk")),
            ("status", _("Status")), ("updated", _("Updated"))]


def map_config(**extra):
    """What the page scripts need: API addresses, risk colours, messages."""
    return {
        "riversUrl": reverse("hazards:api-rivers"),
        "districtUrl": reverse("hazards:api-district"),
        "hazardsUrl": reverse("hazards:api-hazards"),
        "workOrdersUrl": reverse("hazards:api-work-orders"),
        "hazardLayer": tiles.map_layer_config(),
        "risks": [
            {"level": level, "label": str(label), "colour": Hazard.RISK_COLOURS[level]}
            for level, label in Hazard.RiskLevel.choices
        ],
        "text": {
            "legend": _("Risk level"),
            "river": _("River"),
            "loading": _("Loading hazards…"),
            "count": _("%(n)s hazards shown"),
            "noBasemap": _("Basemap unavailable offline: rivers and hazards are still shown."),
            "failed": _("Could not load hazards:"),
            "loadingOne": _("loading…"),
            "tileFailed": _("part of the map did not load; move the map to try again."),
            "open": _("Open"),
            "approximate": _("approximate line"),
            "locating": _("Finding your position…"),
            "located": _("Position found (±%(m)s m)."),
            "noPosition": _("Your position is not available:"),
            "fromPhoto": _("Position read from the photo's GPS."),
            "offlineCount": _("Offline: %(n)s open hazards as last loaded."),
            "offlineNone": _("Offline: the hazards were not loaded on this phone yet."),
            "waiting": _("Waiting to send"),
        },
        **extra,
    }


def get_hazard_for_user(user, code, *, edit=False):
    """The hazard, if this user may see it (any role) or edit it (inspectors)."""
    queryset = Hazard.objects.select_related("river", "town", "village", "reported_by")
    return roles.get_for_user(queryset, user, edit=edit, code=code)


MAP_INDEX_SIZE = 100  # the list beside the map: the open red and orange hazards, the worst first


@role_required()
def hazard_map(request):
    """The map, and beside it the open red and orange hazards as a list a keyboard or screen reader can use."""
    severe = Hazard.objects.filter(risk_level__in=("major", "high"), status__in=Hazard.OPEN_STATUSES).select_related(
        "river").defer("river__centerline").alias(risk_rank=Hazard.risk_rank_expression()).order_by(
        "-risk_rank", *DRIVING_ORDER)
    return render(request, "hazards/map.html", {
        "filter": HazardFilter(request.GET), "map_config": map_config(),
        "severe": severe[:MAP_INDEX_SIZE], "severe_count": severe.count()})


@role_required()
def hazard_list(request):
    filterset = HazardFilter(request.GET, queryset=Hazard.objects.select_related("river", "town", "village").defer(
        "river__centerline", "town__geom", "village__geom"))
    sort = request.GET.get("sort", "chainage")
    hazards = filterset.qs.alias(risk_rank=Hazard.risk_rank_expression()).order_by(*SORTS.get(sort, SORTS["chainage"]))
    if sort in ("chainage", "risk") or sort not in SORTS:
        paginator = GroupedPaginator(hazards, PAGE_SIZE, by_risk=sort == "risk")
    else:
        paginator = ListPaginator(hazards, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "hazards/hazard_list.html", {
        "filter": filterset, "page": page, "sort": sort, "sort_columns": sort_columns(),
        "filter_query": query_without(request.GET, "page", "sort"),
    })


def query_without(params, *names):
    """The query string without these parameters, ready for another to be appended ("a=1&" or "")."""
    filters = params.copy()
    for name in names:
        filters.pop(name, None)
    return filters.urlencode() + "&" if filters else ""


@role_required()
def hazard_detail(request, code):
    hazard = get_hazard_for_user(request.user, code)
    return render(request, "hazards/hazard_detail.html", {
        "hazard": hazard,
        "photos": hazard.photos.all(),
        "orders": hazard.work_orders.select_related("river").prefetch_related("engineers"),
        "history": history_of(hazard),
        "can_edit": roles.has_role(request.user, roles.INSPECTOR),
        "map_config": map_config(hazard=[hazard.location.y, hazard.location.x], colour=hazard.risk_colour),
    })


@role_required(roles.INSPECTOR)
def hazard_create(request):
    return _edit(request, Hazard(reported_by=request.user))


@role_required(roles.INSPECTOR)
def hazard_edit(request, code):
    return _edit(request, get_hazard_for_user(request.user, code, edit=True))


def _edit(request, hazard):
    form = HazardForm(request.POST or None, request.FILES or None, instance=hazard)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            hazard = services.hazard_save(
                hazard=form.save(commit=False), user=request.user, version=form.cleaned_data["version"],
                status_chosen="status" in form.changed_data, photos=form.all_photos(),
            )
        except services.StaleVersion as stale:
            form.add_error(None, stale_hazard_message(stale.current))
            # Sending again is now a choice made knowing the current state.
            form.data = form.data.copy()
            form.data["version"] = stale.current.version
            status = 409
        except ValidationError as error:
            form.add_error(None, error.messages)
            status = 400
        else:
            form.forget_kept_photos()
            messages.success(request, _("Saved %(code)s.") % {"code": hazard.code})
            return redirect(hazard)
    form.keep_photos()
    current = get_hazard_for_user(request.user, hazard.code) if status == 409 else None
    return render(request, "hazards/hazard_form.html",
                  {"form": form, "hazard": hazard, "current": current, "map_config": map_config()}, status=status)


def stale_hazard_message(current):
    who = current.history.select_related("history_user").first()
    name = (who.history_user.get_full_name() or who.history_user.username) if who and who.history_user else "—"
    return _(
        "Someone else changed this hazard while you were editing it (last by %(who)s at %(when)s). Your changes were "
        "not saved: the current state is shown below. Check it, then send yours again."
    ) % {"who": name, "when": timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M")}


@role_required()
def media(request, path):
    """Photos only for users with a role; serve() refuses paths outside MEDIA_ROOT.

    Uploads are never run as pages, whatever a file holds: no script, no sniffing.
    """
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
