"""Django set-up shared by the register benchmarks: a throw-away database, never the real one.

Without DATABASE_URL: a temporary SQLite file (a file, not :memory:, so the figures are those of
the embedded default). With DATABASE_URL=postgres://…: Django's test-database machinery creates
and afterwards drops `test_<name>` on that server; the named database itself is not touched.
"""

import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def django_database():
    tmp = tempfile.TemporaryDirectory(prefix="starfire-bench-")
    given_url = os.environ.get("DATABASE_URL", "")
    if not given_url:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ["PRIVATE_MEDIA_ROOT"] = str(Path(tmp.name) / "private")
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "starfire.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    old_name = None
    try:
        if given_url:
            old_name = connection.settings_dict["NAME"]
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        else:
            call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        yield
    finally:
        if old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        tmp.cleanup()


class Timing(float):
    """Wall-clock seconds, carrying this process's CPU seconds as `.cpu` (a shared, busy machine
    stretches the wall clock; the CPU time of the process much less so)."""

    cpu: float


def timed(fn, *args, **kwargs):
    start, cpu_start = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    t = Timing(time.perf_counter() - start)
    t.cpu = time.process_time() - cpu_start
    return t, result


def load_note():
    """The load average, printed with the figures so a reader can judge them."""
    try:
        one, five, _fifteen = os.getloadavg()
    except OSError:
        return ""
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} CPUs"


def median_ms(samples):
    return statistics.median(samples) * 1000
