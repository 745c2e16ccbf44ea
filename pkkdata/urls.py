from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("hierarchy.urls")),
    path("admin/", admin.site.urls),
]
