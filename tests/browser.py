"""Helpers for tests in headless Chromium (the `browser` fixture is in conftest.py)."""

def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
