"""A row read again under a lock.

A service that checks a row's state and then changes it reads the row afresh with
SELECT … FOR UPDATE inside its transaction, so what it checks is what is stored, and two requests
cannot both pass the check on the copies they were handed."""

from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def locked(row: M) -> M:
    """`row` read again by its primary key, locked until the transaction ends (call it inside one)."""
    return type(row)._default_manager.select_for_update().get(pk=row.pk)
