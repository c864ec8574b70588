"""DATABASE_JIT: PostgreSQL connections turn JIT off unless it is set to true."""

import os
import subprocess
import sys

from django.conf import settings

PRINT_OPTIONS = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}))"


def options(**env):
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", PRINT_OPTIONS],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "starfire.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_postgres_connections_have_jit_off_unless_asked_for():
    url = "postgres://starfire@127.0.0.1:5432/starfire"
    assert "-c jit=off" in options(DATABASE_URL=url)
    assert "jit" not in options(DATABASE_URL=url, DATABASE_JIT="true")
    assert "jit" not in options(DATABASE_URL="sqlite:///db.sqlite3")
