"""Django-axes' login records under Starfire's names, for the admin (proxies: no tables of their own)."""

from axes.models import AccessAttempt, AccessFailureLog
from django.utils.translation import gettext_lazy as _


class LoginAttempt(AccessAttempt):
    """The failed logins counted for one username from one address (what a lockout is decided on)."""

    class Meta:
        proxy = True
        verbose_name = _("登录失败计数")
        verbose_name_plural = _("登录失败计数")


class LoginFailure(AccessFailureLog):
    """Every failed login, kept as history."""

    class Meta:
        proxy = True
        verbose_name = _("登录失败日志")
        verbose_name_plural = _("登录失败日志")
