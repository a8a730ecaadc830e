from django.contrib import admin
from django.urls import include, path

from hazards.views import dashboard as dashboard_views
from hazards.views import register as register_views

urlpatterns = [
    # Django's login page, landing leaders on the dashboard (hazards/views/dashboard.py)
    path("accounts/login/", dashboard_views.LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("media/<path:path>", register_views.media, name="media"),
    path("", include("hazards.urls")),
]
