from django.urls import path

from . import views

app_name = "onboarding"
urlpatterns = [
    path("wilayah/<int:unit_pk>/memulai/", views.upload, name="upload"),
    path("wilayah/<int:unit_pk>/memulai/templat/", views.template, name="template"),
    path("memulai/<str:token>/", views.preview, name="preview"),
]
