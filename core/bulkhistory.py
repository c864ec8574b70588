"""Creating many rows with their history in two statements per batch.

django-simple-history's `bulk_create_with_history` builds a historical model instance for every
new row in Python and inserts those (Django prepares every value of every row twice). Here the
history rows are copied from the rows just stored by one INSERT … SELECT per batch, inside the
database: the same columns, `history_type` "+", one `history_date` and user for the batch. Used
where thousands of rows arrive at once (the organisation import).
"""

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

ID_BATCH = 500  # ids per INSERT … SELECT (SQLite allows 999 parameters per statement)


def bulk_create_with_copied_history(objs, model, *, user=None, batch_size=1000) -> list:
    """`model.objects.bulk_create(objs)` and a creation record ("+") in `model`'s history for each,
    by `user` (None: nobody), in the caller's transaction. Returns the created objects."""
    if not connection.features.can_return_rows_from_bulk_insert:  # the ids are needed below
        return bulk_create_with_history(objs, model, batch_size=batch_size, default_user=user)
    created = model.objects.bulk_create(objs, batch_size=batch_size)
    copy_creation_history(model, [obj.pk for obj in created], user=user)
    return created


def copy_creation_history(model, ids, *, user=None) -> None:
    """Write the creation record of each row `ids` of `model` from the row as stored."""
    history = model.history.model
    qn = connection.ops.quote_name
    tracked = history.tracked_fields
    targets = [qn(f.column) for f in tracked] + [
        qn(history._meta.get_field(name).column)
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    ]
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
            """  # noqa: S608 (table and column names come from the models; every value is a parameter)
            cursor.execute(sql, [*extra, *chunk])
