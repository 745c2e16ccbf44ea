"""URLs of households/views_events.py: the monthly vital events (included by households/urls.py)."""

from django.urls import path

from . import views_events as views

urlpatterns = [
    path("dasawisma/<int:unit_pk>/peristiwa/", views.kejadian_dasawisma, name="kejadian_dasawisma"),
    path("dasawisma/<int:unit_pk>/peristiwa/kehamilan/baru/", views.kehamilan_add, name="kehamilan_add"),
    path("kehamilan/<int:pk>/akhiri/", views.kehamilan_end, name="kehamilan_end"),
    path("dasawisma/<int:unit_pk>/peristiwa/kelahiran/baru/", views.kelahiran_add, name="kelahiran_add"),
    path("dasawisma/<int:unit_pk>/peristiwa/kematian/baru/", views.kematian_add, name="kematian_add"),
]
