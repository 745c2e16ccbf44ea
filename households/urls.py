"""The households app's URLs, one module per area of work (entry, browse, imports, exports)."""

from . import urls_browse, urls_entry, urls_exports, urls_imports, urls_intervensi

app_name = "households"
urlpatterns = urls_browse.urlpatterns + urls_entry.urlpatterns + urls_imports.urlpatterns + urls_exports.urlpatterns
urlpatterns += urls_intervensi.urlpatterns
