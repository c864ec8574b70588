"""The range every date of Starfire lies in, and form fields that keep to it.

A date such as 0001-01-01 or 9999-12-31 parses, but cannot be moved between time zones or added
to; such values are refused as a form error before they reach a service or the database."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)


def short_date(day: dt.date) -> str:
    """A date as the interface language writes it in text (2026-12-01, 1 Dec 2026)."""
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def short_datetime(value: dt.datetime) -> str:
    """A moment in the local time zone, as the interface language writes it in text."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "SHORT_DATETIME_FORMAT")


def validate_date_in_range(value) -> None:
    """Refuse a date or date-time outside 2000-01-01 … 2100-12-31."""
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not (DATE_MIN <= day <= DATE_MAX):
        raise ValidationError(
            _("日期应在 %(min)s 至 %(max)s 之间，而不是 %(value)s。"),
            code="date_out_of_range",
            params={"min": short_date(DATE_MIN), "max": short_date(DATE_MAX), "value": short_date(day)},
        )


PAST_MIN = dt.date(1921, 7, 1)


def validate_past_date(value) -> None:
    """Refuse a date of the past (a founding, a joining) before 1921-07-01 or after today."""
    if value is None:
        return
    today = timezone.localdate()
    if not (PAST_MIN <= value <= today):
        raise ValidationError(
            _("日期应在 %(min)s 至今天（%(today)s）之间，而不是 %(value)s。"),
            code="date_out_of_range",
            params={"min": short_date(PAST_MIN), "today": short_date(today), "value": short_date(value)},
        )


class RangeDateField(forms.DateField):
    default_validators = [validate_date_in_range]


class RangeDateTimeField(forms.DateTimeField):
    default_validators = [validate_date_in_range]

    def to_python(self, value):
        # Check the range on the naive value: making 0001-01-01 00:00 aware in a zone east of UTC
        # overflows before any validator runs.
        if isinstance(value, str) and value.strip():
            naive = None
            for fmt in self.input_formats:
                try:
                    naive = self.strptime(value.strip(), fmt)
                    break
                except (ValueError, TypeError):
                    continue
            if naive is not None:
                validate_date_in_range(naive)
        try:
            return super().to_python(value)
        except OverflowError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
