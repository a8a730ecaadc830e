from django.contrib import admin
from django.urls import include, path

from hazards import views as hazard_views

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("media/<path:path>", hazard_views.media, name="media"),
    path("", include("hazards.urls")),
]
