"""Creating many rows with their history in two statements per batch.

django-simple-history's `bulk_create_with_history` builds a historical model instance for every
new row in Python and inserts those (Django prepares every value of every row twice). Here the
history rows are copied from the rows just stored by one INSERT … SELECT per batch, inside the
database: the same columns, `history_type` "+", one `history_date` and user for the batch. Used
where thousands of rows arrive at once (the organisation import).

Where the copy could differ from what simple-history writes — history switched off, a history
model with fields of its own, objects carrying their own history user, date or reason, a database
that does not return the new ids — simple-history's own function does the work instead.
"""

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

ID_BATCH = 500  # ids per INSERT … SELECT (SQLite allows 999 parameters per statement)
STANDARD = ("history_date", "history_change_reason", "history_type", "history_user")
PER_OBJECT = ("_history_user", "_history_date", "_change_reason")


def bulk_create_with_copied_history(objs, model, *, user=None, batch_size=1000) -> list:
    """`model.objects.bulk_create(objs)` and a creation record ("+") in `model`'s history for each,
    by `user` (None: nobody), all or nothing. Returns the created objects."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return model.objects.bulk_create(objs, batch_size=batch_size)
    if not _copyable(model, objs):
        return bulk_create_with_history(objs, model, batch_size=batch_size, default_user=user)
    with transaction.atomic(savepoint=False):
        created = model.objects.bulk_create(objs, batch_size=batch_size)
        copy_creation_history(model, [obj.pk for obj in created], user=user)
    return created


def _copyable(model, objs) -> bool:
    history = model.history.model
    own = {f.name for f in history._meta.concrete_fields} - {f.name for f in history.tracked_fields}
    return (
        connection.features.can_return_rows_from_bulk_insert  # the ids are needed
        and own == {history._meta.pk.name, *STANDARD}  # no history field beyond the standard ones
        and history._meta.pk.name == "history_id"
        and history._meta.pk.get_internal_type() in ("AutoField", "BigAutoField")  # numbered by the database
        and not any(hasattr(obj, name) for obj in objs for name in PER_OBJECT)
    )


def copy_creation_history(model, ids, *, user=None) -> None:
    """Write the creation record of each row `ids` of `model` from the row as stored."""
    history = model.history.model
    qn = connection.ops.quote_name
    tracked = history.tracked_fields
    targets = [qn(history._meta.get_field(f.name).column) for f in tracked]
    targets += [qn(history._meta.get_field(name).column) for name in STANDARD]
    sources = [qn(model._meta.get_field(f.name).column) for f in tracked]
    date = history._meta.get_field("history_date").get_db_prep_value(timezone.now(), connection)
    extra = [date, None, "+", getattr(user, "pk", None)]  # no change reason, as simple-history writes it
    pk_column = qn(model._meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), ID_BATCH):
            chunk = ids[start : start + ID_BATCH]
            sql = f"""
                INSERT INTO {qn(history._meta.db_table)} ({", ".join(targets)})
                SELECT {", ".join(sources)}, %s, %s, %s, %s FROM {qn(model._meta.db_table)}
                WHERE {pk_column} IN ({", ".join(["%s"] * len(chunk))})
                ORDER BY {pk_column}
            """  # noqa: S608 (table and column names come from the models; every value is a parameter)
            cursor.execute(sql, [*extra, *chunk])
