"""On PostgreSQL the row history and the audit log refuse UPDATE and DELETE in the database itself."""

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from branches.models import AuditEntry, Committee
from branches.services import audit_record

from .factories import CommitteeFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _refused(run):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        run()


def history_tables():
    return sorted(
        m._meta.db_table
        for label in ("branches", "meetings", "ratings")
        for m in apps.get_app_config(label).get_models()
        if m.__name__.startswith("Historical") and hasattr(m, "history_id")
    )


def test_historical_rows_cannot_be_updated_or_deleted():
    committee = CommitteeFactory(name="原名")
    history = Committee.history.filter(id=committee.pk)
    row = history.get()

    _refused(lambda: history.update(name="改名"))
    _refused(lambda: history.delete())
    _refused(lambda: row.delete())

    row.refresh_from_db()
    assert row.name == "原名"
    assert history.count() == 1

    committee.name = "新名"
    committee.save()  # inserting still works
    assert list(history.order_by("history_id").values_list("name", "history_type")) == [
        ("原名", "+"),
        ("新名", "~"),
    ]


def test_audit_entries_cannot_be_updated_or_deleted():
    committee = CommitteeFactory()
    entry = audit_record(actor=None, action="committee.update", target=committee, note="原说明")
    rows = AuditEntry.objects.filter(pk=entry.pk)

    _refused(lambda: rows.update(note="改过"))
    _refused(lambda: rows.delete())

    assert rows.get().note == "原说明"
    audit_record(actor=None, action="committee.update", target=committee)  # inserting still works
    assert AuditEntry.objects.filter(target_id=str(committee.pk)).count() == 2


def test_deleting_a_user_keeps_their_history_and_audit_rows():
    committee = CommitteeFactory()
    user = UserFactory(committee=committee)
    committee._history_user = user
    committee.name = "由该用户修改"
    committee.save()
    audit_record(actor=user, action="committee.update", target=committee)
    history_count = Committee.history.filter(id=committee.pk).count()

    user.delete()  # on_delete=SET_NULL: the only UPDATE the trigger lets through

    assert Committee.history.filter(id=committee.pk).count() == history_count
    assert Committee.history.filter(id=committee.pk).latest().history_user_id is None
    assert AuditEntry.objects.get(target_id=str(committee.pk)).actor_id is None


def test_every_historical_table_and_the_audit_log_have_the_trigger():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'starfire_append_only'"
        )
        guarded = {name for (name,) in cursor.fetchall()}
    expected = set(history_tables()) | {AuditEntry._meta.db_table}
    assert len(expected) > 30
    assert expected - guarded == set()
