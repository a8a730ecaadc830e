"""The hazard list, page by page, is the whole register in the order asked for, whichever way it is cut."""

import pytest
from django.urls import reverse

from hazards import generate
from hazards.models import Hazard
from hazards.views.register import SORTS


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("query", ["", "min_risk=high&open=true", "river=xiaotaihou"])
def test_the_pages_together_are_the_register_in_order(sort, query, rivers, client_as):
    generate.generate(130, seed=4)
    client = client_as("leader")
    expected = Hazard.objects.alias(risk_rank=Hazard.risk_rank_expression()).order_by(*SORTS[sort])
    if query == "min_risk=high&open=true":
        expected = expected.filter(risk_level__in=["high", "major"], status__in=Hazard.OPEN_STATUSES)
    elif query:
        expected = expected.filter(river__code="xiaotaihou")
    codes, page = [], 1
    while True:
        response = client.get(reverse("hazards:list") + f"?{query}&sort={sort}&page={page}")
        listed = [hazard.code for hazard in response.context["page"]]
        codes += listed
        if not response.context["page"].has_next():
            break
        page += 1
    assert codes == list(expected.values_list("code", flat=True))
    assert response.context["page"].paginator.count == len(codes)
