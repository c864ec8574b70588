"""The version of each score a program may write (the API): a hash of its current value
(core.errors.value_version). A score not yet given has the version of an empty one."""

from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import Conflict, value_version


def _score(score) -> str | None:
    return None if score is None else f"{Decimal(score):.1f}"


def self_score_version(row) -> str:
    if row is None:
        return value_version("self", None, "")
    return value_version("self", _score(row.score), row.comment or "")


def inspection_score_version(row) -> str:
    if row is None:
        return value_version("inspection", None, "")
    return value_version("inspection", _score(row.score), row.finding or "")


def require_version(expected: str | None, current: str, value: dict) -> None:
    """Refuse a write based on another version than the current one (None: the caller does not
    ask, as the pages do not). Raises core.errors.Conflict with the current value and version."""
    if expected is not None and expected != current:
        raise Conflict(
            _("该项已被修改，您提交的内容基于旧版本；请查看当前内容后重新提交。"),
            current={**value, "version": current},
        )
