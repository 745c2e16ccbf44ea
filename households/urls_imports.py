"""URLs of households/views_imports.py (included by households/urls.py)."""

urlpatterns = []
