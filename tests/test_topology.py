"""The production topology of docker-compose.yml, without Docker.

On the local PostgreSQL and Redis: a fresh database is migrated, then gunicorn, a Celery
worker and Celery beat run as separate processes with production-like environment (DEBUG
off, a real SECRET_KEY, collected static files served by WhiteNoise). The site answers, the
stylesheet is served, the health check sees database and broker, a task sent to the worker
comes back with the right figures, and every process stops cleanly on SIGTERM.
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import ExitStack, closing
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

from starfire.celery import app as celery_app

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]

STOP_TIMEOUT = 20


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin_connection():
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname="postgres",
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )


def _database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{name}"


@pytest.fixture
def fresh_database():
    name = f"starfire_topology_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _database_url(name)
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def production_env(fresh_database, tmp_path):
    # Only what a process needs to start: nothing of this test run's own configuration leaks in.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="starfire.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HTTPS="false",  # TLS ends at the proxy in front; locally there is none
        DATABASE_URL=fresh_database,
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CELERY_RESULT_BACKEND=settings.CELERY_BROKER_URL,
        CACHE_URL="locmemcache://topology",
        EMAIL_URL="consolemail://",
        STATIC_ROOT=str(tmp_path / "static"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


class Processes:
    """Long-running processes of one test: each in its own session, stopped by its own id."""

    def __init__(self, env, logdir):
        self.env, self.logdir, self.running = env, logdir, {}

    def start(self, name, *args):
        log = open(self.logdir / f"{name}.log", "wb")  # noqa: SIM115 — closed in stop()
        proc = subprocess.Popen(
            [sys.executable, *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running[name] = (proc, log)
        return proc

    def log(self, name) -> str:
        return (self.logdir / f"{name}.log").read_text(errors="replace")

    def assert_alive(self, name):
        proc, _log = self.running[name]
        assert proc.poll() is None, f"{name} exited with {proc.returncode}:\n{self.log(name)[-3000:]}"

    def stop(self, name) -> int | None:
        proc, log = self.running.pop(name)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                log.close()
                return None  # did not stop cleanly
        log.close()
        return proc.returncode

    def stop_all(self):
        for name in list(self.running):
            self.stop(name)


def _manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 — local http only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# Two organisations of one committee, one with a 党支部: 组织覆盖率 50.0 %, 工作覆盖率 50.0 %.
SEED = """
from branches.models import Committee, PartyOrganization, SocialOrganization
from branches.uscc import make_uscc
c = Committee.objects.create(name="拓扑测试综合党委")
a = SocialOrganization.objects.create(committee=c, name="甲协会", uscc=make_uscc("51510100MJ0000001"))
SocialOrganization.objects.create(committee=c, name="乙基金会", uscc=make_uscc("53510100MJ0000002"))
PartyOrganization.objects.create(committee=c, name="甲协会党支部").organizations.set([a])
print(c.pk)
"""


def test_web_worker_and_beat_run_as_in_production(production_env, tmp_path):
    env = production_env
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput")
    committee_id = int(_manage(env, "shell", "-c", SEED).strip().splitlines()[-1])

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    queue = f"topology-{uuid.uuid4().hex}"  # our worker only; other runs may share this Redis
    with ExitStack() as stack:
        procs = Processes(env, tmp_path)
        stack.callback(procs.stop_all)
        procs.start(
            "gunicorn",
            "-m",
            "gunicorn",
            "starfire.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        )
        procs.start(
            "worker",
            "-m",
            "celery",
            "-A",
            "starfire",
            "worker",
            "--loglevel",
            "INFO",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--hostname",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        )
        procs.start(
            "beat",
            "-m",
            "celery",
            "-A",
            "starfire",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(tmp_path / "celerybeat-schedule"),
            "--pidfile=",
        )

        def web_up():
            procs.assert_alive("gunicorn")
            try:
                return _get(f"{base}/healthz", timeout=2)[0] in (200, 503)
            except OSError:
                return False

        _wait_until(web_up, 30, "gunicorn to answer")

        status, _headers, body = _get(f"{base}/healthz")
        assert (status, json.loads(body)) == (
            200,
            {"status": "ok", "database": "ok", "broker": "ok", "outbox_waiting": 0},
        )

        status, headers, body = _get(f"{base}/login/")
        assert status == 200
        page = body.decode()
        assert "登录" in page
        assert "Strict-Transport-Security" not in headers  # HTTPS=false here
        css = re.search(r'href="(/static/css/starfire\.[0-9a-f]{12}\.css)"', page)
        assert css, "the login page links the hashed (manifest) stylesheet"
        status, headers, body = _get(base + css.group(1))
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert "immutable" in headers.get("Cache-Control", "")
        assert b".topbar" in body

        status, _headers, _body = _get(f"{base}/register/coverage/")
        assert status == 200  # the login page, after the redirect for an anonymous visitor

        result = celery_app.send_task(
            "branches.tasks.coverage_figures", args=[committee_id], queue=queue
        ).get(timeout=60)
        assert result == {
            "committee_id": committee_id,
            "total": 2,
            "party_covered": 1,
            "work_covered": 1,
            "uncovered": 1,
            "org_rate": "50.0",
            "work_rate": "50.0",
        }

        _wait_until(lambda: "Starting..." in procs.log("beat"), 20, "celery beat to start")
        for name in ("gunicorn", "worker", "beat"):
            procs.assert_alive(name)
        for name in ("gunicorn", "worker", "beat"):
            code = procs.stop(name)
            assert code == 0, (
                f"{name} did not stop cleanly on SIGTERM (exit {code}):\n{procs.log(name)[-3000:]}"
            )
