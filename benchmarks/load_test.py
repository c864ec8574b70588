"""Load test: gunicorn on a generated database, N concurrent clients, p50/p95 per page.

    .venv/bin/python benchmarks/load_test.py                       # PostgreSQL starfire_loadtest
    .venv/bin/python benchmarks/load_test.py --sqlite /path/to/loadtest.sqlite3
    .venv/bin/python benchmarks/load_test.py --reuse --clients 8   # the database of an earlier run

Builds a throw-away database with `manage.py generate_data` (PostgreSQL: the database
`starfire_loadtest` on the server of --database-url is dropped and created, then ANALYZEd; SQLite:
the file given is replaced), serves it with gunicorn on 127.0.0.1 (a free port), logs in as the
generated staff, secretary and inspector, and has --clients threads request every page --rounds
times in a shuffled order. Before that, each page is requested alone (--alone times, one after the
other, nothing else running) for its single-request time and its size. Prints per page the time
alone, the HTML size, p50/p95 under load and their ratios to a bare view (`/bench/bare/`, added by
benchmarks/loadtest_settings.py: one `SELECT 1`, no session, no template) measured in the same run,
and whether the page meets the goals (alone < 1 s, HTML < 200 KB, p95 ≤ 3× the bare view's);
`/healthz` is measured as a page of its own. Everything is bounded: the number
of requests, a deadline (--max-seconds) and a timeout per request; the server is stopped at the end
and, unless --keep, a PostgreSQL database it created is dropped.
"""

import argparse
import http.cookiejar
import json
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
REQUEST_LOG = Path(tempfile.gettempdir()) / "starfire-loadtest-requests.jsonl"  # time in Django per request
GOAL_BYTES = 200 * 1024  # the Scale goals: HTML under 200 KB, p95 under load ≤ 3× the bare view's
GOAL_RATIO = 3.0


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
    p.add_argument("--alone", type=int, default=3, help="single requests per page before the load")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    p.add_argument("--max-seconds", type=float, default=600)
    args = p.parse_args()
    for name in ("clients", "rounds", "alone", "workers", "organizations", "party_organizations"):
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
        "LOADTEST_REQUEST_LOG": str(REQUEST_LOG),
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

    def request(self, path, data=None, request_id=None):
        status, seconds, _size = self.measure(path, data, request_id)
        return status, seconds

    def measure(self, path, data=None, request_id=None):
        """(status, seconds, bytes of the body) of one request."""
        req = urllib.request.Request(self.base + path, data=data)
        if request_id:
            req.add_header("X-Request-ID", request_id)
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=60) as r:
                size = len(r.read())
                status = r.status
        except urllib.error.HTTPError as e:
            size, status = len(e.read()), e.code
        return status, time.perf_counter() - started, size

    def get(self, path, request_id=None):
        return self.request(path, request_id=request_id)


def pages(cycles) -> list[tuple[str, str | None, str]]:
    return [
        ("bare view", None, "/bench/bare/"),
        ("healthz", None, "/healthz"),
        ("home (staff)", "staff", "/"),
        ("home (secretary)", "secretary", "/"),
        ("home (inspector)", "inspector1", "/"),
        ("organisation list", "staff", "/register/organizations/"),
        ("party org. list", "staff", "/register/party-organizations/"),
        ("coverage", "staff", "/register/coverage/"),
        ("dashboard", "staff", "/ratings/dashboard/"),
        ("queue", "staff", f"/ratings/cycles/{cycles['open']}/queue/"),
        ("inspections (inspector)", "inspector1", "/ratings/inspections/"),
        ("review sessions", "staff", f"/ratings/cycles/{cycles['open']}/review-sessions/"),
        ("results (final cycle)", "staff", f"/ratings/results/{cycles['final']}/"),
        ("award list", "staff", "/ratings/awards/"),
        ("meeting list", "staff", "/meetings/"),
        ("heat map (compliance)", "staff", "/meetings/compliance/"),
        ("public notice (公示)", None, f"/ratings/public/notice/{cycles['final']}/"),
        ("admin: organisations", "staff", "/admin/branches/socialorganization/"),
        ("admin: party orgs.", "staff", "/admin/branches/partyorganization/"),
        ("admin: submissions", "staff", "/admin/ratings/submission/"),
        ("admin: meetings", "staff", "/admin/meetings/meeting/"),
    ]


