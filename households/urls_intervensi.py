"""URLs of households/views_intervensi.py (included by households/urls.py)."""

from django.urls import path

from . import views_intervensi

urlpatterns = [
    path("intervensi/<int:unit_pk>/", views_intervensi.intervensi_view, name="intervensi"),
]
