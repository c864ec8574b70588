from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from starfire import views
from starfire.health import healthz, readyz
from starfire.metrics import metrics

admin.site.site_header = _("星火评星管理后台")
admin.site.site_title = _("星火评星")
admin.site.index_title = _("综合党委管理")

urlpatterns = [
    path("", views.home, name="home"),
    path("committee/", views.committee_switch, name="committee-switch"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", views.set_language, name="set_language"),  # also kept on the account
    path("register/", include("branches.urls")),
    path("ratings/", include("ratings.urls")),
    path("meetings/", include("meetings.urls")),
    path("notifications/", include("notifications.urls")),
    path("province/", include("province.urls")),
    path("programme/", include("programme.urls")),
    path("account/", include("api.account_urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),  # METRICS_ALLOWED_IPS only; 404 for everyone else
    # The objection form's CAPTCHA images (public, no login; drawn here, no outside service).
    path("captcha/", include("captcha.urls")),
]
