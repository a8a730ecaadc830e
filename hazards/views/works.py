"""Clearance works: my orders, the order list and page, progress and acceptance."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .. import roles, services
from ..filters import WorkOrderFilter
from ..forms.works import AcceptanceForm, ProgressForm, WorkOrderForm
from ..history import history_of
from ..models import Hazard, WorkOrder
from ..roles import role_required
from .register import PAGE_SIZE, ListPaginator, map_config, query_without

ORDER_RELATED = ("hazard", "hazard__river", "river")
MY_ORDERS_PAGE = 20  # cards on a phone, each with its progress form


def orders_for_list():
    return WorkOrder.objects.select_related(*ORDER_RELATED).prefetch_related("engineers")


def orders_for_table():
    """Orders for a page of rows: without the rivers' centerlines (thousands of vertices, read for every row)."""
    return orders_for_list().defer("river__centerline", "hazard__river__centerline")


def may(user, order, action):
    """Whether the user may read an order (any role), update its progress (its assigned
    engineers, or an admin), accept it (inspectors) or change it (admins)."""
    if action == "progress":
        return roles.has_role(user, roles.ADMIN) or (roles.has_role(user, roles.ENGINEER) and order.is_assigned(user))
    if action == "accept":
        return roles.has_role(user, roles.INSPECTOR)
    if action == "change":
        return roles.has_role(user, roles.ADMIN)
    return action == "read"


def get_order_for_user(user, pk, *, action="read"):
    """The order, if the user may do this with it; 404 or 403 otherwise."""
    order = get_object_or_404(orders_for_list(), pk=pk)
    if not may(user, order, action):
        raise PermissionDenied
    return order


@role_required(roles.ENGINEER)
def my_orders(request):
    """The engineer's phone page: their open orders by deadline, each with a quick progress form."""
    orders = orders_for_table().open().filter(engineers=request.user)
    page = ListPaginator(orders, MY_ORDERS_PAGE).get_page(request.GET.get("page"))
    cards = [(order, ProgressForm(initial={"percent": order.progress_pct, "version": order.version}, prefix=f"o{order.pk}"))
             for order in page]
    return render(request, "works/my_orders.html", {"cards": cards, "page": page})


@role_required()
def order_list(request):
    filterset = WorkOrderFilter(request.GET, queryset=orders_for_table())
    orders = filterset.qs if filterset.is_valid() else WorkOrder.objects.none()
    return render(request, "works/order_list.html", {
        "filter": filterset, "page": ListPaginator(orders, PAGE_SIZE).get_page(request.GET.get("page")),
        "filter_query": query_without(request.GET, "page"),
        "can_create": roles.has_role(request.user, roles.ADMIN),
    })


@role_required()
def order_detail(request, pk, *, progress_form=None, accept_form=None, status=200):
    order = get_order_for_user(request.user, pk)
    updates = order.updates.select_related("author").prefetch_related("photos")
    # A form sent back with errors is always shown, so that nothing typed is lost.
    takes_progress = order.status not in (WorkOrder.Status.ACCEPTED, WorkOrder.Status.SUSPENDED)
    open_for_progress = takes_progress or progress_form is not None
    ready_for_acceptance = order.status == WorkOrder.Status.COMPLETED or accept_form is not None
    return render(request, "works/order_detail.html", {
        "order": order,
        "updates": updates,
        "acceptance": getattr(order, "acceptance", None),
        "history": history_of(order),
        "can_progress": open_for_progress and may(request.user, order, "progress"),
        "can_accept": ready_for_acceptance and may(request.user, order, "accept"),
        "progress_form": progress_form or ProgressForm(initial={"percent": order.progress_pct, "version": order.version}),
        "accept_form": accept_form or AcceptanceForm(initial={"version": order.version}),
        "map_config": map_config(order=order_geometry(order)),
    }, status=status)


@role_required(roles.ENGINEER)
def order_progress(request, pk):
    """POST a progress update from the order page or the phone list."""
    order = get_order_for_user(request.user, pk, action="progress")
    if request.method != "POST":
        return redirect(order)
    prefix = request.POST.get("prefix") or None
    form = ProgressForm(request.POST, request.FILES, prefix=prefix)
    if form.is_valid():
        try:
            services.progress_update_create(
                order_id=order.pk, user=request.user, percent=form.cleaned_data["percent"],
                note=form.cleaned_data["note"], version=form.cleaned_data["version"], photos=form.all_photos(),
            )
        except services.StaleVersion as stale:
            form.add_error(None, conflict_message(stale.current))
            # Sending again is now a choice made knowing the current state.
            form.keep_photos()
            form.data[form.add_prefix("version")] = stale.current.version
            return order_detail(request, pk, progress_form=form, status=409)
        except ValidationError as error:
            form.add_error("percent", error)
        else:
            form.forget_kept_photos()
            messages.success(request, _("Progress saved: %(pct)d %%.") % {"pct": form.cleaned_data["percent"]})
            return redirect(_next_page(request) or order.get_absolute_url())
    form.keep_photos()
    return order_detail(request, pk, progress_form=form, status=400)


def _next_page(request):
    """Where the form asked to go back to, if that is a page of ours."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return None


def conflict_message(order):
    latest = order.updates.select_related("author").first()
    who = (latest.author.get_full_name() or latest.author.username) if latest else "—"
    return _(
        "Someone else updated this order while you were working: it is now at %(pct)d %% (%(status)s, last by %(who)s). "
        "Your update was not saved. Check the timeline below, then send yours again."
    ) % {"pct": order.progress_pct, "status": order.get_status_display(), "who": who}


@role_required(roles.INSPECTOR)
def order_accept(request, pk):
    order = get_order_for_user(request.user, pk, action="accept")
    if request.method != "POST":
        return redirect(order)
    form = AcceptanceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.work_order_accept(
                order_id=order.pk, user=request.user, note=form.cleaned_data["note"],
                photo=form.cleaned_data["photo"], version=form.cleaned_data["version"],
            )
        except services.StaleVersion as stale:
            form.add_error(None, conflict_message(stale.current))
            return order_detail(request, pk, accept_form=form, status=409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Accepted: the works are verified and closed."))
            return redirect(order)
    return order_detail(request, pk, accept_form=form, status=400)


@role_required(roles.ADMIN)
def order_create(request):
    hazard = Hazard.objects.filter(code=request.GET.get("hazard")).first()
    return _edit(request, WorkOrder(hazard=hazard))


@role_required(roles.ADMIN)
def order_edit(request, pk):
    return _edit(request, get_order_for_user(request.user, pk, action="change"))


def _edit(request, order):
    form = WorkOrderForm(request.POST or None, instance=order)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            order = services.work_order_save(order=form.save(commit=False), user=request.user,
                                             version=form.cleaned_data["version"], engineers=form.cleaned_data["engineers"])
        except services.StaleVersion as stale:
            form.add_error(None, conflict_message(stale.current))
            form.data = form.data.copy()
            form.data["version"] = stale.current.version
            status = 409
        except ValidationError as error:
            form.add_error(None, error.messages)
            status = 400
        else:
            messages.success(request, _("Work order saved."))
            return redirect(order)
    return render(request, "works/order_form.html", {"form": form, "order": order}, status=status)


def order_geometry(order):
    """What the small map shows: the hazard, or the reach."""
    return {"geojson": order.geometry().geojson, "colour": order.hazard.risk_colour if order.hazard_id else "#6a3d9a"}

