"""The recaps app's URLs (recaps 4.16a-4.19c, their downloads, the dashboard),
under /laporan/ beside the monthly reports."""

from django.urls import path

from . import views, views_dashboard, views_download

app_name = "recaps"
urlpatterns = [
    path("rekap/<int:unit_pk>/", views.rekap, name="rekap"),
    path("rekap/<int:unit_pk>/<int:tahun>/", views.rekap_tahunan, name="rekap_tahunan"),
    path("rekap/<int:unit_pk>/<int:tahun>/<int:bulan>/", views.rekap_bulanan, name="rekap_bulanan"),
    path("rekap/<int:unit_pk>/<int:tahun>/unduh/", views_download.rekap_unduh_tahunan, name="rekap_unduh_tahunan"),
    path(
        "rekap/<int:unit_pk>/<int:tahun>/<int:bulan>/unduh/",
        views_download.rekap_unduh_bulanan,
        name="rekap_unduh_bulanan",
    ),
    path("dasbor/<int:unit_pk>/", views_dashboard.dasbor, name="dasbor"),
]
