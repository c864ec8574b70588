"""The production topology of docker-compose.yml, without Docker.

On the local PostgreSQL and Redis: a fresh database is migrated, then gunicorn, a Celery
worker and Celery beat run as separate processes with production-like environment (DEBUG
off, a real SECRET_KEY, collected static files served by WhiteNoise). The site answers, the
stylesheet is served, the health check sees database and broker, a task sent to the worker
comes back with the right figures, and every process stops cleanly on SIGTERM.

The second test scales out: two gunicorn instances and two Celery workers on the same PostgreSQL
and Redis, driven from both instances at once, and nothing duplicated or lost.
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


# --- two of each: shared state only in PostgreSQL and Redis ------------------------------------------

# Every process of the test below starts through this: its Celery queues live under a key prefix of
# this test only (the Redis transport's global_keyprefix), so the workers of another run on the same
# Redis neither take these tasks nor give theirs. Everything else is the production configuration.
BOOT = """
import runpy, sys
from starfire.celery import app
app.conf.broker_transport_options = {**app.conf.broker_transport_options, "global_keyprefix": sys.argv[1]}
sys.argv = sys.argv[2:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def _port_in_range() -> int:
    first, _, last = os.environ.get("STARFIRE_TEST_PORTS", "8400-8499").partition("-")
    for port in range(int(first), int(last or first) + 1):
        with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise AssertionError("no free port in STARFIRE_TEST_PORTS")


# Two results cycles of one committee, ready to publish: each with five reviewed branches (three at
# plaque level) whose secretaries get the notices, and a staff member who logs in over HTTP.
SEED_RATING = """
import datetime as dt
from tests import factories
from tests.ratings.conftest import make_results_cycle
from branches.models import Committee
from ratings.models import Status
c = factories.CommitteeFactory(name="扩展测试综合党委")
staff = factories.StaffUserFactory(committee=c, username="topology-staff")
rubric = factories.make_rubric(c)
year = dt.date.today().year - 1
ids = []
for y in (year, year - 1):
    results = make_results_cycle(c, staff, year=y, rubric=rubric)
    for sub in results.cycle.submissions.filter(status=Status.REVIEWED):
        factories.SecretaryUserFactory(party_organization=sub.party_organization, email="s@example.org")
    ids.append(results.cycle.pk)
print(" ".join(map(str, ids)))
"""


class Browser:
    """A logged-in visitor over plain HTTP, with a cookie jar; the session may move between sites."""

    def __init__(self):
        import http.cookiejar

        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def request(self, url, data=None):
        from urllib.parse import urlencode

        headers = {}
        body = None
        if data is not None:
            headers["X-CSRFToken"] = self.csrf()
            body = urlencode(data).encode()
        req = urllib.request.Request(url, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def login(self, base, username, password):
        status, page = self.request(f"{base}/login/")
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _page = self.request(
            f"{base}/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password}
        )
        assert status == 302, _page[-2000:]

    def cookies_for(self, other: "Browser"):
        for cookie in self.jar:
            other.jar.set_cookie(cookie)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _at_once(calls):
    """Run the (function, args) pairs in threads released together; return their results."""
    import threading

    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn, args):
        barrier.wait(timeout=30)
        results[i] = fn(*args)

    threads = [threading.Thread(target=run, args=(i, fn, args)) for i, (fn, args) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return results


def _query(database_url, sql, params=()):
    with psycopg.connect(database_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def test_two_web_instances_and_two_workers_share_everything_and_duplicate_nothing(production_env, tmp_path):
    prefix = f"topology2-{uuid.uuid4().hex[:12]}:"
    env = dict(
        production_env,
        CACHE_URL=settings.CELERY_BROKER_URL.replace("redis://", "rediscache://", 1),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
    )
    db_url = env["DATABASE_URL"]
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput")
    seed_env = dict(env, CELERY_BROKER_URL="", CELERY_RESULT_BACKEND="")  # the seed runs its tasks inline
    cycles = [int(x) for x in _manage(seed_env, "shell", "-c", SEED_RATING).strip().splitlines()[-1].split()]

    ports = []
    with ExitStack() as stack:
        procs = Processes(env, tmp_path)
        stack.callback(procs.stop_all)
        for name in ("web-a", "web-b"):
            port = _port_in_range()
            ports.append(port)
            procs.start(name, "-c", BOOT, prefix, "gunicorn", "starfire.wsgi", "--bind", f"127.0.0.1:{port}",
                        "--workers", "2", "--graceful-timeout", "10")  # fmt: skip
            _wait_until(
                lambda p=port, n=name: procs.assert_alive(n) or _listening(p), 60, f"{name} to answer"
            )
        for name in ("worker-a", "worker-b"):
            procs.start(name, "-c", BOOT, prefix, "celery", "-A", "starfire", "worker", "--queues", "fast,heavy",
                        "--concurrency", "2", "--hostname", f"{name}-{prefix}@%h", "--loglevel", "INFO",
                        "--without-gossip", "--without-mingle")  # fmt: skip
        for name in ("worker-a", "worker-b"):
            _wait_until(
                lambda n=name: procs.assert_alive(n) or " ready." in procs.log(n), 60, f"{name} ready"
            )

        web_a, web_b = (f"http://127.0.0.1:{p}" for p in ports)
        on_a = Browser()
        on_a.login(web_a, "topology-staff", "correct-horse-battery")
        on_b = Browser()
        on_a.cookies_for(on_b)  # the same session on the other instance: sessions are in the database
        assert on_b.request(f"{web_b}/ratings/results/{cycles[0]}/")[0] == 200

        def post(browser, base, path, data=None):
            return browser.request(base + path, data or {})[0]

        # Publish each cycle from both instances at once; then finalise from both at once; then ask
        # for tallies from both at once, several times.
        for cycle in cycles:
            url = f"/ratings/results/{cycle}/publish/"
            answers = _at_once([(post, (on_a, web_a, url, {"confirm": "1"})), (post, (on_b, web_b, url, {"confirm": "1"}))])  # fmt: skip
            # one publishes; the other is told the cycle is no longer open for publishing
            assert answers.count(302) == 1 and set(answers) <= {302, 200, 400}, answers
        # The notice period is over (moved back in the database: the clock, not the app, is faked).
        _query(db_url, "UPDATE ratings_cycle SET notice_starts_on = notice_starts_on - 40, "
                       "notice_ends_on = notice_ends_on - 40 WHERE id = ANY(%s)", (cycles,))  # fmt: skip
        calls = []
        for cycle in cycles:
            url = f"/ratings/results/{cycle}/finalize/"
            calls += [
                (post, (on_a, web_a, url, {"confirm": "1"})),
                (post, (on_b, web_b, url, {"confirm": "1"})),
            ]
        assert _at_once(calls) == [302] * len(calls)
        calls = []
        for cycle in cycles:
            url = f"/ratings/cycles/{cycle}/tally/recompute/"
            calls += [(post, (b, base, url)) for b, base in ((on_a, web_a), (on_b, web_b)) for _ in range(3)]
        assert _at_once(calls) == [302] * len(calls)

        def settled():
            rows = _query(
                db_url, "SELECT count(*) FROM ratings_tallyrun WHERE state NOT IN ('done', 'failed')"
            )
            unsent = _query(
                db_url,
                "SELECT count(*) FROM notifications_notification WHERE email_wanted AND emailed_at IS NULL",
            )
            return rows[0][0] == 0 and unsent[0][0] == 0

        _wait_until(settled, 120, "the workers to finish every tally and e-mail")
        time.sleep(2)  # a duplicate delivery would show up now

        for cycle in cycles:
            # published once and finalised once, whichever instance got there first
            audit = dict(_query(db_url, "SELECT action, count(*) FROM branches_auditentry WHERE target_id = %s "
                                        "AND action IN ('cycle.publish', 'cycle.finalize') GROUP BY action",
                                (str(cycle),)))  # fmt: skip
            assert audit == {"cycle.publish": 1, "cycle.finalize": 1}
            # one award and one certificate number per plaque-level result, numbered without gaps
            awards = _query(db_url, "SELECT seq, certificate_no, submission_id FROM ratings_award WHERE cycle_id = %s "
                                    "ORDER BY seq", (cycle,))  # fmt: skip
            assert [a[0] for a in awards] == [1, 2, 3]
            assert len({a[1] for a in awards}) == 3 and len({a[2] for a in awards}) == 3
            # one notice of publication per reviewed branch's secretary
            published = _query(
                db_url,
                "SELECT count(*), count(DISTINCT recipient_id) FROM notifications_notification WHERE key LIKE %s",
                (f"published:{cycle}:%",),
            )
            assert published == [(5, 5)]
            # every tally request ran once, into the one snapshot of the cycle
            runs = _query(db_url, "SELECT state, count(*) FROM ratings_tallyrun WHERE cycle_id = %s GROUP BY state",
                          (cycle,))  # fmt: skip
            assert dict(runs).get("done", 0) >= 6 and "failed" not in dict(runs)
            started_twice = _query(
                db_url,
                "SELECT id FROM ratings_historicaltallyrun WHERE cycle_id = %s AND state = 'running' "
                "GROUP BY id HAVING count(*) <> 1",
                (cycle,),
            )
            assert started_twice == []  # every run was started by exactly one worker
            assert _query(
                db_url, "SELECT count(*) FROM ratings_tallysnapshot WHERE cycle_id = %s", (cycle,)
            ) == [(1,)]
        # every notice that wants an e-mail got exactly one attempt (one delivery, none lost)
        assert _query(db_url, "SELECT count(*) FROM notifications_notification WHERE email_wanted") != [(0,)]
        assert _query(
            db_url,
            "SELECT count(*) FROM notifications_notification WHERE email_wanted AND email_attempts <> 1",
        ) == [(0,)]
        worked = {name: procs.log(name).count("] succeeded in") for name in ("worker-a", "worker-b")}
        assert all(worked.values()), f"both workers took tasks: {worked}"
        for name in ("web-a", "web-b", "worker-a", "worker-b"):
            procs.assert_alive(name)


def _listening(port) -> bool:
    try:
        return _get(f"http://127.0.0.1:{port}/healthz", timeout=2)[0] in (200, 503)
    except OSError:
        return False
