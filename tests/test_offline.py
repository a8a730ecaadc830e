"""Offline field capture, the server's side: a write sent again is done once, photos come in resumable pieces,
a likely duplicate is put to the inspector, the service worker and manifest are served as browsers need them."""

import json
import threading
import uuid

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.urls import reverse

from hazards import offline
from hazards.models import ClientSubmission, Hazard, HazardPhoto, Patrol, PhotoUpload, WorkOrder

from . import hostile
from .conftest import make_hazard

API = "/api/hazards/"


def report(rivers, chainage=2500, **extra):
    point = rivers["xiaotaihou"].point_at(chainage, offset_m=10)
    return {"title": "Spoil heap", "kind": "debris", "blockage_pct": "20", "latitude": f"{point.y:.6f}",
            "longitude": f"{point.x:.6f}", **extra}


def upload_url(upload_id):
    return reverse("hazards:photo-upload", args=[upload_id])


def send_photo(client, data, upload_id=None, piece=100_000, name="site.jpg"):
    """Send a photo in pieces as the phone does; the last answer."""
    upload_id = upload_id or uuid.uuid4()
    offset, response = 0, None
    while offset < len(data):
        response = client.post(f"{upload_url(upload_id)}?size={len(data)}&offset={offset}&name={name}",
                               data[offset:offset + piece], content_type="application/octet-stream")
        offset = response.json().get("received", len(data))
        if response.status_code == 400:
            break
    return upload_id, response


# A write sent twice is done once.

