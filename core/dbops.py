"""Migration operations for tables that are large in production."""

from django.db import migrations


class AddIndexWithoutBlocking(migrations.AddIndex):
    """`AddIndex` that, on PostgreSQL, builds the index CONCURRENTLY: inserts and updates of the
    table go on while it is built (a plain CREATE INDEX blocks them for the whole build, and
    migrations run while the previous release still serves). Elsewhere it is a plain AddIndex.
    The migration using it must set `atomic = False` (CONCURRENTLY cannot run in a transaction)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)
