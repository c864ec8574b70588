"""On PostgreSQL, make the row history and the audit log append-only.

A trigger refuses UPDATE and DELETE on every historical table and on the audit log, whoever
runs the statement. INSERT works as before, and TRUNCATE (a test-database flush) is not a row
operation, so it is not affected.

One UPDATE is let through: setting the user column (history_user_id, actor_id) to NULL and
changing nothing else. That is what deleting a user does (on_delete=SET_NULL); the row itself
stays. Other databases (SQLite in development and the fast tests) get no trigger.
"""

from django.db import migrations

FUNCTION = "starfire_refuse_change"
TRIGGER = "starfire_append_only"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_NARGS > 0
       AND (to_jsonb(NEW) - TG_ARGV[0]) = (to_jsonb(OLD) - TG_ARGV[0])
       AND to_jsonb(NEW) -> TG_ARGV[0] = 'null'::jsonb THEN
        RETURN NEW;  -- the referenced user was deleted: forget who, keep the row
    END IF;
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'History and audit rows are never changed or deleted; record a new entry instead.';
END;
$$ LANGUAGE plpgsql;
"""

HISTORY_APPS = ("branches", "meetings", "ratings")


def append_only_tables(apps):
    """(table, user column) of every historical model and of the audit log."""
    tables = [(apps.get_model("branches", "AuditEntry")._meta.db_table, "actor_id")]
    for label in HISTORY_APPS:
        for model in apps.get_app_config(label).get_models():
            names = {f.name for f in model._meta.get_fields()}
            if {"history_id", "history_type", "history_date"} <= names:
                tables.append((model._meta.db_table, "history_user_id"))
    return sorted(tables)


def _protect(schema_editor, table: str, user_column: str) -> None:
    qn = schema_editor.quote_name
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {qn(table)}")
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {qn(table)} "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}('{user_column}')"
    )


def _unprotect(schema_editor, table: str) -> None:
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {schema_editor.quote_name(table)}")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)  # "%" is plpgsql's, not a placeholder
    for table, user_column in append_only_tables(apps):
        _protect(schema_editor, table, user_column)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _user_column in append_only_tables(apps):
        _unprotect(schema_editor, table)
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def protect_history_tables(*tables: str) -> migrations.RunPython:
    """The operation a later migration uses to make its new history tables append-only like
    these (PostgreSQL only; the function is (re)created, so it does not depend on this one)."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(CREATE_FUNCTION, params=None)
        for table in tables:
            _protect(schema_editor, table, "history_user_id")

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in tables:
                _unprotect(schema_editor, table)

    return migrations.RunPython(forwards, backwards, elidable=False)


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0004_history"),
        ("meetings", "0003_history"),
        ("ratings", "0005_history"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
