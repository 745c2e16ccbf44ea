from django.urls import path

from . import views

app_name = "hierarchy"
urlpatterns = [
    path("wilayah/", views.unit_roots, name="unit_roots"),
    path("wilayah/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("wilayah/<int:pk>/tambah/", views.unit_create, name="unit_create"),
    path("wilayah/<int:pk>/ubah/", views.unit_edit, name="unit_edit"),
    path("wilayah/<int:pk>/pindah/", views.unit_move, name="unit_move"),
    path("wilayah/<int:pk>/tutup/", views.unit_close, name="unit_close"),
    path("wilayah/<int:pk>/buka/", views.unit_reopen, name="unit_reopen"),
    path("wilayah/<int:unit_pk>/akun-baru/", views.account_create, name="account_create"),
    path("akun/", views.account_list, name="account_list"),
    path("akun/<int:pk>/", views.account_detail, name="account_detail"),
    path("akun/<int:pk>/ubah/", views.account_edit, name="account_edit"),
    path("akun/<int:pk>/sandi/", views.account_password, name="account_password"),
    path("akun/<int:pk>/status/", views.account_active, name="account_active"),
    path("akun/<int:pk>/peran/", views.role_grant, name="role_grant"),
    path("peran/<int:pk>/cabut/", views.role_revoke, name="role_revoke"),
]
