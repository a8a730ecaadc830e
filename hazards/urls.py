from django.urls import path

from . import api
from .views import readiness, register, works

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
    path("api/coverage/", api.coverage, name="api-coverage"),
    path("api/plans/", api.plans, name="api-plans"),
    path("patrols/", readiness.patrol_list, name="patrols"),
    path("patrols/new/", readiness.patrol_create, name="patrol-create"),
    path("patrols/<int:pk>/", readiness.patrol_detail, name="patrol"),
    path("patrols/<int:pk>/checks/", readiness.patrol_check_add, name="patrol-check"),
    path("patrols/<int:pk>/report-hazard/", readiness.patrol_report_hazard, name="patrol-report-hazard"),
    path("plans/", readiness.plan_list, name="plans"),
    path("plans/new/", readiness.plan_create, name="plan-create"),
    path("plans/<int:pk>/", readiness.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", readiness.plan_edit, name="plan-edit"),
    path("drills/", readiness.drill_list, name="drills"),
    path("drills/new/", readiness.drill_create, name="drill-create"),
    path("drills/<int:pk>/", readiness.drill_detail, name="drill"),
    path("drills/<int:pk>/edit/", readiness.drill_edit, name="drill-edit"),
    path("drills/follow-ups/<int:pk>/work-order/", readiness.follow_up_work_order, name="follow-up-work-order"),
    path("readiness/", readiness.readiness_table, name="readiness"),
]
