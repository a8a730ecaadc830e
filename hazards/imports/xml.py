"""One bounded check for XML from uploads (GPX, KML): no DOCTYPE or entities, limited depth and size.

Expat (the standard library's parser) never fetches external entities, but a
DOCTYPE can still declare entities that expand a small file into gigabytes;
no GPX or KML file needs one, so any is refused before a real parser runs.
"""

import re
import xml.parsers.expat

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_DEPTH = 64
MAX_ELEMENTS = 2_000_000
DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class _Refused(Exception):
    pass


def check_xml(data: bytes, name: str):
    """Raise ValidationError unless `data` is well-formed XML without DOCTYPE or entities, within the limits."""
    if DOCTYPE.search(data):
        raise ValidationError(
            _("%(name)s contains a DOCTYPE or entity declaration, which this kind of file never needs; "
              "it is refused for safety.") % {"name": name}
        )
    parser = xml.parsers.expat.ParserCreate()
    state = {"depth": 0, "count": 0}

    def start(tag, attrs):
        state["depth"] += 1
        state["count"] += 1
        if state["depth"] > MAX_DEPTH or state["count"] > MAX_ELEMENTS:
            raise _Refused

    def end(tag):
        state["depth"] -= 1

    def refuse(*args):
        raise _Refused

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except _Refused:
        raise ValidationError(
            _("%(name)s is nested deeper than %(depth)s levels or has more than %(count)s elements, or declares "
              "entities; it is refused.") % {"name": name, "depth": MAX_DEPTH, "count": f"{MAX_ELEMENTS:,}"}
        )
    except xml.parsers.expat.ExpatError as error:
        raise ValidationError(
            _("%(name)s is not well-formed XML (%(detail)s).") % {"name": name, "detail": str(error)[:120]}
        )
