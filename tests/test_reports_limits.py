"""Risk lists are bounded: how many stops one request may print, how often one user may ask (issue 8, defect 10)."""

import csv
import io

import pytest
from django.urls import reverse

from .conftest import make_hazard

PDF = reverse("hazards:risk-list-pdf")
CSV = reverse("hazards:risk-list-csv")


@pytest.fixture
def five_hazards(rivers):
    return [make_hazard(rivers["xiaotaihou"], 500 + 1000 * n) for n in range(5)]


def test_a_list_longer_than_the_limit_is_refused_with_what_to_do_instead(client_as, five_hazards, settings):
    settings.REPORT_MAX_STOPS = 4
    for url in (PDF, CSV):
        response = client_as("leader").get(url)
        assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        assert "This list would have 5 stops; at most 4 can be printed at once." in page
        assert "plan an inspection tour" in page and reverse("hazards:tours") in page


def test_a_list_within_the_limit_is_made(client_as, five_hazards, settings):
    settings.REPORT_MAX_STOPS = 4
    response = client_as("leader").get(CSV + "?code=" + "&code=".join(h.code for h in five_hazards[:4]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(row[1] for row in rows[1:]) == sorted(h.code for h in five_hazards[:4])


def test_a_user_asking_too_often_waits_and_others_do_not(client_as, five_hazards, settings):
    settings.REPORT_REQUESTS_PER_MINUTE = 2
    leader = client_as("leader")
    assert [leader.get(CSV).status_code for _ in range(2)] == [200, 200]
    refused = leader.get(PDF)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert "Wait" in refused.content.decode() and "seconds, then download again" in refused.content.decode()
    assert client_as("inspector").get(CSV).status_code == 200


def test_a_filter_that_makes_no_sense_is_named_on_a_page(client_as, five_hazards):
    response = client_as("leader").get(PDF + "?min_risk=extreme")
    assert response.status_code == 400
    assert "min_risk" in response.content.decode() and "This risk list cannot be made" in response.content.decode()
