"""Open311 GeoReport v2, for the 12345 hotline (接诉即办) and other client systems: /open311/v2/.

services, service definitions, requests (GET and POST) and one request, in
JSON and XML exactly as the GeoReport v2 specification writes them: XML
without a namespace under <services>, <service_definition>,
<service_requests> and <errors>; JSON as top-level arrays (the service
definition is an object); datetimes with their UTC offset. Every call needs
the api_key of a client system an admin issued (403 without), and is
rate-limited per client. A POST makes a citizen report, not a hazard: an
inspector decides it. The reporter's contact never leaves through here.
"""

import json
from datetime import timedelta
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from . import hotline, services, throttle
from .filters import query_id
from .forms.citizen import Open311RequestForm
from .models import CitizenReport, Hazard, Open311Client, River

EXTENSIONS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_REQUESTS = 1000  # the specification's default ceiling for a GET of requests
DEFAULT_DAYS = 90  # and its default window


# Answers.

def _xml(root, items, item_name):
    """<root><item_name>…</item_name>…</root>, lists as repeated elements, None as an empty element."""
    tree = ElementTree.Element(root)
    for item in items:
        _fill(ElementTree.SubElement(tree, item_name), item)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(tree, encoding="utf-8", xml_declaration=False)


def _fill(element, value):
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, list):
                holder = ElementTree.SubElement(element, key)
                for entry in inner:
                    _fill(ElementTree.SubElement(holder, key[:-1]), entry)
            else:
                _fill(ElementTree.SubElement(element, key), inner)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def answer(extension, items, *, root, item, status=200, single=False):
    """JSON (a list, or one object when `single`) or XML (root holding one element per item)."""
    if extension == "xml":
        body = _xml(root, items, item) if not single else _single_xml(root, items[0])
    else:
        body = json.dumps(items[0] if single else items, ensure_ascii=False).encode()
    return HttpResponse(body, content_type=EXTENSIONS[extension], status=status)


