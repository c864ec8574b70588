"""System checks of a production configuration (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks

IN_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """With a broker, Starfire runs as several processes (gunicorn workers, Celery workers, often on
    several hosts): a cache in one process's memory would count the per-address limits and keep
    the public notice's pages per process. Only the embedded default (no broker) is one process."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.CELERY_BROKER_URL and backend in IN_PROCESS_CACHES:
        return [
            checks.Warning(
                f"The cache ({backend}) lives in one process, but this installation runs several.",
                hint="Set CACHE_URL to Redis (e.g. rediscache://redis:6379/1) so that every process shares it.",
                id="starfire.W001",
            )
        ]
    return []
