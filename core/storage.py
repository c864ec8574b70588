"""The private storage: where evidence, photos, attachments, objection and award files and imports
are kept, and the only way the code reaches them.

`STORAGES["private"]` says which backend: a local folder (`PRIVATE_MEDIA_ROOT`, the embedded default)
or S3-compatible object storage (django-storages, when `PRIVATE_STORAGE_BUCKET` is set). Every file
field names `private_storage` as its storage, so a row's file is read, written and deleted through
the storage API (`open`, `save`, `delete`, `listdir`), never through a filesystem path: on object
storage there is none (`path()` raises NotImplementedError), and several hosts share one bucket.
"""

from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty

ALIAS = "private"


class _PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages[ALIAS]


private_storage = _PrivateStorage()


def get_private_storage():
    """The storage of every private file field (a callable, so migrations name it, not a backend)."""
    return private_storage


def _reset(*, setting, **kwargs):
    if setting == "STORAGES":
        private_storage._wrapped = empty


setting_changed.connect(_reset)


def is_object_storage(storage=None) -> bool:
    """True when the private files live in object storage rather than a local folder."""
    storage = storage if storage is not None else private_storage
    return not isinstance(storage, FileSystemStorage)
