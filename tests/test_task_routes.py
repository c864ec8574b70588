"""Queues by kind: every task is routed to "fast" (notices, e-mail) or "heavy" (recomputes, snapshots,
imports, tallies) with a time limit, and a real worker of the fast queue never runs a heavy task.

The worker test starts real Celery worker processes on the test run's Redis. Their queues live under
a key prefix of this test only (the Redis transport's `global_keyprefix`), so workers of another run
on the same Redis neither take these tasks nor give theirs; the routing itself is the project's own
CELERY_TASK_ROUTES, applied by the sending side exactly as in production.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from starfire.celery import app as celery_app

HEAVY = {
    "ratings.tasks.recompute_tally",
    "ratings.tasks.recompute_all_tallies",
    "meetings.tasks.refresh_compliance_snapshot",
    "meetings.tasks.refresh_compliance_snapshots",
    "branches.tasks.check_import_batch",
    "branches.tasks.write_import_batch",
}


def _project_tasks() -> set[str]:
    celery_app.loader.import_default_modules()
    return {name for name in celery_app.tasks if not name.startswith(("celery.", "tests."))}


def test_every_task_has_a_queue_and_a_time_limit():
    tasks = _project_tasks()
    assert tasks - set(settings.CELERY_TASK_ROUTES) == set(), "tasks without a queue in TASK_QUEUES"
    assert set(settings.CELERY_TASK_ROUTES) - tasks == set(), "TASK_QUEUES names tasks that do not exist"
    for name in tasks:
        task = celery_app.tasks[name]
        assert task.acks_late, name
        assert 0 < task.soft_time_limit < task.time_limit <= 3600, name
    queues = {name: route["queue"] for name, route in settings.CELERY_TASK_ROUTES.items()}
    assert {name for name, queue in queues.items() if queue == "heavy"} >= HEAVY
    assert queues["notifications.tasks.send_notification_email"] == "fast"
    assert set(queues.values()) == {"fast", "heavy"}
    assert celery_app.amqp.router.route({}, "ratings.tasks.recompute_tally")["queue"].name == "heavy"
    assert celery_app.amqp.router.route({}, "ratings.tasks.notify_cycle_opened")["queue"].name == "fast"


def test_redis_hands_a_task_on_only_after_the_longest_time_limit():
    longest = max(celery_app.tasks[name].time_limit for name in _project_tasks())
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > longest
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST


# --- real workers -----------------------------------------------------------------------------------

WORKER = """
import sys
from starfire.celery import app
app.conf.broker_transport_options = {**app.conf.broker_transport_options, "global_keyprefix": sys.argv[1]}
app.worker_main(["worker", "--queues", sys.argv[2], "--hostname", sys.argv[3], "--pool", "solo",
                 "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"])
"""


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, queue, prefix, logdir):
        self.log_path = logdir / f"worker-{queue}.log"
        env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
        env.update(
            DJANGO_SETTINGS_MODULE="starfire.settings",
            DATABASE_URL=_database_url(),
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            CELERY_RESULT_BACKEND=settings.CELERY_RESULT_BACKEND or settings.CELERY_BROKER_URL,
            CACHE_URL="locmemcache://routes",
            EMAIL_URL="consolemail://",
            PYTHONUNBUFFERED="1",
        )
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603
                [sys.executable, "-c", WORKER, prefix, queue, f"{queue}-{prefix}@%h"],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"worker exited:\n{self.log()[-3000:]}"
            if " ready." in self.log():
                return
            time.sleep(0.3)
        raise AssertionError(f"worker not ready:\n{self.log()[-3000:]}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_heavy_task_never_runs_on_the_fast_worker(tmp_path, committee):
    prefix = f"routes-{uuid.uuid4().hex[:12]}:"
    sender = Celery("routes-test")
    sender.config_from_object("django.conf:settings", namespace="CELERY")
    sender.conf.broker_transport_options = {
        **sender.conf.broker_transport_options,
        "global_keyprefix": prefix,
    }
    sender.conf.task_always_eager = False

    workers = []
    try:
        fast = Worker("fast", prefix, tmp_path)
        workers.append(fast)
        fast.wait_ready()

        heavy_result = sender.send_task("branches.tasks.coverage_figures", args=[committee.pk])
        fast_result = sender.send_task("core.tasks.purge_form_tokens")
        # the fast worker is there and takes its own queue (the task keeps no result: its log says)
        deadline = time.monotonic() + 60
        while not any(fast_result.id in line and "succeeded" in line for line in fast.log().splitlines()):
            assert time.monotonic() < deadline, fast.log()
            time.sleep(0.2)
        time.sleep(3)  # and has had time to take the heavy task too, were it routed there
        assert heavy_result.state == "PENDING"
        assert heavy_result.id not in fast.log()

        heavy = Worker("heavy", prefix, tmp_path)
        workers.append(heavy)
        heavy.wait_ready()
        assert heavy_result.get(timeout=60)["committee_id"] == committee.pk
        assert f"branches.tasks.coverage_figures[{heavy_result.id}] received" in heavy.log()
        assert heavy_result.id not in fast.log()
    finally:
        for worker in workers:
            worker.stop()
        sender.close()
