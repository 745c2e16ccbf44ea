"""URLs of households/views_browse.py (included by households/urls.py)."""

from django.urls import path

from . import views_browse as views

urlpatterns = [
    path("dasawisma/<int:unit_pk>/rumah-tangga/", views.rumah_tangga_list, name="rumah_tangga_list"),
    path("dasawisma/<int:unit_pk>/pendataan/", views.pendataan, name="pendataan"),
    path("warga/cari/", views.warga_search, name="warga_search"),
    path("rumah-tangga/<int:pk>/", views.rumah_tangga_detail, name="rumah_tangga_detail"),
    path("rumah-tangga/<int:pk>/riwayat/", views.rumah_tangga_history, name="rumah_tangga_history"),
    path("rumah-tangga/<int:pk>/pindah/", views.rumah_tangga_move, name="rumah_tangga_move"),
    path("warga/<int:pk>/buka-nik/", views.nik_reveal, name="nik_reveal"),
    path("keluarga/<int:pk>/buka-kk/", views.kk_reveal, name="kk_reveal"),
]
