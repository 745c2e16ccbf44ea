"""URLs of households/views_intervensi.py (included by households/urls.py)."""

from django.urls import path

from . import views_intervensi

urlpatterns = [
    path("intervensi/<int:unit_pk>/", views_intervensi.intervensi_view, name="intervensi"),
    path("intervensi/<int:unit_pk>/akses-nik/", views_intervensi.akses_nik_view, name="akses_nik"),
]
