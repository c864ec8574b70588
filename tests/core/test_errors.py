"""core.errors: a service's refusal said one way, next to the form's fields or as a page message."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from core.errors import SEPARATOR, add_form_errors, attempt, error_messages, error_text


class NoteForm(forms.Form):
    note = forms.CharField(required=False)


def _request():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_messages_of_a_refusal_keep_their_order_and_join_on_one_line():
    exc = ValidationError(["第一条。", "第二条。"])
    assert error_messages(exc) == ["第一条。", "第二条。"]
    assert error_text(exc) == "第一条。" + SEPARATOR + "第二条。"


def test_a_permission_denied_without_words_gets_the_default_reason():
    assert error_messages(PermissionDenied("只有书记可以填报。")) == ["只有书记可以填报。"]
    assert error_messages(PermissionDenied()) == ["您没有权限进行此操作。"]


def test_field_errors_go_next_to_their_field_and_the_others_to_the_top():
    form = NoteForm(data={"note": ""})
    assert form.is_valid()
    add_form_errors(form, ValidationError({"note": "请写明理由。", "elsewhere": "别处的问题。"}))
    assert form.errors["note"] == ["请写明理由。"]
    assert form.non_field_errors() == ["别处的问题。"]


def test_fields_shown_elsewhere_collect_their_messages_instead_of_the_form():
    form = NoteForm(data={})
    form.is_valid()
    elsewhere = {"scores": []}
    add_form_errors(form, ValidationError({"scores": "分数无效。"}), fields_elsewhere=elsewhere)
    assert elsewhere == {"scores": ["分数无效。"]}
    assert not form.errors


def test_attempt_is_ok_when_the_service_says_nothing():
    with attempt(_request()) as outcome:
        pass
    assert outcome.ok
    assert outcome.text == ""


def test_attempt_puts_a_refusal_on_the_page_without_a_form():
    request = _request()
    with attempt(request) as outcome:
        raise ValidationError(["不能提交。", "还有指标未评分。"])
    assert not outcome.ok
    assert [str(m) for m in get_messages(request)] == ["不能提交。" + SEPARATOR + "还有指标未评分。"]


def test_attempt_puts_a_refusal_on_the_form_and_not_on_the_page():
    request = _request()
    form = NoteForm(data={})
    form.is_valid()
    with attempt(request, form=form) as outcome:
        raise ValidationError("已经分配。")
    assert outcome.messages == ["已经分配。"]
    assert form.non_field_errors() == ["已经分配。"]
    assert list(get_messages(request)) == []


def test_attempt_lets_a_permission_denied_through_when_told_to():
    with pytest.raises(PermissionDenied), attempt(catch_denied=False):
        raise PermissionDenied("不行。")
    with attempt() as outcome:
        raise PermissionDenied("不行。")
    assert outcome.text == "不行。"


def test_attempt_does_not_swallow_other_errors():
    with pytest.raises(KeyError), attempt():
        raise KeyError("bug")
