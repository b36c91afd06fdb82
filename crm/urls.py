from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from crm import views as crm_views
from crm.core.health import healthz
from intake import views as intake_views

# A refused request (a form past Django's size limits...) explains itself in the user's
# language.
handler400 = "crm.core.refusals.bad_request"

admin.site.site_header = _("Lejek administration")
admin.site.site_title = _("Lejek")
admin.site.index_title = _("Configuration")

urlpatterns = [
    path("", crm_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("leads/", include("leads.urls")),
    path("", include("clients.urls")),
    path("", include("crm.core.urls")),
    path("investments/", include("investments.urls")),
    path("reports/", include("reports.urls")),
    path("privacy/", include("privacy.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", crm_views.favicon, name="favicon"),
    path("manifest.webmanifest", crm_views.manifest, name="manifest"),
    # For load balancers and container health checks: no login, no session.
    path("healthz/", healthz, name="healthz"),
    # Inquiries from outside: the API for websites and portals, and the embeddable form.
    path("api/intake/leads/", intake_views.intake_api_view, name="intake_api"),
    path("hooks/", include("intake.urls")),
    path("channels/", include("intake.pages.channels")),
    path("channels/telegram/", include("intake.pages.telegram")),
    path("api/schema/", intake_views.intake_schema_view, name="intake_schema"),
    path("intake/<slug:slug>/", intake_views.public_inquiry_view, name="intake_form"),
    path(
        "intake/<slug:slug>/thanks/",
        intake_views.public_inquiry_thanks_view,
        name="intake_form_thanks",
    ),
]
