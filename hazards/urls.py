from django.urls import path

from . import api, views

app_name = "hazards"

urlpatterns = [
    path("", views.hazard_map, name="map"),
    path("hazards/", views.hazard_list, name="list"),
    path("hazards/new/", views.hazard_create, name="create"),
    path("hazards/<str:code>/", views.hazard_detail, name="detail"),
    path("hazards/<str:code>/edit/", views.hazard_edit, name="edit"),
    path("api/hazards/", api.hazards, name="api-hazards"),
    path("api/hazards/<str:code>/", api.hazard, name="api-hazard"),
    path("api/rivers/", api.rivers, name="api-rivers"),
]