def test_a_hazard_report_sent_twice_with_its_client_id_is_stored_once(client_as, rivers):
    client, key = client_as("inspector"), str(uuid.uuid4())
    first = client.post(API, {**report(rivers), "photos": [hostile.good_upload()]}, HTTP_X_CLIENT_ID=key)
    again = client.post(API, {**report(rivers), "photos": [hostile.good_upload()]}, HTTP_X_CLIENT_ID=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content and again["X-Repeat"] == "1"
    assert Hazard.objects.count() == 1 and HazardPhoto.objects.count() == 1


def test_progress_sent_twice_is_one_update_not_a_stale_version(client_as, rivers, cast):
    hazard = make_hazard(rivers["xiaotaihou"], 3500, kind="pylon")
    order = WorkOrder.objects.create(title="Move the pylon", kind="relocate", hazard=hazard)
    order.engineers.add(cast["engineer"])
    url, key = reverse("hazards:api-work-order-progress", args=[order.pk]), str(uuid.uuid4())
    data = {"percent": "40", "note": "Half way", "version": str(order.version)}
    answers = [client_as("engineer").post(url, data, HTTP_X_CLIENT_ID=key) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]  # not 409: the repeats are the same update
    order.refresh_from_db()
    assert (order.updates.count(), order.progress_pct) == (1, 40)


def test_a_refused_write_is_not_kept_and_its_corrected_repeat_is_done(client_as, rivers):
    client, key = client_as("inspector"), str(uuid.uuid4())
    assert client.post(API, {**report(rivers), "title": ""}, HTTP_X_CLIENT_ID=key).status_code == 400
    assert client.post(API, report(rivers), HTTP_X_CLIENT_ID=key).status_code == 201
    assert Hazard.objects.count() == 1 and ClientSubmission.objects.get().status_code == 201


def test_the_same_client_id_from_another_user_or_for_another_write_is_not_a_repeat(client_as, rivers, cast):
    key = str(uuid.uuid4())
    assert client_as("inspector").post(API, report(rivers), HTTP_X_CLIENT_ID=key).status_code == 201
    assert client_as("admin").post(API, report(rivers, 2600), HTTP_X_CLIENT_ID=key).status_code == 201
    assert Hazard.objects.count() == 2
    patrols = reverse("hazards:api-patrols")
    answer = client_as("inspector").post(patrols, {}, HTTP_X_CLIENT_ID=key)
    assert answer.status_code == 400 and "another write" in answer.json()["error"]


def test_a_client_id_that_is_not_a_uuid_is_refused(client_as, rivers):
    answer = client_as("inspector").post(API, report(rivers), HTTP_X_CLIENT_ID="1; DROP TABLE")
    assert answer.status_code == 400 and Hazard.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_repeats_sent_at_the_same_moment_make_one_hazard(rivers, cast):
    key, answers, errors = str(uuid.uuid4()), [], []
    start = threading.Barrier(4)

    def send():
        try:
            client = Client()
            client.force_login(cast["inspector"])
            start.wait()
            answers.append(client.post(API, report(rivers), HTTP_X_CLIENT_ID=key))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Hazard.objects.count() == 1 and ClientSubmission.objects.count() == 1
    codes = {json.loads(a.content)["properties"]["code"] for a in answers if a.status_code == 201}
    assert codes == {Hazard.objects.get().code}
    # Each answer is the hazard, or (if the first took longer than a repeat waits) "still being done, ask again".
    assert all(a.status_code == 201 or a.json().get("in_progress") for a in answers)


def test_a_patrol_drawn_offline_is_recorded_once(client_as, rivers):
    river = rivers["xiaotaihou"]
    line = {"type": "LineString", "coordinates": [list(river.point_at(c, offset_m=20).coords) for c in range(1000, 3001, 100)]}
    data = {"river": str(river.pk), "date": "2026-06-01", "drawn_track": json.dumps(line), "note": "Walked"}
    client, key = client_as("inspector"), str(uuid.uuid4())
    answers = [client.post(reverse("hazards:api-patrols"), data, HTTP_X_CLIENT_ID=key) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert Patrol.objects.count() == 1 and answers[0].json()["covered_m"] > 1500
    assert client_as("engineer").post(reverse("hazards:api-patrols"), data).status_code == 403


# Photos in pieces.

def test_a_photo_sent_in_pieces_is_attached_to_the_report_that_names_it(client_as, rivers, settings):
    client, data = client_as("inspector"), hostile.jpeg_bytes()
    upload_id, last = send_photo(client, data, piece=max(len(data) // 3, 1))
    assert last.status_code == 200 and last.json()["complete"] is True
    assert client.get(upload_url(upload_id)).json() == {"id": str(upload_id), "received": len(data), "size": len(data),
                                                        "complete": True}
    answer = client.post(API, {**report(rivers), "uploads": [str(upload_id)]}, HTTP_X_CLIENT_ID=str(uuid.uuid4()))
    assert answer.status_code == 201, answer.content
    photo = Hazard.objects.get().photos.get()
    assert photo.image.read() == data  # the bytes as the phone sent them
    assert PhotoUpload.objects.count() == 0 and not default_storage.listdir("uploads")[1]


def test_an_interrupted_upload_resumes_where_the_server_stopped(client_as):
    client, data, upload_id = client_as("engineer"), hostile.jpeg_bytes(), uuid.uuid4()
    half = len(data) // 2
    url = upload_url(upload_id)
    assert client.get(url).status_code == 404  # nothing yet: start at 0
    assert client.post(f"{url}?size={len(data)}&offset=0", data[:half], content_type="application/octet-stream").status_code == 200
    # The phone lost the answer and sends the first piece again: nothing is written twice.
    again = client.post(f"{url}?size={len(data)}&offset=0", data[:half], content_type="application/octet-stream")
    assert again.json()["received"] == half
    # A piece beyond what the server has is not written either.
    ahead = client.post(f"{url}?size={len(data)}&offset={half + 10}", data[half + 10:], content_type="application/octet-stream")
    assert ahead.status_code == 409 and ahead.json()["received"] == half
    done = client.post(f"{url}?size={len(data)}&offset={half}", data[half:], content_type="application/octet-stream")
    assert done.status_code == 200 and done.json()["complete"]
    with default_storage.open(PhotoUpload.objects.get().file_name) as f:
        assert f.read() == data


@pytest.mark.parametrize("query, body, message", [
    ("size=99999999999&offset=0", b"x", "larger than"),
    ("size=10&offset=0", b"x" * 11, "does not fit"),
    ("size=10&offset=-1", b"x", "does not fit"),
    ("size=10&offset=5", b"", "does not fit"),
    ("size=0&offset=0", b"", "larger than"),
    ("size=ten&offset=0", b"x", "whole numbers"),
    ("offset=0", b"x", "whole numbers"),
    (f"size={offline.PIECE_BYTES + 2}&offset=0", b"x" * (offline.PIECE_BYTES + 1), "does not fit"),
])
def test_pieces_out_of_bounds_are_refused(client_as, query, body, message):
    answer = client_as("inspector").post(f"{upload_url(uuid.uuid4())}?{query}", body, content_type="application/octet-stream")
    assert answer.status_code == 400 and message in json.dumps(answer.json())


def test_the_size_of_a_started_upload_cannot_change(client_as):
    client, upload_id = client_as("inspector"), uuid.uuid4()
    client.post(f"{upload_url(upload_id)}?size=100&offset=0", b"x" * 10, content_type="application/octet-stream")
    answer = client.post(f"{upload_url(upload_id)}?size=200&offset=10", b"x" * 10, content_type="application/octet-stream")
    assert answer.status_code == 400 and PhotoUpload.objects.get().size == 100


@pytest.mark.parametrize("label", [label for label, _ in hostile.bad_uploads() if label != "an empty file"])
def test_a_file_that_is_not_a_photo_is_refused_once_whole_and_removed(client_as, label):
    bad = dict(hostile.bad_uploads())[label].read()
    client = client_as("inspector")
    upload_id, last = send_photo(client, bad, piece=64)
    assert last.status_code == 400
    assert PhotoUpload.objects.count() == 0 and client.get(upload_url(upload_id)).status_code == 404
    assert not default_storage.exists(f"uploads/{upload_id.hex}.part")


def test_a_write_naming_an_unknown_unfinished_or_someone_elses_upload_writes_nothing(client_as, rivers):
    data = hostile.jpeg_bytes()
    theirs, _ = send_photo(client_as("engineer"), data)
    client = client_as("inspector")
    unfinished = uuid.uuid4()
    client.post(f"{upload_url(unfinished)}?size={len(data)}&offset=0", data[:100], content_type="application/octet-stream")
    for uploads in ([str(uuid.uuid4())], [str(theirs)], [str(unfinished)], ["not-a-uuid"], [str(uuid.uuid4())] * 21):
        answer = client.post(API, {**report(rivers), "uploads": uploads}, HTTP_X_CLIENT_ID=str(uuid.uuid4()))
        assert answer.status_code == 400 and "uploads" in answer.json()["errors"]
    assert Hazard.objects.count() == 0 and PhotoUpload.objects.count() == 2


def test_a_user_may_not_keep_more_than_a_phones_worth_of_unattached_photos(client_as, monkeypatch):
    monkeypatch.setattr(offline, "UPLOADS_PER_USER", 2)
    client = client_as("inspector")
    answers = [client.post(f"{upload_url(uuid.uuid4())}?size=100&offset=0", b"x", content_type="application/octet-stream")
               for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 400]


def test_leaders_send_no_photos_and_nobody_sends_without_logging_in(client_as, db):
    url = f"{upload_url(uuid.uuid4())}?size=10&offset=0"
    assert client_as("leader").post(url, b"x", content_type="application/octet-stream").status_code == 403
    assert Client().post(url, b"x", content_type="application/octet-stream").status_code == 401
    assert PhotoUpload.objects.count() == 0


# Likely duplicates.

def test_a_report_near_an_open_hazard_someone_else_reported_is_put_to_the_inspector(client_as, rivers, cast):
    theirs = make_hazard(rivers["xiaotaihou"], 2500, reported_by=cast["admin"])
    client = client_as("inspector")
    answer = client.post(API, report(rivers, 2510, check_duplicates="1"))
    assert answer.status_code == 409
    assert answer.json()["duplicate"]["code"] == theirs.code and theirs.code in answer.json()["error"]
    assert Hazard.objects.count() == 1
    assert client.post(API, report(rivers, 2510, check_duplicates="0")).status_code == 201  # "not the same: send anyway"
    mine = Hazard.objects.exclude(pk=theirs.pk).get()
    assert mine.reported_by == cast["inspector"]
    # The inspector's own reports are not duplicates to them (they know what they sent).
    assert client.post(API, report(rivers, 2515, check_duplicates="1")).status_code == 409  # theirs is still near
    theirs.status = "cleared"
    theirs.save()
    assert client.post(API, report(rivers, 2520, check_duplicates="1")).status_code == 201


# The service worker and the manifest.

def test_the_service_worker_is_served_at_the_root_never_cached_and_keeps_the_app(client_as):
    answer = client_as("inspector").get("/sw.js")
    body = answer.content.decode()
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/javascript")
    assert answer["Service-Worker-Allowed"] == "/" and "no-cache" in answer["Cache-Control"]
    for kept in ("/static/leaflet/leaflet.js", "/static/js/offline.js", "/static/js/map.js", "/static/css/app.css",
                 "/static/icons/icon-192.png"):
        assert f'"{kept}"' in body
    assert f'var VERSION = "{offline.worker_version()}"' in body
    assert Client().get("/sw.js").status_code == 200  # a logged-out phone still updates its worker


def test_the_workers_version_changes_when_a_file_it_keeps_changes(settings, tmp_path):
    from django.contrib.staticfiles import finders

    (tmp_path / "js").mkdir()
    script = tmp_path / "js" / "extra.js"
    script.write_text("var a = 1;")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, tmp_path]
    finders.get_finder.cache_clear()
    offline.worker_version.cache_clear()
    try:
        before = offline.worker_version()
        script.write_text("var a = 2;")
        offline.worker_version.cache_clear()
        assert offline.worker_version() != before
    finally:
        finders.get_finder.cache_clear()
        offline.worker_version.cache_clear()


def test_the_manifest_names_the_app_and_its_icons_in_the_users_language(client_as, settings):
    client = client_as("inspector")
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["display"] == "standalone" and data["start_url"].startswith("/")
    assert {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "防汛" in client.get("/manifest.webmanifest").json()["name"]
