"""Helpers shared by every rating model: half-point scores and star level names."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

HALF = Decimal("0.5")
LEVEL_NAMES = {0: _("无星"), 1: _("一星"), 2: _("二星"), 3: _("三星"), 4: _("四星"), 5: _("五星")}


def level_name(level):
    if level is None:
        return _("不评星")
    return LEVEL_NAMES.get(level, str(level))


def validate_half_step(value):
    if value is not None and (Decimal(value) / HALF) % 1 != 0:
        raise ValidationError(_("分值只能精确到0.5分（例如 3 或 3.5），而不是 %(v)s。"), params={"v": value})
