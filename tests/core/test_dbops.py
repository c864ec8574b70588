"""The meetings index is built without blocking the table's writes on PostgreSQL."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from core.dbops import AddIndexWithoutBlocking


def _migration():
    from importlib import import_module

    return import_module("meetings.migrations.0009_meeting_start_index").Migration


def test_the_migration_is_not_atomic_and_uses_the_operation():
    migration = _migration()
    assert migration.atomic is False
    assert all(isinstance(op, AddIndexWithoutBlocking) for op in migration.operations)


@pytest.mark.django_db
def test_the_index_exists_after_migrating():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "meetings_meeting")
    assert constraints["meeting_start"]["index"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_it_is_built_concurrently():
    out = io.StringIO()
    call_command("sqlmigrate", "meetings", "0009", stdout=out)
    assert 'CREATE INDEX CONCURRENTLY "meeting_start"' in out.getvalue()
    out = io.StringIO()
    call_command("sqlmigrate", "meetings", "0009", backwards=True, stdout=out)
    assert 'DROP INDEX CONCURRENTLY IF EXISTS "meeting_start"' in out.getvalue()
