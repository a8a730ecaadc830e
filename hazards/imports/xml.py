"""Bounded XML: every XML file that comes in is walked once by expat before any library reads it.

Libraries that build a tree (ElementTree, and gpxpy on top of it) recurse over
it, some in C: 150,000 nested elements in a 1 MB GPX file overflowed the C
stack in gpxpy's copy of <extensions> and killed the process. Expat itself
keeps its element stack on the heap, so a pass with it can count depth and
elements safely, and refuse what our files never hold: DOCTYPE and entity
declarations (entity expansion, external DTDs), nesting deeper than
MAX_XML_DEPTH, more than MAX_XML_ELEMENTS elements. Every importer (GPX now,
KML) reads its upload through read_checked, or its bytes through walk.
"""

from dataclasses import dataclass
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class CheckedXML:
    data: bytes
    root: str  # the root element's name without its namespace: "gpx", "kml"


class NotWellFormed(ValidationError):
    """Not XML, or cut short: the importer may say what to do in its own words (`detail` says where it breaks)."""

    def __init__(self, message, detail):
        super().__init__(message)
        self.detail = detail


class _Refused(Exception):
    """Raised inside expat's handlers to stop the walk at once."""

    def __init__(self, message):
        self.message = message


def read_checked(upload, *, kind, max_bytes):
    """The upload's bytes, once its size, declarations, depth and element count are known to be safe.

    kind names the format in messages ("GPX", "KML"). Anything refused raises
    a ValidationError naming the file; nothing has parsed it into a tree yet.
    """
    name = getattr(upload, "name", None) or kind
    if upload.size > max_bytes:
        raise ValidationError(
            _("%(name)s is larger than %(limit)s, more than a %(kind)s file of ours ever needs. Is this the right file?")
            % {"name": name, "limit": filesizeformat(max_bytes), "kind": kind}
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:  # the size claimed was wrong
        raise ValidationError(_("%(name)s is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(max_bytes)})
    return CheckedXML(data=data, root=walk(data, name=name, kind=kind))


def walk(data, *, name, kind):
    """The root element's local name, after one pass of expat over the whole document (bytes already bounded)."""
    walk = _Walk(name, kind)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler = walk.start, walk.end
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = walk.declaration
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        raise ValidationError(refused.message)
    except expat.ExpatError as error:
        detail = f"{expat.errors.messages[error.code]}: line {error.lineno}, column {error.offset}"
        raise NotWellFormed(
            _("%(name)s is not a %(kind)s file we can read (%(detail)s).") % {"name": name, "kind": kind, "detail": detail},
            detail,
        )
    return walk.root


class _Walk:
    """Expat's handlers: depth and elements counted, declarations refused."""

    def __init__(self, name, kind):
        self.name, self.kind = name, kind
        self.depth = self.elements = 0
        self.root = None

    def start(self, tag, attributes):
        self.depth += 1
        self.elements += 1
        self.root = self.root or tag.rpartition(" ")[2]
        if self.depth > settings.MAX_XML_DEPTH:
            self.refuse(_("%(name)s nests elements more than %(max)s deep; a %(kind)s file needs far fewer."),
                        settings.MAX_XML_DEPTH)
        if self.elements > settings.MAX_XML_ELEMENTS:
            self.refuse(_("%(name)s has more than %(max)s elements; a %(kind)s file of ours never needs that many."),
                        f"{settings.MAX_XML_ELEMENTS:,}")

    def end(self, tag):
        self.depth -= 1

    def declaration(self, *args):
        raise _Refused(
            _("%(name)s contains a DOCTYPE or entity declaration, which %(kind)s files never need; "
              "it is refused for safety.") % {"name": self.name, "kind": self.kind})

    def refuse(self, message, limit):
        safety = _("It is refused for safety: export it again from the app that made it.")
        raise _Refused(f"{message % {'name': self.name, 'max': limit, 'kind': self.kind}} {safety}")
