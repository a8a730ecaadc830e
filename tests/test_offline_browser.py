"""An inspector on a river bank without a signal: the map, the report form and their work orders open from the
phone, two hazards and progress are kept there, survive a reload, and are sent once each when the signal is back.

How honest is the offline here? Not assumed: while offline the test counts the requests the server receives
(Django's request_started signal, in the live server's thread). What was found with Chromium 1xx and Playwright:
context.set_offline(True) fails the pages' requests and the service worker's own fetches alike
(ERR_INTERNET_DISCONNECTED), so every page, script and datum shown offline came from the worker's caches; but
the browser's update check of the worker script itself (GET /sw.js, made by the browser on navigations, not by
a page or a worker) bypasses the emulation and reaches the server. That one request is allowed below, by name;
any other fails the test. (A real phone without a signal fails that check too, and keeps the installed worker.)
"""


import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.signals import request_started
from PIL import Image

from hazards import geo, services
from hazards.models import ClientSubmission, Hazard, PhotoUpload, River, WorkOrder

from .browser import log_in, wait_for_map

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = "window.FloodwatchOffline.items()"


def big_photo(path, colour):
    """A phone's photo: 2400 x 1800, more than the phone keeps (1600 on the long side)."""
    Image.new("RGB", (2400, 1800), colour).save(path, "JPEG", quality=95)
    return str(path)


def free_spots(river, n):
    """Points on the river more than 200 m from any hazard and from each other: not likely duplicates."""
    spots, taken = [], [h.location for h in Hazard.objects.filter(river=river)]
    for chainage in range(500, int(river.length_m), 250):
        point = river.point_at(chainage, offset_m=10)
        if all(geo.distance_m(point, other) > 200 for other in taken + spots):
            spots.append(point)
        if len(spots) == n:
            return spots
    raise AssertionError("no free spots")


def states(page):
    return page.evaluate(f"{ITEMS}.then(items => items.map(i => i.state))")


def wait_for_states(page, expected):
    """Until the phone's queue holds items in these states (offline.js writes them on the page as it saves)."""
    page.wait_for_function("expected => document.documentElement.dataset.queue === expected",
                           arg=",".join(sorted(expected)), timeout=90_000)


def report_hazard(page, url, title, point, photo):
    page.goto(url + "/hazards/new/")
    page.fill("#id_title", title)
    page.select_option("#id_kind", "debris")
    page.fill("#id_latitude", f"{point.y:.6f}")
    page.fill("#id_longitude", f"{point.x:.6f}")
    page.set_input_files("#id_photos", photo)
    page.click("form.hazard-form button.primary")
    page.wait_for_selector(".queued-note")
    page.wait_for_function("document.documentElement.dataset.queue")


@pytest.fixture
def field_inspector(demo):
    """The demo inspector, who on this stretch also reports the progress of two orders (a small river office)."""
    inspector = User.objects.get(username="inspector")
    inspector.groups.add(Group.objects.get(name="engineer"))
    orders = list(WorkOrder.objects.open().exclude(status="suspended").filter(hazard__isnull=False).order_by("pk")[:2])
    for order in orders:
        order.engineers.add(inspector)
    return inspector, orders


