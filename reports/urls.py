"""The reports app's URLs (monthly reports, review, completeness), under /laporan/."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("satuan/<int:unit_pk>/", views.laporan_terkini, name="laporan_terkini"),
    path("satuan/<int:unit_pk>/<int:tahun>/<int:bulan>/", views.laporan_unit, name="laporan_unit"),
    path("<int:pk>/aksi/", views.laporan_aksi, name="laporan_aksi"),
    path("setujui/", views.laporan_setujui_banyak, name="laporan_setujui_banyak"),
    path("kelengkapan/<int:unit_pk>/", views.kelengkapan, name="kelengkapan"),
]
