"""On PostgreSQL, the follow-up checks' row history is append-only like every other history table
(the trigger of branches 0005_append_only_history)."""

import importlib

from django.db import migrations

append_only = importlib.import_module("branches.migrations.0005_append_only_history")


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0005_append_only_history"),
        ("ratings", "0016_followup_during_validity"),
    ]

    operations = [
        append_only.protect_history_tables(
            "ratings_historicalfollowupsample",
            "ratings_historicalfollowupcheck",
            "ratings_historicalfollowupscore",
        )
    ]
