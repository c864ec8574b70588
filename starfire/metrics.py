"""`/metrics` for Prometheus: django-prometheus's request, response and database metrics plus
the domain's own, computed when scraped.

- `starfire_submissions{committee, status}`: submissions of open and publishing cycles by state
  (one grouped query);
- `starfire_outbox_messages{state}`: outbox messages pending, running and failed (core.outbox);
- `starfire_broker_up`: 1 when the broker answered the last check (cached briefly), else 0;
- `starfire_tasks_total{task, result}`: tasks finished by any worker, succeeded or failed;
- `starfire_emails_total{result}`: notice e-mails sent and failed.

The counters are kept in the shared cache (core.metrics). Only the addresses in
METRICS_ALLOWED_IPS (addresses or networks, the client's address as core.clientip sees it) get
the page; everyone else gets 404, as if it did not exist.
"""

import ipaddress

from django.conf import settings
from django.db.models import Count
from django.http import Http404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily

from core import metrics as counters
from core.clientip import client_ip
from core.models import OutboxMessage

TASK_RESULTS = ("succeeded", "failed")
EMAIL_RESULTS = ("sent", "failed")


def allowed(request) -> bool:
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            if address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


class DomainCollector:
    """Read when scraped, so every web process reports the same figures."""

    def collect(self):
        from ratings.models import Cycle, Submission
        from starfire.celery import app
        from starfire.health import broker_status

        submissions = GaugeMetricFamily(
            "starfire_submissions", "Submissions of running cycles by state", labels=["committee", "status"]
        )
        running = [Cycle.Status.OPEN, Cycle.Status.PUBLISHED]
        rows = (
            Submission.objects.filter(cycle__status__in=running)
            .order_by()
            .values("cycle__committee_id", "status")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            submissions.add_metric([str(row["cycle__committee_id"]), row["status"]], row["n"])
        yield submissions

        outbox = GaugeMetricFamily("starfire_outbox_messages", "Outbox messages by state", labels=["state"])
        states = [OutboxMessage.State.PENDING, OutboxMessage.State.RUNNING, OutboxMessage.State.FAILED]
        found = dict(
            OutboxMessage.objects.filter(state__in=states)
            .order_by()
            .values("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
        for state in states:
            outbox.add_metric([state], found.get(state, 0))
        yield outbox

        broker = broker_status()
        if broker:
            yield GaugeMetricFamily("starfire_broker_up", "The broker answered", value=int(broker == "ok"))

        tasks = CounterMetricFamily("starfire_tasks", "Tasks finished", labels=["task", "result"])
        names = sorted(name for name in app.tasks if not name.startswith("celery."))
        labels = [{"task": n, "result": r} for n in names for r in TASK_RESULTS]
        for found_labels, value in counters.read("tasks", labels):
            tasks.add_metric([found_labels["task"], found_labels["result"]], value)
        yield tasks

        emails = CounterMetricFamily("starfire_emails", "Notice e-mails", labels=["result"])
        for found_labels, value in counters.read("emails", [{"result": r} for r in EMAIL_RESULTS]):
            emails.add_metric([found_labels["result"]], value)
        yield emails


_registered = []


def register_collector() -> None:
    if not _registered:
        REGISTRY.register(DomainCollector())
        _registered.append(True)


@never_cache
@require_safe
def metrics(request):
    if not allowed(request):
        raise Http404
    from django_prometheus.exports import ExportToDjangoView

    register_collector()
    return ExportToDjangoView(request)
