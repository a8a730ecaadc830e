"""Helpers for tests in headless Chromium (the `browser` fixture is in conftest.py)."""

def log_in(page, live_server, username, password, next="/"):
    """Log in through the login page and wait to land: on `next` (the map by default, where most tests begin),
    or with next=None on the user's home page (the dashboard for leaders, the map for everyone else)."""
    page.goto(f"{live_server.url}/accounts/login/" + (f"?next={next}" if next else ""))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    if next:
        page.wait_for_url(f"{live_server.url}{next}")
    else:
        page.wait_for_url(lambda url: url in (f"{live_server.url}/", f"{live_server.url}/dashboard/"))


def wait_for_map(page):
    """Until the map has framed the rivers: a view set before that would be undone."""
    page.wait_for_function("window.hazardLayer && document.getElementById('map').dataset.fitted")


def wait_for_hazard_tiles(page):
    """Until the map's hazard tiles for the current view have loaded."""
    page.wait_for_function("window.hazardLayer && !window.hazardLayer.isLoading()")


def open_hazard_popup(page, hazard, zoom=17):
    """Zoom the map to a hazard, click its marker as a person would, and wait for the popup to fill in
    (it asks the API for the hazard when it opens): its HTML."""
    where = [hazard.location.y, hazard.location.x]
    wait_for_map(page)
    page.evaluate("([lat, lon, z]) => window.hazardMap.setView([lat, lon], z, {animate: false})", [*where, zoom])
    wait_for_hazard_tiles(page)
    page.wait_for_timeout(200)  # the markers of the loaded tiles are drawn
    x, y = page.evaluate(
        "([lat, lon]) => { const p = window.hazardMap.latLngToContainerPoint([lat, lon]);"
        " const r = window.hazardMap.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }", where)
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup-content .popup > a")
    return page.inner_html(".leaflet-popup-content")
