from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("pekerjaan/", views.daftar, name="daftar"),
    path("pekerjaan/<int:pk>/", views.status, name="status"),
    path("pekerjaan/<int:pk>/berkas/", views.berkas, name="berkas"),
    path("pekerjaan/<int:pk>/ulangi/", views.ulangi, name="ulangi"),
]
