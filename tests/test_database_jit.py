"""DATABASE_JIT: PostgreSQL connections turn JIT off unless it is set to true."""

import runpy

import pytest
from django.conf import settings

POSTGRES = "postgres://starfire@127.0.0.1:5432/starfire"


def database_options(monkeypatch, **env) -> dict:
    """The database OPTIONS that starfire/settings.py builds from `env` (read afresh, in-process)."""
    monkeypatch.delenv("DATABASE_JIT", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(settings.BASE_DIR / "starfire" / "settings.py"))
    return namespace["DATABASES"]["default"].get("OPTIONS", {})


def test_postgres_connections_have_jit_off_by_default(monkeypatch):
    assert database_options(monkeypatch, DATABASE_URL=POSTGRES)["options"] == "-c jit=off"


@pytest.mark.parametrize("value", ["true", "1"])
def test_database_jit_true_keeps_the_servers_setting(monkeypatch, value):
    assert "jit" not in str(database_options(monkeypatch, DATABASE_URL=POSTGRES, DATABASE_JIT=value))


def test_sqlite_gets_no_postgres_option(monkeypatch):
    assert "options" not in database_options(monkeypatch, DATABASE_URL="sqlite:///db.sqlite3")
