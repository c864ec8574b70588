"""统一社会信用代码 (USCC, GB 32100-2015): normalisation, validation and what it tells us."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 3^(i-1) mod 31 for i = 1..17
LENGTH = 18

# Position 2 under the civil-affairs authority (position 1 = "5").
CIVIL_AFFAIRS = "5"
CIVIL_AFFAIRS_TYPES = {"1": "association", "2": "private_non_enterprise", "3": "foundation", "9": "other"}


def normalize(value: str) -> str:
    """What users type: surrounding blanks, full-width characters, lower case."""
    value = (value or "").strip()
    value = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in value)
    return value.replace(" ", "").replace("\u3000", "").upper()


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """Raise a ValidationError that names the rule the code breaks: length, character, check."""
    if len(value) != LENGTH:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(n)d位。") % {"n": len(value)}, code="uscc_length"
        )
    for position, ch in enumerate(value, start=1):
        if ch not in _VALUE:
            raise ValidationError(
                _(
                    "统一社会信用代码第%(pos)d位“%(ch)s”不是合法字符（只允许数字和除 I、O、S、V、Z 以外的大写字母）。"
                )
                % {"pos": position, "ch": ch},
                code="uscc_character",
            )
    expected = check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验码错误：按前17位计算，第18位应为“%(expected)s”，实际为“%(actual)s”。")
            % {"expected": expected, "actual": value[17]},
            code="uscc_check",
        )


def is_valid(value: str) -> bool:
    try:
        validate_uscc(value)
    except ValidationError:
        return False
    return True


def org_type_from_uscc(value: str) -> str | None:
    """The organisation type the code fixes, or None where the code does not fix it."""
    if len(value) >= 2 and value[0] == CIVIL_AFFAIRS:
        return CIVIL_AFFAIRS_TYPES.get(value[1])
    return None


def division_from_uscc(value: str) -> str:
    return value[2:8] if len(value) >= 8 else ""


def make_uscc(prefix17: str) -> str:
    """A valid code from its first 17 characters (demo data, tests, benchmarks)."""
    return prefix17 + check_character(prefix17)


def not_importable_here() -> str:
    """The one answer for a code this committee may not register, whatever the reason.

    It is given for a code registered by another committee and for a clash found only when the
    rows are written, so it never tells another committee's staff that a code exists there."""
    return _("该统一社会信用代码不能在此导入，请联系登记管理部门。")


def registered_here(code: str) -> str:
    return _("统一社会信用代码 %(code)s 已在本综合党委登记，不能重复导入。") % {"code": code}
