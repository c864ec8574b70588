"""Load test: gunicorn on a generated database, N concurrent clients, p50/p95 per page.

    .venv/bin/python benchmarks/load_test.py                       # PostgreSQL starfire_loadtest
    .venv/bin/python benchmarks/load_test.py --sqlite /path/to/loadtest.sqlite3
    .venv/bin/python benchmarks/load_test.py --reuse --clients 8   # the database of an earlier run

Builds a throw-away database with `manage.py generate_data` (PostgreSQL: the database
`starfire_loadtest` on the server of --database-url is dropped and created, then ANALYZEd; SQLite:
the file given is replaced), serves it with gunicorn on 127.0.0.1 (a free port), logs in as the
generated staff, secretary and inspector, and has --clients threads request every page --rounds
times in a shuffled order. Prints p50/p95 per page and their ratios to a bare view (`/bench/bare/`,
added by benchmarks/loadtest_settings.py: one `SELECT 1`, no session, no template), measured in
the same run; `/healthz` is measured as a page of its own. Everything is bounded: the number
of requests, a deadline (--max-seconds) and a timeout per request; the server is stopped at the end
and, unless --keep, a PostgreSQL database it created is dropped.
"""

import argparse
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/starfire_loadtest"
STATIC_ROOT = Path(tempfile.gettempdir()) / "starfire-loadtest-static"  # empty: pages only


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL database to (re)create")
    p.add_argument("--sqlite", help="use this SQLite file instead of PostgreSQL")
    p.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    p.add_argument("--keep", action="store_true", help="do not drop the PostgreSQL database at the end")
    p.add_argument("--organizations", type=int, default=2000)
    p.add_argument("--party-organizations", type=int, default=1000)
    p.add_argument("--meetings", type=int, default=20000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--rounds", type=int, default=10, help="times each client requests every page")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    p.add_argument("--max-seconds", type=float, default=600)
    args = p.parse_args()
    for name in ("clients", "rounds", "workers", "organizations", "party_organizations"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def environment(url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "benchmarks.loadtest_settings",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_BROKER_URL": "",
        "CACHE_URL": "locmemcache://loadtest",
        "EMAIL_URL": "consolemail://",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(STATIC_ROOT),
    }
    STATIC_ROOT.mkdir(exist_ok=True)
    return env


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def recreate_postgres(url: str):
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name) or "loadtest" not in name:
        raise SystemExit(
            f"refusing to drop {name!r}: the load test only recreates a database named *loadtest*"
        )
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url, name


def build(args, env):
    sizes = [
        f"--organizations={args.organizations}",
        f"--party-organizations={args.party_organizations}",
        f"--meetings={args.meetings}",
        f"--seed={args.seed}",
    ]
    manage(env, "migrate", "-v0")
    started = time.perf_counter()
    manage(env, "generate_data", *sizes)
    print(f"generated in {time.perf_counter() - started:.1f} s")
    if env["DATABASE_URL"].startswith("postgres"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("ANALYZE")


def ids(env, seed: int) -> dict:
    """The generated committee's cycles, read through Django in a child process."""
    code = (
        "from ratings.models import Cycle\n"
        "from branches.models import User\n"
        f"c = User.objects.get(username='gen{seed}-staff').committee\n"
        "cs = list(Cycle.objects.filter(committee=c).order_by('year').values_list('pk', 'status'))\n"
        "print(cs[-1][0], next(pk for pk, s in cs if s == 'final'))\n"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    open_cycle, final_cycle = out.stdout.decode().split()[-2:]
    return {"open": int(open_cycle), "final": int(final_cycle)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env, port, workers):
    cmd = [sys.executable, "-m", "gunicorn", "starfire.wsgi:application"]
    cmd += ["-b", f"127.0.0.1:{port}", "-w", str(workers), "--log-level", "warning", "--timeout", "120"]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare/", timeout=5) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer /bench/bare/ within 60 s")


class Client:
    def __init__(self, base: str, username: str | None, password: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        if username:
            self.get("/login/")
            token = next(c.value for c in self.jar if c.name == "csrftoken")
            body = urllib.parse.urlencode(
                {"username": username, "password": password, "csrfmiddlewaretoken": token}
            ).encode()
            status, _seconds = self.request("/login/", body)
            if not any(c.name == "sessionid" for c in self.jar):
                raise SystemExit(f"login as {username} failed (HTTP {status})")

    def request(self, path, data=None):
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        return status, time.perf_counter() - started

    def get(self, path):
        return self.request(path)


def pages(cycles) -> list[tuple[str, str | None, str]]:
    return [
        ("bare view", None, "/bench/bare/"),
        ("healthz", None, "/healthz"),
        ("home (staff)", "staff", "/"),
        ("home (secretary)", "secretary", "/"),
        ("home (inspector)", "inspector1", "/"),
        ("organisation list", "staff", "/register/organizations/"),
        ("coverage", "staff", "/register/coverage/"),
        ("dashboard", "staff", "/ratings/dashboard/"),
        ("queue", "staff", f"/ratings/cycles/{cycles['open']}/queue/"),
        ("heat map (compliance)", "staff", "/meetings/compliance/"),
        ("公示 page", None, f"/ratings/public/notice/{cycles['final']}/"),
        ("admin changelist", "staff", "/admin/branches/socialorganization/"),
    ]


def run_clients(args, base, cycles):
    todo = pages(cycles)
    results: dict[str, list[tuple[int, float]]] = {label: [] for label, _u, _p in todo}
    lock = threading.Lock()
    deadline = time.monotonic() + args.max_seconds
    password = "starfire2023"

    def client(n):
        rng = random.Random(args.seed * 1000 + n)
        logins = {None: Client(base, None, password)}
        for role in {u for _l, u, _p in todo if u}:
            logins[role] = Client(base, f"gen{args.seed}-{role}", password)
        for _round in range(args.rounds):
            order = list(todo)
            rng.shuffle(order)
            for label, role, path in order:
                if time.monotonic() > deadline:
                    return
                outcome = logins[role].get(path)
                with lock:
                    results[label].append(outcome)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def report(results, elapsed, args):
    bare = [s for _st, s in results["bare view"]]
    if not bare:
        raise SystemExit("no request finished before --max-seconds")
    base50, base95 = statistics.median(bare), percentile(bare, 0.95)
    n = sum(len(v) for v in results.values())
    print(
        f"\n{args.clients} clients × {args.rounds} rounds, gunicorn -w {args.workers}: {n} requests in "
        f"{elapsed:.1f} s ({n / elapsed:.1f}/s); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'page':<24} {'n':>4} {'not 200':>7} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×bare':>10} {'p95 ×bare':>10}"
    )
    for label, rows in results.items():
        if not rows:
            continue
        secs = [s for _st, s in rows]
        bad = sum(1 for st, _s in rows if st != 200)
        p50, p95 = statistics.median(secs), percentile(secs, 0.95)
        print(
            f"{label:<24} {len(rows):>4} {bad:>7} {p50 * 1000:>8.1f} {p95 * 1000:>8.1f} "
            f"{p50 / base50:>10.1f} {p95 / base95:>10.1f}"
        )


def main():
    args = parse_args()
    if args.sqlite:
        url = f"sqlite:///{Path(args.sqlite).resolve()}"
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(str(Path(args.sqlite).resolve()) + suffix).unlink(missing_ok=True)
    else:
        url = args.database_url
    env = environment(url)
    dropped = None
    if not args.reuse:
        if not args.sqlite:
            dropped = recreate_postgres(url)
        build(args, env)
    cycles = ids(env, args.seed)
    port = free_port()
    server = serve(env, port, args.workers)
    try:
        results, elapsed = run_clients(args, f"http://127.0.0.1:{port}", cycles)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(results, elapsed, args)
    if dropped and not args.keep:
        import psycopg

        admin_url, name = dropped
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
