"""Celery tasks of the reports: tally recomputation, the weekly digest, background exports (names ``ratings.tasks.<name>``)."""

from celery import shared_task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import notify

from ..models import Cycle, Status, Submission, TallyRun, TallySnapshot
from ..workflow.tasks import OPEN_FOR_BRANCH, staff_of
from .exports import export_build, exports_expire
from .tally import fingerprint, tally_recompute


@shared_task(
    name="ratings.tasks.recompute_tally",
    bind=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=10,
    max_retries=3,
)
def recompute_tally(self, run_id: int) -> dict:
    """Recompute one cycle's tally for a TallyRun and tell staff the key figures when they changed."""
    run = TallyRun.objects.select_related("cycle").get(pk=run_id)
    if run.state == TallyRun.State.DONE:
        return {"state": "done", "skipped": True}
    before = TallySnapshot.objects.filter(cycle_id=run.cycle_id).values_list("data", flat=True).first()
    snapshot = tally_recompute(cycle_id=run.cycle_id, run=run)
    if before is None or fingerprint(before) != fingerprint(snapshot.data):
        _notify_tally_ready(snapshot)
    return {"state": "done", "three_plus": snapshot.data["three_plus"]}


@shared_task(name="ratings.tasks.recompute_all_tallies")
def recompute_all_tallies() -> int:
    """Nightly: recompute the tally of every cycle that has started."""
    count = 0
    for cycle in Cycle.objects.exclude(status=Cycle.Status.DRAFT):
        run = TallyRun.objects.create(cycle=cycle, reason="nightly")
        recompute_tally.run(run.pk)
        count += 1
    return count


def _notify_tally_ready(snapshot) -> int:
    """Tell staff the figures changed: one notice per cycle and day, kept up to date until read."""
    d = snapshot.data
    cycle = snapshot.cycle

    def body() -> str:  # in each recipient's language
        levels = _("，").join(
            _("%(level)s星 %(count)s") % {"level": k, "count": d["levels"][k]}
            for k in ("5", "4", "3", "2", "1")
        )
        return _(
            "%(title)s：参评 %(participants)s 个党组织，已评定 %(rated)s 个；三星及以上 %(three_plus)s 个（占 %(three_plus_share)s%%）；%(levels)s；一票否决 %(vetoed)s 个，未评定 %(unrated)s 个。组织覆盖率 %(org_rate)s%%，工作覆盖率 %(work_rate)s%%。"
        ) % {
            "title": d["cycle"]["title"],
            "participants": d["participants"],
            "rated": d["rated"],
            "three_plus": d["three_plus"],
            "three_plus_share": d["three_plus_share"] or "—",
            "levels": levels,
            "vetoed": d["vetoed"],
            "unrated": d["unrated"],
            "org_rate": d["coverage"]["org_rate"] or "—",
            "work_rate": d["coverage"]["work_rate"] or "—",
        }

    return len(
        notify(
            recipients=staff_of(cycle.committee_id),
            kind=Kind.TALLY_READY,
            key=f"tally:{cycle.pk}:{timezone.localdate().isoformat()}",
            title=lambda: _("%(year)s年度星级统计已更新") % {"year": cycle.year},
            body=body,
            url=reverse("ratings:dashboard") + f"?cycle={cycle.pk}",
            refresh_unread=True,
        )
    )


@shared_task(name="ratings.tasks.send_weekly_digest")
def send_weekly_digest() -> int:
    """Weekly: each committee's staff get one summary of where the rating stands (once per ISO week)."""
    from django.db.models import Count

    year, week, _day = timezone.localdate().isocalendar()
    sent = 0
    for cycle in Cycle.objects.filter(status__in=[Cycle.Status.OPEN, Cycle.Status.PUBLISHED]):
        counts = dict(Submission.objects.filter(cycle=cycle).values_list("status").annotate(n=Count("pk")))
        lines = [f"· {Status(s).label}：{counts.get(s.value, 0)}" for s in Status]
        now = timezone.now()
        overdue = sum(
            1
            for s in Submission.objects.filter(cycle=cycle, status__in=OPEN_FOR_BRANCH).select_related(
                "cycle"
            )
            if s.deadline < now
        )
        lines.append(_("· 逾期未提交：%(overdue)s") % {"overdue": overdue})
        sent += len(
            notify(
                recipients=staff_of(cycle.committee_id),
                kind=Kind.WEEKLY_DIGEST,
                key=f"digest:{cycle.pk}:{year}-W{week:02d}",
                title=lambda: (
                    _("%(year)s年度评星每周摘要（%(year2)s年第%(week)s周）")
                    % {"year": cycle.year, "year2": year, "week": week}  # noqa: B023 (notify() calls it at once)
                ),
                body=lambda: _("申报进度：\n") + "\n".join(lines),  # noqa: B023 (notify() calls it at once)
                url=reverse("ratings:dashboard") + f"?cycle={cycle.pk}",
            )
        )
    return sent


@shared_task(
    name="ratings.tasks.build_export",
    bind=True,
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=10,
    max_retries=3,
)
def build_export(self, job_id: int) -> str:
    """Build one whole-cycle download (ratings.reports.exports); safe to run twice."""
    return export_build(job_id=job_id)


@shared_task(name="ratings.tasks.expire_exports")
def expire_exports() -> int:
    """Nightly: delete the files of downloads kept past their time."""
    return exports_expire()