def logins(base, todo, seed):
    password = "starfire2023"
    clients = {None: Client(base, None, password)}
    for role in {u for _l, u, _p in todo if u}:
        clients[role] = Client(base, f"gen{seed}-{role}", password)
    return clients


def run_alone(args, base, cycles):
    """Each page on its own, one request at a time: (status, median seconds, bytes) per page."""
    todo = pages(cycles)
    clients = logins(base, todo, args.seed)
    alone = {}
    for label, role, path in todo:
        runs = [clients[role].measure(path) for _ in range(args.alone)]
        alone[label] = (
            max(st for st, _s, _n in runs),
            statistics.median(s for _st, s, _n in runs),
            max(n for _st, _s, n in runs),
        )
    return alone


def run_clients(args, base, cycles):
    todo = pages(cycles)
    results: dict[str, list[tuple[int, float]]] = {label: [] for label, _u, _p in todo}
    lock = threading.Lock()
    deadline = time.monotonic() + args.max_seconds

    def client(n):
        rng = random.Random(args.seed * 1000 + n)
        clients = logins(base, todo, args.seed)
        for _round in range(args.rounds):
            order = list(enumerate(todo))
            rng.shuffle(order)
            for index, (label, role, path) in order:
                if time.monotonic() > deadline:
                    return
                outcome = clients[role].get(path, request_id=f"lt.{index}.{n}.{_round}")
                with lock:
                    results[label].append(outcome)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


def django_times(todo) -> dict[str, list[float]]:
    """Seconds spent inside Django per page during the load, from the server's request log."""
    times: dict[str, list[float]] = {label: [] for label, _u, _p in todo}
    if not REQUEST_LOG.exists():
        return times
    for line in REQUEST_LOG.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        parts = str(entry.get("request_id", "")).split(".")
        if len(parts) == 4 and parts[0] == "lt" and parts[1].isdigit() and int(parts[1]) < len(todo):
            times[todo[int(parts[1])][0]].append(entry["duration_ms"] / 1000)
    return times


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def report(alone, results, inside, elapsed, args):
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
        f"{'page':<24} {'alone ms':>8} {'KB':>6} {'n':>4} {'not 200':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p50 ×bare':>9} {'p95 ×bare':>9} {'Django p95':>10}  goals"
    )
    missed = []
    for label, rows in results.items():
        if not rows:
            continue
        status, alone_s, size = alone[label]
        secs = [s for _st, s in rows]
        bad = sum(1 for st, _s in rows if st != 200) + (status != 200)
        p50, p95 = statistics.median(secs), percentile(secs, 0.95)
        over = [
            what
            for what, failed in (
                ("not 200", bad),
                ("alone ≥ 1 s", alone_s >= 1),
                ("≥ 200 KB", size >= GOAL_BYTES),
                ("p95 > 3× bare", p95 / base95 > GOAL_RATIO),
            )
            if failed
        ]
        if over:
            missed.append(label)
        print(
            f"{label:<24} {alone_s * 1000:>8.1f} {size / 1024:>6.1f} {len(rows):>4} {bad:>7} "
            f"{p50 * 1000:>8.1f} {p95 * 1000:>8.1f} {p50 / base50:>9.1f} {p95 / base95:>9.1f} "
            f"{(f'{percentile(inside[label], 0.95) * 1000:.1f}' if inside.get(label) else '–'):>10}  "
            f"{', '.join(over) or 'met'}"
        )
    print(f"\npages missing a goal: {', '.join(missed) if missed else 'none'}")
    print(
        "p50/p95: as the clients saw them, waiting for a free worker included; Django p95: the same "
        "requests' time inside Django (the server's request log), without that wait."
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
    REQUEST_LOG.unlink(missing_ok=True)
    port = free_port()
    server = serve(env, port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        alone = run_alone(args, base, cycles)
        results, elapsed = run_clients(args, base, cycles)
        inside = django_times(pages(cycles))
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(alone, results, inside, elapsed, args)
    if dropped and not args.keep:
        import psycopg

        admin_url, name = dropped
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
