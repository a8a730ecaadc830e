"""What WeasyPrint may read while rendering a risk list: our static and media files, and nothing else."""

import http.server
import threading

import pytest
from django.conf import settings
from weasyprint import HTML

from hazards.reports.fetcher import LocalFetcher, RefusedURL, local_path
from hazards.reports.pdf import html_to_pdf

from .reports import pdf_pages


@pytest.fixture
def web_server():
    """A server on this machine that answers every request with a redirect to a local file, and counts them."""
    hits = []

    class Redirecting(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Redirecting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_it_serves_our_static_files_and_media(settings, tmp_path):
    photo = tmp_path / "media" / "thumbnails" / "a.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"jpeg")
    assert local_path(f"{settings.SITE_URL}/static/css/risk_list.css").name == "risk_list.css"
    assert local_path(f"{settings.SITE_URL}/media/thumbnails/a.jpg") == photo.resolve()
    response = LocalFetcher().fetch(f"{settings.SITE_URL}/media/thumbnails/a.jpg")
    assert response.read() == b"jpeg" and response.content_type == "image/jpeg"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://example.com/logo.png",
    "https://127.0.0.1:8000/static/css/risk_list.css",  # our path, another origin
    "ftp://127.0.0.1/x",
    "data:image/png;base64,iVBORw0KGgo=",
    "{site}/static/../../floodwatch/settings.py",
    "{site}/static/%2e%2e/%2e%2e/floodwatch/settings.py",
    "{site}/media/../../floodwatch/settings.py",
    "{site}/media/%2e%2e/%2e%2e/etc/passwd",
    "{site}/report-fonts/../floodwatch.sqlite3",
    "{site}/manage.py",
    "{site}/static/css/nothing-here.css",
    "{site}/static/css/risk_list.css?next=http://example.com",
])
def test_it_refuses_everything_else(url):
    with pytest.raises(RefusedURL):
        LocalFetcher().fetch(url.format(site=settings.SITE_URL))


def test_rendering_never_calls_another_server_nor_follows_its_redirect(web_server):
    origin, hits = web_server
    html = (
        f'<link rel="stylesheet" href="{origin}/style.css">'
        f'<p>风险清单</p><img src="{origin}/photo.jpg"><img src="file:///etc/passwd">'
    )
    # The control: WeasyPrint's own fetcher does call the server (and is sent on to the file).
    HTML(string=html).write_pdf()
    assert hits
    hits.clear()
    assert "风险清单" in "".join(pdf_pages(html_to_pdf(html)))
    assert hits == []


def test_even_a_site_url_on_a_live_server_is_read_from_disk_not_fetched(web_server, settings):
    origin, hits = web_server
    settings.SITE_URL = origin
    html = f'<img src="{origin}/static/nothing.png"><img src="{origin}/media/redirect.jpg"><p>风险清单</p>'
    assert "风险清单" in "".join(pdf_pages(html_to_pdf(html)))
    assert hits == []