def _single_xml(root, value):
    tree = ElementTree.Element(root)
    _fill(tree, value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(tree, encoding="utf-8", xml_declaration=False)


def errors(extension, status, *messages, headers=None):
    """<errors><error><code/><description/></error></errors>, or [{"code", "description"}]."""
    extension = extension if extension in EXTENSIONS else "json"
    response = answer(extension, [{"code": status, "description": m} for m in messages], root="errors", item="error",
                      status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def iso(moment):
    """A datetime as the specification writes it: W3C format with the offset (+08:00 in Beijing)."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# Who is calling.

def open311_view(view):
    """Check the extension, the client's api_key and its rate before the view runs."""

    def wrapped(request, *args, extension, **kwargs):
        if extension not in EXTENSIONS:
            return errors("json", 404, _("Only .json and .xml are offered."))
        params = request.POST if request.method == "POST" else request.GET
        client = Open311Client.objects.find(params.get("api_key", ""))
        if client is None:
            return errors(extension, 403, _("A valid api_key is required: ask the Floodwatch administrators for one."))
        client.mark_used()
        allowance = throttle.take("open311", client.pk, limit=settings.OPEN311_REQUESTS_PER_MINUTE)
        if not allowance.allowed:
            return errors(extension, 429, _("Too many requests from this client: wait a minute."),
                          headers={"Retry-After": str(allowance.retry_after)})
        return view(request, client, *args, extension=extension, **kwargs)

    return wrapped


# Services and their definitions.

SERVICE_DESCRIPTIONS = {
    "blocked_channel": "河道、沟渠被堵塞，水流不畅 (a channel or ditch blocked, water not flowing)",
    "dumped_spoil": "河道内或岸边倾倒渣土、垃圾 (spoil or rubbish dumped in or by the river)",
    "illegal_structure": "河道管理范围内的违章建筑 (an illegal structure within the river's managed area)",
    "flood_danger": "有人被困、堤防决口、洪水逼近房屋 (someone trapped, a breach, water rising at houses): 1 hour",
}


def service_documents():
    return [{
        "service_code": code, "service_name": str(label), "description": SERVICE_DESCRIPTIONS[code],
        "metadata": True, "type": "realtime", "keywords": "flood,河道,防汛",
        "group": _("Flood control"),
    } for code, label in CitizenReport.Service.choices]


def service_attributes():
    def attribute(code, order, description, values, datatype_description):
        return {"variable": True, "code": code, "datatype": "singlevaluelist", "required": False,
                "datatype_description": datatype_description, "order": order, "description": description,
                "values": [{"key": key, "name": str(name)} for key, name in values]}

    return [
        attribute("kind", 1, _("Kind of obstruction"), Hazard.Kind.choices, _("One of the keys, if the caller knows")),
        attribute("river", 2, _("River, if known"), [(r.code, r.name) for r in River.objects.all()],
                  _("One of the keys, if the caller knows")),
        attribute("urgency", 3, _("Urgency under Beijing 12345's rules"), CitizenReport.Urgency.choices,
                  _("life_safety: assigned within 1 hour and answered within 2; extreme_weather: assigned within 2 "
                    "hours; ordinary: closed within 7 days; complex: within 15")),
    ]


@open311_view
def service_list(request, client, *, extension):
    """GET services.{json,xml}."""
    return answer(extension, service_documents(), root="services", item="service")


@open311_view
def service_definition(request, client, code, *, extension):
    """GET services/{code}.{json,xml}: the attributes a request of this service may carry."""
    if code not in CitizenReport.Service.values:
        return errors(extension, 404, _("There is no service %(code)s.") % {"code": code[:40]})
    return answer(extension, [{"service_code": code, "attributes": service_attributes()}],
                  root="service_definition", item="", single=True)


# Requests.

def request_document(report):
    """One citizen report as a GeoReport v2 service request, without the reporter's contact."""
    hazard = report.hazard
    location = report.location or (hazard.location if hazard else None)
    next_deadline = report.next_deadline
    return {
        "service_request_id": str(report.pk),
        "status": "open" if report.is_open else "closed",
        "status_notes": hotline.status_notes(report),
        "service_name": report.get_service_code_display(),
        "service_code": report.service_code,
        "description": report.description,
        "agency_responsible": hotline.agency_responsible(report),
        "service_notice": _("Handling deadline: %(when)s") % {"when": iso(report.close_by)},
        "requested_datetime": iso(report.received_at),
        "updated_datetime": iso(max(filter(None, (report.updated_at, hazard.updated_at if hazard else None)))),
        "expected_datetime": iso(next_deadline[1] if next_deadline else report.close_by),
        "address": report.address_string,
        "address_id": None,
        "zipcode": None,
        "lat": round(location.y, 6) if location else None,
        "long": round(location.x, 6) if location else None,
        "media_url": report.media_url or None,
    }


def _reports():
    return CitizenReport.objects.select_related("hazard").order_by("-received_at", "-id")


@csrf_exempt  # a client system posts with its api_key, not a browser session
@open311_view
def requests(request, client, *, extension):
    """GET requests.{json,xml} (service_request_id, service_code, start_date, end_date, status); POST a new one."""
    if request.method == "POST":
        return _create(request, client, extension)
    if request.method != "GET":
        return errors(extension, 405, _("Use GET or POST."))
    params = request.GET
    reports = _reports()
    if params.get("service_request_id"):
        ids = [i.strip() for i in params["service_request_id"].split(",")]
        if not all(i.isascii() and i.isdigit() and len(i) < 19 for i in ids):
            return errors(extension, 400, _("service_request_id must be numbers separated by commas."))
        return answer(extension, [request_document(r) for r in reports.filter(pk__in=ids)],
                      root="service_requests", item="request")
    if params.get("service_code"):
        if params["service_code"] not in CitizenReport.Service.values:
            return errors(extension, 400, _("There is no service %(code)s.") % {"code": params["service_code"][:40]})
        reports = reports.filter(service_code=params["service_code"])
    dates = {}
    for name in ("start_date", "end_date"):
        if params.get(name):
            try:
                dates[name] = parse_datetime(params[name])
            except ValueError:
                dates[name] = None
            if dates[name] is None:
                return errors(extension, 400, _("%(name)s must be a date and time in W3C format, e.g. "
                                                "2026-06-01T00:00:00+08:00.") % {"name": name})
            if timezone.is_naive(dates[name]):
                dates[name] = timezone.make_aware(dates[name])
    end = dates.get("end_date")
    start = dates.get("start_date") or ((end or timezone.now()) - timedelta(days=DEFAULT_DAYS))
    reports = reports.filter(received_at__gte=start, **({"received_at__lte": end} if end else {}))
    status = params.get("status")
    if status and not set(status.split(",")) <= {"open", "closed"}:
        return errors(extension, 400, _("status must be open or closed."))
    documents = [request_document(r) for r in reports[:MAX_REQUESTS]]
    if status:
        documents = [d for d in documents if d["status"] in status.split(",")]
    return answer(extension, documents, root="service_requests", item="request")


def _create(request, client, extension):
    form = Open311RequestForm(request.POST)
    if not form.is_valid():
        messages = [f"{name}: {' '.join(m)}" if name != "__all__" else " ".join(m) for name, m in form.errors.items()]
        status = 404 if "service_code" in form.errors and request.POST.get("service_code") else 400
        return errors(extension, status, *messages)
    report = services.citizen_report_create(client=client, report=form.report())
    return answer(extension, [{
        "service_request_id": str(report.pk),
        "service_notice": _("Received. Handling deadline: %(when)s") % {"when": iso(report.close_by)},
        "account_id": None,
    }], root="service_requests", item="request", status=201)


@open311_view
def request_detail(request, client, request_id, *, extension):
    """GET requests/{id}.{json,xml}: one request (as a list of one, as the specification has it)."""
    try:
        pk = query_id({"id": request_id}, "id", CitizenReport)
    except ValidationError:
        pk = None
    report = _reports().filter(pk=pk).first() if pk else None
    if report is None:
        return errors(extension, 404, _("There is no request %(id)s.") % {"id": request_id[:40]})
    return answer(extension, [request_document(report)], root="service_requests", item="request")
