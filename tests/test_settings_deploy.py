"""With production values, `manage.py check --deploy` has nothing to say.

Runs in a subprocess so the settings module is read fresh from the environment, exactly as
gunicorn and the Celery processes read it.
"""

import os
import re
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DEBUG": "false",
    "HTTPS": "true",
    "ALLOWED_HOSTS": "starfire.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://starfire.example.org",
    "SITE_URL": "https://starfire.example.org",
    "EMAIL_URL": "smtp+tls://starfire:secret@smtp.example.org:587",
    "DEFAULT_FROM_EMAIL": "星火评星 <starfire@example.org>",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "CACHE_URL": "rediscache://redis:6379/1",
}


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _production_env(tmp_path, **overrides):
    # Only what a process needs to start: nothing of this test run's own configuration leaks in.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    env.update(PRODUCTION_ENV)
    env.update(
        DJANGO_SETTINGS_MODULE="starfire.settings",
        SECRET_KEY=secrets.token_urlsafe(64),  # 86 characters, plenty of unique ones
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
    )
    env.update(overrides)
    return env


def test_check_deploy_reports_no_issues_with_production_values(tmp_path):
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", env=_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_does_complain_about_the_development_defaults(tmp_path):
    """The test above would be worthless if --deploy could not fail here."""
    env = _production_env(tmp_path, HTTPS="false")
    del env["SECRET_KEY"]
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS
    assert "security.W009" in result.stderr + result.stdout  # weak / default SECRET_KEY


def test_check_deploy_wants_a_shared_cache_when_several_processes_run(tmp_path):
    """With a broker there are several processes: an in-process cache would count per process."""
    for cache_url, flagged in (("locmemcache://starfire", True), ("rediscache://redis:6379/1", False)):
        result = _manage("check", "--deploy", env=_production_env(tmp_path, CACHE_URL=cache_url))
        assert ("starfire.W001" in result.stdout + result.stderr) is flagged, result.stdout + result.stderr


def _variables_settings_reads() -> set[str]:
    source = (settings.BASE_DIR / "starfire" / "settings.py").read_text()
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', source))


def test_env_example_and_compose_pass_every_variable_settings_reads():
    names = _variables_settings_reads()
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL"} <= names
    example = (settings.BASE_DIR / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    assert names - documented == set(), ".env.example lacks these variables"
    compose = (settings.BASE_DIR / "docker-compose.yml").read_text()
    passed = set(re.findall(r"^\s+([A-Z][A-Z0-9_]*):", compose, flags=re.MULTILINE))
    assert names - passed == set(), "docker-compose.yml does not pass these variables to the app"
