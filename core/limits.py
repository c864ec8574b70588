"""How long each kind of free text may be: one name per kind, used by the models and the forms.

A model's TextField takes `**bounded(LIMIT)`: `max_length` reaches its form field (the textarea's
maxlength and the form's check) and the validator makes `full_clean` refuse too, so the admin and
the services that clean their rows say the same. `tests/test_text_limits.py` fails for a text
field without a limit.
"""

from django.core.validators import MaxLengthValidator

MINUTES = 20_000  # 会议记录
RUBRIC_TEXT = 5_000  # a rubric's 佐证材料要求 and 验收要点
ANSWER = 4_000  # a branch's 整改情况
REASON = 2_000  # reasons, comments, findings, conclusions typed by staff, inspectors and the public
AUDIT_NOTE = 4_000  # the note of an audit entry (may quote a reason)
NOTICE_BODY = 10_000  # the text of an in-app notice and its e-mail
GENERATED = 2_000  # text the system writes itself: an error, the explanation of a star level


def bounded(limit: int) -> dict:
    """The keyword arguments that give a model text field its limit (see the module's docstring)."""
    return {"max_length": limit, "validators": [MaxLengthValidator(limit)]}
