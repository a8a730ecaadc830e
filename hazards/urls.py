from django.urls import path

from . import api
from .views import register, works

app_name = "hazards"

urlpatterns = [
    path("", register.hazard_map, name="map"),
    path("hazards/", register.hazard_list, name="list"),
    path("hazards/new/", register.hazard_create, name="create"),
    path("hazards/<str:code>/", register.hazard_detail, name="detail"),
    path("hazards/<str:code>/edit/", register.hazard_edit, name="edit"),
    path("work-orders/", works.order_list, name="work-orders"),
    path("work-orders/mine/", works.my_orders, name="my-work-orders"),
    path("work-orders/new/", works.order_create, name="work-order-create"),
    path("work-orders/<int:pk>/", works.order_detail, name="work-order"),
    path("work-orders/<int:pk>/edit/", works.order_edit, name="work-order-edit"),
    path("work-orders/<int:pk>/progress/", works.order_progress, name="work-order-progress"),
    path("work-orders/<int:pk>/accept/", works.order_accept, name="work-order-accept"),
    path("api/hazards/", api.hazards, name="api-hazards"),
    path("api/hazards/<str:code>/", api.hazard, name="api-hazard"),
    path("api/rivers/", api.rivers, name="api-rivers"),
    path("api/district/", api.district, name="api-district"),
    path("api/work-orders/", api.work_orders, name="api-work-orders"),
    path("api/work-orders/<int:pk>/progress/", api.work_order_progress, name="api-work-order-progress"),
]
