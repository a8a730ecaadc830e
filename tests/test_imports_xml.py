"""XML that comes in from files: one bounded check (size, depth, elements, no DOCTYPE) before any library walks it.

A GPX file of about 1 MB with 150,000 elements nested inside <extensions>
overflowed the C stack in gpxpy's recursive copy and killed the process
(SIGSEGV, exit 139): under runserver, the whole server. Those parses run in a
subprocess here, so that a crash fails the test instead of killing pytest.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hazards.imports import xml
from hazards.models import Patrol

HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="x">'
GARMIN = 'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'


def gpx(points, extensions=""):
    """A GPX file with one track of (lat, lon) points on the Xiaotaihou, each carrying these extensions."""
    rows = "".join(
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>22.0</ele><time>2026-05-20T01:{i // 60 % 60:02d}:{i % 60:02d}Z</time>'
        f"{extensions}</trkpt>"
        for i, (lat, lon) in enumerate(points)
    )
    return (HEADER.replace("creator", f"{GARMIN} creator") + f"<trk><trkseg>{rows}</trkseg></trk></gpx>").encode()


ON_THE_RIVER = [(39.8546219, 116.6294009), (39.8546467, 116.6295844)]


def nested_gpx(depth):
    """A valid GPX file whose first point's <extensions> nest `depth` elements."""
    return gpx(ON_THE_RIVER[:1]).replace(b"</trkpt>", b"<extensions>" + b"<a>" * depth + b"</a>" * depth + b"</extensions></trkpt>", 1)


def upload(data, name="track.gpx"):
    return SimpleUploadedFile(name, data, content_type="application/gpx+xml")


def refused(data, name="track.gpx", max_bytes=5_000_000):
    file = data if hasattr(data, "read") else upload(data, name)
    with pytest.raises(ValidationError) as error:
        xml.read_checked(file, kind="GPX", max_bytes=max_bytes)
    return " ".join(error.value.messages)


# The hostile file, parsed the way the patrol form parses it, in a process of its own

PARSE_IN_A_SUBPROCESS = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floodwatch.settings")
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hazards.forms.readiness import PatrolForm
translation.activate("en")
data = open(sys.argv[1], "rb").read()
form = PatrolForm({}, {"gpx": SimpleUploadedFile("deep.gpx", data, content_type="application/gpx+xml")})
print(json.dumps({"valid": form.is_valid(), "errors": form.errors.get("gpx", [])}))
"""


def patrol_form_in_a_subprocess(data, tmp_path):
    """The patrol form's verdict on a file, from a fresh Python process: (exit code, errors on the file)."""
    path = Path(tmp_path) / "deep.gpx"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", PARSE_IN_A_SUBPROCESS, str(path)], cwd=settings.BASE_DIR,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"parsing the file killed the process (exit {done.returncode}): {done.stderr[-500:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_gpx_file_nesting_150000_elements_gets_a_clear_message_instead_of_crashing_the_process(tmp_path):
    data = nested_gpx(150_000)
    assert 1_000_000 < len(data) < 1_100_000  # about 1 MB, well under MAX_GPX_BYTES
    verdict = patrol_form_in_a_subprocess(data, tmp_path)
    assert not verdict["valid"]
    assert verdict["errors"] == [
        f"deep.gpx nests elements more than {settings.MAX_XML_DEPTH} deep; a GPX file needs far fewer. "
        "It is refused for safety: export it again from the app that made it."
    ]


def test_the_patrol_page_answers_the_deeply_nested_gpx_file_with_the_message_and_keeps_serving(
        rivers, client_as, tmp_path):
    data = nested_gpx(150_000)
    patrol_form_in_a_subprocess(data, tmp_path)  # fails cleanly, instead of killing pytest, while parsing crashes
    client = client_as("inspector")
    response = client.post(reverse("hazards:patrol-create"), {"gpx": upload(data, "deep.gpx")})
    assert response.status_code == 200
    assert f"deep.gpx nests elements more than {settings.MAX_XML_DEPTH} deep" in response.content.decode()
    assert not Patrol.objects.exists()
    assert client.get(reverse("hazards:patrols")).status_code == 200


# The check itself, for every importer

def test_nesting_up_to_the_limit_passes_and_one_level_more_is_refused():
    # <gpx><trk><trkseg><trkpt><extensions> are five levels above the nested elements.
    assert xml.read_checked(upload(nested_gpx(settings.MAX_XML_DEPTH - 5)), kind="GPX", max_bytes=10**6).root == "gpx"
    assert "nests elements more than" in refused(nested_gpx(settings.MAX_XML_DEPTH - 4))


def test_a_file_with_more_elements_than_the_limit_is_refused(settings):
    settings.MAX_XML_ELEMENTS = 1000
    flat = gpx(ON_THE_RIVER).replace(b"</trkseg>", b"<extensions>" + b"<a/>" * 1000 + b"</extensions></trkseg>")
    assert refused(flat) == (
        "track.gpx has more than 1,000 elements; a GPX file of ours never needs that many. "
        "It is refused for safety: export it again from the app that made it."
    )


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    class Unreadable(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("the file was read")

    message = refused(Unreadable("big.gpx", gpx(ON_THE_RIVER)), max_bytes=100)
    assert message.startswith("big.gpx is larger than 100\xa0bytes")


@pytest.mark.parametrize("declaration", [
    '<!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',  # entity expansion
    '<!DOCTYPE gpx SYSTEM "http://127.0.0.1:9/gpx.dtd">',  # an external DTD
    "<!DOCTYPE gpx>",
])
def test_any_doctype_is_refused_before_an_entity_is_expanded_or_fetched(declaration):
    data = gpx(ON_THE_RIVER).replace(b"<gpx ", declaration.encode() + b"\n<gpx ", 1)
    assert "contains a DOCTYPE or entity declaration, which GPX files never need" in refused(data)


def test_a_file_that_is_not_well_formed_xml_is_refused_with_where_it_breaks():
    message = refused(gpx(ON_THE_RIVER)[:-20])
    assert message.startswith("track.gpx is not a GPX file we can read (")
    assert "line 2" in message


def test_the_root_element_is_named_without_its_namespace():
    assert xml.read_checked(upload(gpx(ON_THE_RIVER)), kind="GPX", max_bytes=10**6).root == "gpx"
    kml = b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>'
    assert xml.read_checked(upload(kml, "a.kml"), kind="KML", max_bytes=10**6).root == "kml"


def test_a_phones_day_track_as_large_as_a_gpx_may_be_passes():
    # One point a second for five and a half hours, with Garmin heart rate and cadence: depth 7.
    extensions = ("<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>112</gpxtpx:hr><gpxtpx:cad>80</gpxtpx:cad>"
                  "</gpxtpx:TrackPointExtension></extensions>")
    points = [(39.85 + i * 1e-6, 116.62 + i * 1e-6) for i in range(20_000)]
    data = gpx(points, extensions)
    assert 4_000_000 < len(data) <= settings.MAX_GPX_BYTES
    checked = xml.read_checked(upload(data), kind="GPX", max_bytes=settings.MAX_GPX_BYTES)
    assert checked.root == "gpx" and checked.data == data
