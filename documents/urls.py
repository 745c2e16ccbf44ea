"""The documents app's URLs: the public verification page, under /laporan/ where the files print it."""

from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("laporan/verifikasi/", views.verifikasi, name="verifikasi"),
]
