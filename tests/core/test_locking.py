"""core.locking.locked: the row read again by its primary key, through SELECT … FOR UPDATE."""

import pytest
from django.db import transaction
from django.db.models import QuerySet

from core.locking import locked
from core.models import FormToken

pytestmark = pytest.mark.django_db


def test_locked_reads_the_stored_row_again_not_the_copy_it_is_handed():
    stored = FormToken.objects.create(token="t1", scope="s", url="/stored/")
    copy = FormToken.objects.get(pk=stored.pk)
    copy.url = "/changed-but-not-saved/"
    with transaction.atomic():
        fresh = locked(copy)
    assert type(fresh) is FormToken and fresh.pk == stored.pk
    assert fresh.url == "/stored/" and fresh is not copy


def test_locked_asks_for_the_lock(monkeypatch):
    row = FormToken.objects.create(token="t2", scope="s")
    asked = []
    original = QuerySet.select_for_update

    def spy(self, *args, **kwargs):
        asked.append((self.model, args, kwargs))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    with transaction.atomic():
        locked(row)
    assert asked == [(FormToken, (), {})]
