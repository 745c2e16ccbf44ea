"""URLs of households/views_imports.py (included by households/urls.py)."""

from django.urls import path

from . import views_imports as views

urlpatterns = [
    path("dasawisma/<int:unit_pk>/impor/templat.xlsx", views.import_template, name="import_template"),
    path("dasawisma/<int:unit_pk>/impor/", views.import_upload, name="import_upload"),
    path("impor/<str:token>/", views.import_preview, name="import_preview"),
]
