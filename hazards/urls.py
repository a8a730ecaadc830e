from django.urls import path

from . import api
from .views import register, reports

app_name = "hazards"

urlpatterns = [
    path("", register.hazard_map, name="map"),
    path("hazards/", register.hazard_list, name="list"),
    path("hazards/new/", register.hazard_create, name="create"),
    path("hazards/<str:code>/", register.hazard_detail, name="detail"),
    path("hazards/<str:code>/edit/", register.hazard_edit, name="edit"),
    path("api/hazards/", api.hazards, name="api-hazards"),
    path("api/hazards/<str:code>/", api.hazard, name="api-hazard"),
    path("api/rivers/", api.rivers, name="api-rivers"),
    path("reports/risk-list.pdf", reports.risk_list, {"extension": "pdf"}, name="risk-list-pdf"),
    path("reports/risk-list.csv", reports.risk_list, {"extension": "csv"}, name="risk-list-csv"),
    path("tours/", reports.tour_list, name="tours"),
    path("tours/new/", reports.tour_create, name="tour-create"),
    path("tours/<int:pk>/", reports.tour_detail, name="tour"),
    path("tours/<int:pk>/delete/", reports.tour_delete, name="tour-delete"),
]
