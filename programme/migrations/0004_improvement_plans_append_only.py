"""On PostgreSQL, the improvement plans' row history is append-only like every other history table
(the trigger of branches 0005_append_only_history)."""

import importlib

from django.db import migrations

append_only = importlib.import_module("branches.migrations.0005_append_only_history")


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0005_append_only_history"),
        ("programme", "0003_improvement_plans"),
    ]

    operations = [
        append_only.protect_history_tables(
            "programme_historicalimprovementplan",
            "programme_historicalplanaction",
        )
    ]
