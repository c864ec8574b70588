"""Two POSTs of one form at the same time, from two connections (PostgreSQL: SQLite serialises)."""

import time

import pytest
from django.test import RequestFactory

from core.formtokens import FIELD, AlreadySubmitted, once
from core.models import FormToken
from tests.ratings.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_of_two_simultaneous_posts_with_one_token_only_one_runs():
    token = "f" * 32
    ran = []

    def submit():
        request = RequestFactory().post("/form/", {FIELD: token})
        try:
            with once(request, "test") as claim:
                time.sleep(0.3)  # the second waits on the token's row meanwhile
                ran.append(1)
                claim.done("/made/")
        except AlreadySubmitted as exc:
            return exc.url
        return "ran"

    results, errors = run_together(submit, submit)
    assert errors == [None, None]
    assert sorted(results) == ["/made/", "ran"] and ran == [1]
    assert FormToken.objects.get(token=token).url == "/made/"
