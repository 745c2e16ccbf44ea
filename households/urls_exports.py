"""URLs of households/views_exports.py (included by households/urls.py)."""

from django.urls import path

from . import views_exports

urlpatterns = [
    path(
        "rumah-tangga/<int:pk>/unduh/<str:form>.<str:fmt>",
        views_exports.export_rumah_tangga,
        name="export_rumah_tangga",
    ),
    path(
        "dasawisma/<int:unit_pk>/unduh/<str:form>.<str:fmt>",
        views_exports.export_dasawisma,
        name="export_dasawisma",
    ),
    path("kelurahan/<int:unit_pk>/data-warga/", views_exports.unduh_kelurahan, name="unduh_kelurahan"),
    path("kelurahan/<int:unit_pk>/data-warga/siapkan/", views_exports.unduhan_minta, name="unduhan_minta"),
    path(
        "kelurahan/<int:unit_pk>/unduh/<str:form>.<str:fmt>",
        views_exports.export_kelurahan,
        name="export_kelurahan",
    ),
    path("warga/<int:pk>/catatan/<int:tahun>/", views_exports.catatan_koreksi, name="catatan_koreksi"),
]
