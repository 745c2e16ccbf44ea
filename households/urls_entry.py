"""URLs of households/views_entry.py (included by households/urls.py)."""

from django.urls import path

from . import views_entry as views

urlpatterns = [
    path("dasawisma/<int:unit_pk>/rumah-tangga/baru/", views.rumah_tangga_create, name="rumah_tangga_create"),
    path("rumah-tangga/<int:pk>/ubah/", views.rumah_tangga_edit, name="rumah_tangga_edit"),
    path("rumah-tangga/<int:pk>/keluar/", views.rumah_tangga_leave, name="rumah_tangga_leave"),
    path("rumah-tangga/<int:pk>/keluarga/baru/", views.keluarga_add, name="keluarga_add"),
    path("rumah-tangga/<int:pk>/pekarangan/", views.pekarangan_edit, name="pekarangan_edit"),
    path("rumah-tangga/<int:pk>/industri/", views.industri_edit, name="industri_edit"),
    path("keluarga/<int:pk>/ubah/", views.keluarga_edit, name="keluarga_edit"),
    path("keluarga/<int:pk>/anggota/baru/", views.warga_add, name="warga_add"),
    path("warga/<int:pk>/ubah/", views.warga_edit, name="warga_edit"),
    path("warga/<int:pk>/hapus/", views.warga_delete, name="warga_delete"),
    path("warga/<int:pk>/kegiatan/", views.kegiatan_edit, name="kegiatan_edit"),
]
