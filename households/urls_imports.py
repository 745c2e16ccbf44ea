"""URLs of households/views_imports.py (one dasawisma) and households/views_imports_kelurahan.py (a whole
kelurahan at once), included by households/urls.py."""

from django.urls import path

from . import views_imports as views
from . import views_imports_kelurahan as kelurahan

urlpatterns = [
    path("dasawisma/<int:unit_pk>/impor/templat.xlsx", views.import_template, name="import_template"),
    path("dasawisma/<int:unit_pk>/impor/", views.import_upload, name="import_upload"),
    path("impor/<str:token>/", views.import_preview, name="import_preview"),
    path("wilayah/<int:unit_pk>/impor-warga/", kelurahan.upload, name="import_kelurahan_upload"),
    path("wilayah/<int:unit_pk>/impor-warga/templat.xlsx", kelurahan.template, name="import_kelurahan_template"),
    path("impor-kelurahan/<str:token>/", kelurahan.preview, name="import_kelurahan_preview"),
    path("impor-kelurahan/<str:token>/dasawisma/<int:unit_pk>/", kelurahan.rows, name="import_kelurahan_rows"),
]
