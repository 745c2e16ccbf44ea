"""The reports app's URLs: a dasawisma's vital events beside its households, and the monthly reports,
their review and completeness under /laporan/."""

from django.urls import path

from . import views, views_events

app_name = "reports"
urlpatterns = [
    # the monthly vital events of a dasawisma (views_events)
    path("dasawisma/<int:unit_pk>/peristiwa/", views_events.kejadian_dasawisma, name="kejadian_dasawisma"),
    path("dasawisma/<int:unit_pk>/peristiwa/kehamilan/baru/", views_events.kehamilan_add, name="kehamilan_add"),
    path("kehamilan/<int:pk>/akhiri/", views_events.kehamilan_end, name="kehamilan_end"),
    path("dasawisma/<int:unit_pk>/peristiwa/kelahiran/baru/", views_events.kelahiran_add, name="kelahiran_add"),
    path("dasawisma/<int:unit_pk>/peristiwa/kematian/baru/", views_events.kematian_add, name="kematian_add"),
    path("warga/<int:pk>/keluar/", views_events.warga_leave, name="warga_leave"),
    # the monthly report and its review (views)
    path("laporan/satuan/<int:unit_pk>/", views.laporan_terkini, name="laporan_terkini"),
    path("laporan/satuan/<int:unit_pk>/<int:tahun>/<int:bulan>/", views.laporan_unit, name="laporan_unit"),
    path("laporan/<int:pk>/aksi/", views.laporan_aksi, name="laporan_aksi"),
    path("laporan/setujui/", views.laporan_setujui_banyak, name="laporan_setujui_banyak"),
    path("laporan/kelengkapan/<int:unit_pk>/", views.kelengkapan, name="kelengkapan"),
]
