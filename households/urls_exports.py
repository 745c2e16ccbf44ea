"""URLs of households/views_exports.py (included by households/urls.py)."""

urlpatterns = []