def test_an_inspector_works_offline_and_everything_is_sent_once_when_the_signal_is_back(
        browser, live_server, field_inspector, tmp_path):
    inspector, (order, stale_order) = field_inspector
    hazards_before, url = Hazard.objects.count(), live_server.url
    river = River.objects.get(code="xiaotaihou")
    spots = free_spots(river, 2)
    photos = [big_photo(tmp_path / f"{n}.jpg", colour) for n, colour in enumerate(["#8b4513", "#2e8b57", "#4682b4"])]

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": url}])  # English, to read it here
    page = context.new_page()
    log_in(page, live_server, "inspector", "floodwatch-demo")
    # Online once: the worker installed and in control, the field pages and the map's data kept.
    page.wait_for_function("document.documentElement.dataset.offlineReady && navigator.serviceWorker.controller",
                           timeout=90_000)

    heard = []

    def count(sender, environ=None, **kwargs):
        heard.append(environ.get("PATH_INFO") if environ else "?")

    request_started.connect(count, weak=False)
    try:
        context.set_offline(True)
        page.reload()
        wait_for_map(page)
        page.wait_for_function("!window.hazardLayer.isLoading()")
        assert page.locator("#offline-banner").is_visible()
        assert "open hazards as last loaded" in page.inner_text("#map-status")

        report_hazard(page, url, "Spoil heap by the footbridge", spots[0], photos[0])
        report_hazard(page, url, "Fallen willow across the channel", spots[1], photos[1])

        page.goto(url + "/work-orders/mine/")
        for which, percent in ((order, "60"), (stale_order, "80")):
            card = page.locator(f"#order-{which.pk}")
            card.locator("input[type=number]").fill(percent)
            card.locator("textarea").fill(f"Reached {percent} % before noon")
            if which == order:
                card.locator("input[type=file]").set_input_files(photos[2])
            card.locator("button.primary").click()
            page.wait_for_selector(".queued-note")
            wait_for_states(page, ["waiting"] * (3 + (which == stale_order)))

        page.reload()  # the queue is on the phone, not in the page
        page.wait_for_selector("#queue-button:not([hidden])")
        assert states(page) == ["waiting"] * 4
        assert "4 waiting to send" in page.inner_text("#queue-button")
        page.click("#queue-button")
        assert page.locator(".queue-item.state-waiting").count() == 4
        page.screenshot(path=str(tmp_path / "queue-offline.png"))
        assert set(heard) <= {"/sw.js"}, f"the server was asked for {heard} while offline"
    finally:
        request_started.disconnect(count)

    # Meanwhile someone else reports progress on the second order: the phone's update is now stale.
    engineer = User.objects.get(username="engineer")
    stale_order.engineers.add(engineer)
    services.progress_update_create(order_id=stale_order.pk, user=engineer, percent=70, note="From the office",
                                    version=WorkOrder.objects.get(pk=stale_order.pk).version)
    page.evaluate(f"{ITEMS}.then(items => {{ window.kept = items; }})")  # photos and all, to send it all again below

    context.set_offline(False)
    wait_for_states(page, ["sent", "sent", "sent", "conflict"])

    assert Hazard.objects.count() == hazards_before + 2
    new = list(Hazard.objects.order_by("-pk")[:2])
    assert sorted(h.title for h in new) == ["Fallen willow across the channel", "Spoil heap by the footbridge"]
    for hazard in new:
        assert hazard.reported_by == inspector and hazard.photos.count() == 1
        with Image.open(hazard.photos.get().image) as image:
            assert max(image.size) == 1600  # made smaller on the phone
    order.refresh_from_db()
    update = order.updates.get(author=inspector)
    assert (order.progress_pct, update.photos.count()) == (60, 1)
    stale_order.refresh_from_db()
    assert stale_order.progress_pct == 70 and not stale_order.updates.filter(author=inspector).exists()

    # The same items sent again, as a phone that never heard the answers would: stored once.
    page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("floodwatch-offline", 1);
        open.onsuccess = () => {
          const t = open.result.transaction("queue", "readwrite");
          window.kept.forEach(item => t.objectStore("queue").put(item));
          t.oncomplete = resolve; t.onerror = reject;
        };
      })""")
    page.evaluate("window.FloodwatchOffline.sync()")
    # The server answered the three it had done with their first answers (X-Repeat), the stale one with 409 again.
    page.wait_for_function("document.documentElement.dataset.queueRepeats === '3'", timeout=90_000)
    wait_for_states(page, ["sent", "sent", "sent", "conflict"])
    assert Hazard.objects.count() == hazards_before + 2
    assert sum(h.photos.count() for h in Hazard.objects.filter(reported_by=inspector, pk__in=[h.pk for h in new])) == 2
    assert order.updates.filter(author=inspector).count() == 1
    assert ClientSubmission.objects.filter(user=inspector).count() == 3
    assert PhotoUpload.objects.count() == 0  # the photos sent again were not kept twice

    # The conflict is shown, and kept across a reload until the inspector decides.
    page.reload()
    page.click("#queue-button")
    conflict = page.locator(".queue-item.state-conflict")
    conflict.wait_for()
    assert "70 %" in conflict.inner_text()
    assert conflict.locator(".queue-resend").is_visible() and conflict.locator(".queue-discard").is_visible()
    page.screenshot(path=str(tmp_path / "queue-conflict.png"))
    conflict.locator(".queue-resend").click()
    wait_for_states(page, ["sent"] * 4)
    stale_order.refresh_from_db()
    assert stale_order.progress_pct == 80 and stale_order.updates.filter(author=inspector).count() == 1

    assert ClientSubmission.objects.filter(user=inspector).count() == 4
    context.close()
