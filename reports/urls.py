"""The reports app's URLs (monthly reports, review, completeness, recaps, downloads, dashboard), under
/laporan/."""

from django.urls import path

from . import views, views_dashboard, views_download, views_recap

app_name = "reports"
urlpatterns = [
    path("satuan/<int:unit_pk>/", views.laporan_terkini, name="laporan_terkini"),
    path("satuan/<int:unit_pk>/<int:tahun>/<int:bulan>/", views.laporan_unit, name="laporan_unit"),
    path("<int:pk>/aksi/", views.laporan_aksi, name="laporan_aksi"),
    path("setujui/", views.laporan_setujui_banyak, name="laporan_setujui_banyak"),
    path("kelengkapan/<int:unit_pk>/", views.kelengkapan, name="kelengkapan"),
    # recaps 4.16a-4.19c (views_recap), their downloads and the verification page (views_download)
    path("rekap/<int:unit_pk>/", views_recap.rekap, name="rekap"),
    path("rekap/<int:unit_pk>/<int:tahun>/", views_recap.rekap_tahunan, name="rekap_tahunan"),
    path("rekap/<int:unit_pk>/<int:tahun>/<int:bulan>/", views_recap.rekap_bulanan, name="rekap_bulanan"),
    path("rekap/<int:unit_pk>/<int:tahun>/unduh/", views_download.rekap_unduh_tahunan, name="rekap_unduh_tahunan"),
    path(
        "rekap/<int:unit_pk>/<int:tahun>/<int:bulan>/unduh/",
        views_download.rekap_unduh_bulanan,
        name="rekap_unduh_bulanan",
    ),
    path("verifikasi/", views_download.verifikasi, name="verifikasi"),
    # the dashboard of kelurahan, kecamatan and kota roles (views_dashboard)
    path("dasbor/<int:unit_pk>/", views_dashboard.dasbor, name="dasbor"),
]
