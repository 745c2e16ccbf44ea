"""URLs of households/views_entry.py (included by households/urls.py)."""

urlpatterns = []
