"""URLs of households/views_browse.py (included by households/urls.py)."""

urlpatterns = []
