"""Counters that every process adds to and `/metrics` reads (starfire.metrics).

They live in the shared cache (Redis in production), not in one process's memory: a task counted
by a worker is seen by whichever web process answers the scrape. A count is lost only when the
cache is cleared, which Prometheus reads as a counter reset. Counting never breaks the work it
counts: a cache that is down just misses the count.
"""

import logging

from django.core.cache import cache

log = logging.getLogger(__name__)
PREFIX = "starfire:metric:"


def key(name: str, labels: dict) -> str:
    return PREFIX + name + "".join(f":{k}={labels[k]}" for k in sorted(labels))


def count(name: str, **labels) -> None:
    k = key(name, labels)
    try:
        if not cache.add(k, 1, timeout=None):
            cache.incr(k)
    except Exception as exc:  # the cache is down: the count is lost, the work goes on
        log.debug("metric %s not counted: %s", k, exc)


def read(name: str, label_sets: list[dict]) -> list[tuple[dict, int]]:
    """The counts of `name` for each set of labels (0 for those never counted)."""
    keys = {key(name, labels): labels for labels in label_sets}
    try:
        found = cache.get_many(list(keys))
    except Exception:
        found = {}
    return [(labels, int(found.get(k, 0))) for k, labels in keys.items()]
