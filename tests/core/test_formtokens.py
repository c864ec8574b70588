import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory

from core.errors import attempt
from core.formtokens import FIELD, AlreadySubmitted, once, replay_safe
from core.models import FormToken

pytestmark = pytest.mark.django_db


def post(token):
    request = RequestFactory().post("/form/", {FIELD: token} if token else {})
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_the_tag_renders_a_fresh_hidden_token_each_time():
    template = engines["django"].from_string("{% load formtokens %}{% form_token %}")
    first, second = template.render({}), template.render({})
    assert 'type="hidden" name="form_token"' in first and first != second


def test_the_second_use_of_a_token_is_refused_with_the_first_result():
    token = "a" * 32
    with once(post(token), "test") as claim:
        claim.done("/made/1/")
    with pytest.raises(AlreadySubmitted) as caught, once(post(token), "test"):
        pytest.fail("the block must not run for a replay")
    assert caught.value.url == "/made/1/"


def test_a_refused_service_gives_the_token_back():
    token = "b" * 32
    with attempt() as outcome, once(post(token), "test"):
        raise ValidationError("refused")
    assert not outcome.ok and not FormToken.objects.filter(token=token).exists()
    with once(post(token), "test"):
        pass
    assert FormToken.objects.filter(token=token).exists()


def test_without_a_token_nothing_is_guarded():
    for _ in range(2):
        with once(post(None), "test") as claim:
            claim.done("/x/")
    assert not FormToken.objects.exists()


def test_a_replay_is_redirected_with_a_note():
    token = "c" * 32

    @replay_safe
    def view(request):
        with once(request, "test") as claim:
            claim.done("/made/7/")
        return HttpResponse("made")

    assert view(post(token)).content == b"made"
    replay = view(post(token))
    assert replay.status_code == 302 and replay.url == "/made/7/"


def test_used_tokens_are_forgotten_after_a_week():
    import datetime as dt

    from django.utils import timezone

    from core.tasks import purge_form_tokens

    FormToken.objects.create(token="d" * 32, scope="test")
    FormToken.objects.create(token="e" * 32, scope="test")
    FormToken.objects.filter(token="d" * 32).update(used_at=timezone.now() - dt.timedelta(days=8))
    assert purge_form_tokens() == 1
    assert list(FormToken.objects.values_list("token", flat=True)) == ["e" * 32]
