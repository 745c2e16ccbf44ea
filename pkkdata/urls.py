from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hierarchy.views import LogoutView, PasswordChangeView

from .views import antrian, healthz, healthz_web, home, offline, service_worker

admin.site.site_header = "Administrasi Sistem Data PKK"
admin.site.site_title = "Data PKK"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("healthz/web", healthz_web, name="healthz_web"),
    path("sw.js", service_worker, name="service_worker"),
    path("offline/", offline, name="offline"),
    path("antrian/", antrian, name="antrian"),
    path("masuk/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("keluar/", LogoutView.as_view(), name="logout"),
    path("sandi/", PasswordChangeView.as_view(), name="password_change"),
    path("sandi/selesai/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include("hierarchy.urls")),
    path("", include("households.urls")),
    path("", include("onboarding.urls")),
    path("", include("reports.urls")),
    path("laporan/", include("recaps.urls")),
    path("", include("documents.urls")),
    path("", include("jobs.urls")),
    path("admin/", admin.site.urls),
]
