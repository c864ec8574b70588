"""Every free text of the apps has a limit: in its model (`full_clean`, so the admin and the services
refuse too) and in its form field (the textarea's maxlength and the form's check)."""

import pytest
from django.apps import apps
from django.core.validators import MaxLengthValidator
from django.db import models

APPS = ("core", "branches", "notifications", "meetings", "ratings", "api")


def _is_history(model) -> bool:
    # django-simple-history's copies: they mirror the fields of the model they record.
    return model.__name__.startswith("Historical") and hasattr(model, "history_id")


def text_fields() -> list[tuple[str, models.Field]]:
    return [
        (f"{model._meta.label}.{field.name}", field)
        for label in APPS
        for model in apps.get_app_config(label).get_models()
        if not _is_history(model)
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField)
    ]


def limit_problem(field: models.Field) -> str:
    """What is missing from a text field's limit, or "" when it has one everywhere."""
    if not field.max_length:
        return "no max_length"
    if not any(
        isinstance(v, MaxLengthValidator) and v.limit_value == field.max_length for v in field.validators
    ):
        return "no MaxLengthValidator for the model's full_clean"
    if field.choices:
        return ""
    form_field = field.formfield()
    if form_field.max_length != field.max_length:
        return f"the form field allows {form_field.max_length}"
    return ""


FIELDS = text_fields()


def test_the_walk_finds_the_text_fields():
    names = {name for name, _f in FIELDS}
    assert {"meetings.Meeting.minutes", "ratings.Objection.reason", "branches.AuditEntry.note"} <= names


@pytest.mark.parametrize("name, field", FIELDS, ids=[name for name, _f in FIELDS])
def test_every_text_field_has_a_limit(name, field):
    assert limit_problem(field) == "", name


def test_an_unlimited_text_field_would_fail():
    assert limit_problem(models.TextField()) == "no max_length"
    assert (
        limit_problem(models.TextField(max_length=100)) == "no MaxLengthValidator for the model's full_clean"
    )
