"""Private files that no row names any more, and their removal.

A service writes an upload and saves its row in one transaction, and removes the file again when the
block fails (``ratings.workflow.edges.stored_file``, ``meetings.services``). Two cases escape that: a
caller's outer transaction that rolls back after the service's block succeeded, and a process killed
between writing the file and committing. Both leave a file that no row names. The nightly sweep
finds them: every file in private storage older than a grace period whose name no ``FileField`` of
any model (historical copies included) holds is deleted. The grace period keeps the sweep away from
uploads that are still on their way to a commit.
"""

import datetime as dt
from collections.abc import Iterator

from django.apps import apps
from django.db import models
from django.utils import timezone

from .storage import private_storage

GRACE = dt.timedelta(hours=24)


def _walk(storage, folder: str = "") -> Iterator[str]:
    dirs, files = storage.listdir(folder)
    for name in files:
        if not name.startswith("."):
            yield f"{folder}/{name}" if folder else name
    for sub in dirs:
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def referenced_names() -> set[str]:
    """Every file name held by a file field of any installed model."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names.update(
                    model._default_manager.exclude(**{field.attname: ""})
                    .exclude(**{f"{field.attname}__isnull": True})
                    .values_list(field.attname, flat=True)
                    .iterator(chunk_size=5000)
                )
    return names


def orphaned_files(*, storage=None, grace: dt.timedelta = GRACE, now=None) -> list[str]:
    """Names of stored files older than `grace` that no row names, sorted."""
    storage = storage if storage is not None else private_storage
    cutoff = (now or timezone.now()) - grace
    try:
        stored = list(_walk(storage))
    except FileNotFoundError:  # nothing was ever uploaded
        return []
    known = referenced_names()
    return sorted(name for name in stored if name not in known and storage.get_modified_time(name) <= cutoff)


def sweep_orphaned_files(
    *, storage=None, grace: dt.timedelta = GRACE, dry_run: bool = False, now=None
) -> list[str]:
    """Delete the orphaned files (unless `dry_run`) and return their names."""
    storage = storage if storage is not None else private_storage
    names = orphaned_files(storage=storage, grace=grace, now=now)
    if not dry_run:
        for name in names:
            storage.delete(name)
    return names
