"""On PostgreSQL, the improvement plans' row history is append-only like every other history table
(the trigger of branches 0005_append_only_history)."""

import importlib

from django.db import migrations

append_only = importlib.import_module("branches.migrations.0005_append_only_history")
TABLES = ("programme_historicalimprovementplan", "programme_historicalplanaction")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    qn = schema_editor.quote_name
    schema_editor.execute(append_only.CREATE_FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {append_only.TRIGGER} ON {qn(table)}")
        schema_editor.execute(
            f"CREATE TRIGGER {append_only.TRIGGER} BEFORE UPDATE OR DELETE ON {qn(table)} "
            f"FOR EACH ROW EXECUTE FUNCTION {append_only.FUNCTION}('history_user_id')"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {append_only.TRIGGER} ON {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0005_append_only_history"),
        ("programme", "0003_improvement_plans"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
