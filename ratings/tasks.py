"""Celery tasks of the rating procedure: notices on workflow events and the daily reminders.

Tasks take ids and are idempotent: every notice carries an event key, so running a task twice
(beat firing twice, a worker retrying) creates and sends nothing more.
"""

import datetime as dt

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from branches.models import Role, User
from notifications.models import Kind
from notifications.services import notify

from .models import Cycle, InspectionAssignment, ReturnReason, Status, Submission

OPEN_FOR_BRANCH = (Status.DRAFT, Status.RETURNED)


def _secretaries(party_organization_id):
    return User.objects.filter(
        role=Role.SECRETARY, party_organization_id=party_organization_id, is_active=True
    )


def _staff(committee_id):
    return User.objects.filter(role=Role.STAFF, committee_id=committee_id, is_active=True)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@shared_task
def notify_cycle_opened(cycle_id: int) -> int:
    cycle = Cycle.objects.get(pk=cycle_id)
    sent = 0
    for sub in Submission.objects.filter(cycle=cycle).select_related("party_organization"):
        sent += len(
            notify(
                recipients=_secretaries(sub.party_organization_id),
                kind=Kind.CYCLE_OPENED,
                key=f"cycle_opened:{cycle.pk}:{sub.pk}",
                title=f"{cycle}已启动",
                body=f"{sub.party_organization}请在 {_when(sub.deadline)} 前完成网上自评并提交。",
                url=reverse("ratings:self-assessment", args=[sub.pk]),
            )
        )
    return sent


@shared_task
def notify_submission_returned(submission_id: int, round_no: int) -> int:
    sub = Submission.objects.select_related("cycle", "party_organization").get(pk=submission_id)
    reasons = ReturnReason.objects.filter(submission=sub, round=round_no).select_related("indicator")
    lines = [f"· {r.indicator.code + ' ' if r.indicator else ''}{r.reason}" for r in reasons]
    return len(
        notify(
            recipients=_secretaries(sub.party_organization_id),
            kind=Kind.SUBMISSION_RETURNED,
            key=f"returned:{sub.pk}:{round_no}",
            title=f"{sub.cycle.year}年度评星申报被退回",
            body="综合党委初核后退回了申报，请按以下意见修改后重新提交：\n" + "\n".join(lines),
            url=reverse("ratings:self-assessment", args=[sub.pk]),
        )
    )


@shared_task
def notify_inspection_assigned(assignment_id: int) -> int:
    a = InspectionAssignment.objects.select_related(
        "submission__cycle", "submission__party_organization", "inspector"
    ).get(pk=assignment_id)
    cycle = a.submission.cycle
    return len(
        notify(
            recipients=[a.inspector],
            kind=Kind.INSPECTION_ASSIGNED,
            key=f"assigned:{a.pk}",
            title=f"实地验收任务：{a.submission.party_organization}",
            body=f"您被分配为{a.submission.party_organization}的验收人员，请在 {_when(cycle.inspection_deadline)} 前完成实地验收并签字。",
            url=reverse("ratings:inspection", args=[a.pk]),
        )
    )


@shared_task
def send_deadline_reminders() -> int:
    """Daily: secretaries 7 days and 1 day before their deadline; inspectors 3 days and 1 day before theirs."""
    now = timezone.now()
    sent = 0
    subs = Submission.objects.filter(
        cycle__status=Cycle.Status.OPEN, status__in=OPEN_FOR_BRANCH
    ).select_related("cycle", "party_organization")
    for sub in subs:
        left = sub.deadline - now
        for days in (7, 1):
            if dt.timedelta(0) < left <= dt.timedelta(days=days):
                sent += len(
                    notify(
                        recipients=_secretaries(sub.party_organization_id),
                        kind=Kind.DEADLINE_NEAR,
                        key=f"deadline:{sub.pk}:{days}:{sub.deadline:%Y%m%d%H%M}",
                        title=f"自评将于{days}天内截止",
                        body=f"{sub.party_organization}的{sub.cycle.year}年度自评截止时间为 {_when(sub.deadline)}，尚未提交。",
                        url=reverse("ratings:self-assessment", args=[sub.pk]),
                    )
                )
                break
    assignments = InspectionAssignment.objects.filter(
        signed_off_at__isnull=True,
        submission__status=Status.ACCEPTED,
        submission__cycle__status=Cycle.Status.OPEN,
    ).select_related("submission__cycle", "submission__party_organization", "inspector")
    for a in assignments:
        deadline = a.submission.cycle.inspection_deadline
        left = deadline - now
        for days in (3, 1):
            if dt.timedelta(0) < left <= dt.timedelta(days=days):
                sent += len(
                    notify(
                        recipients=[a.inspector],
                        kind=Kind.INSPECTION_DEADLINE,
                        key=f"inspection_deadline:{a.pk}:{days}:{deadline:%Y%m%d}",
                        title=f"实地验收将于{days}天内截止",
                        body=f"{a.submission.party_organization}的实地验收截止时间为 {_when(deadline)}，您尚未签字确认。",
                        url=reverse("ratings:inspection", args=[a.pk]),
                    )
                )
                break
    return sent


@shared_task
def report_overdue_submissions() -> int:
    """Daily: tell committee staff which branches have not submitted after their deadline (once a day)."""
    now = timezone.now()
    today = timezone.localdate()
    sent = 0
    for cycle in Cycle.objects.filter(status=Cycle.Status.OPEN):
        overdue = [
            s
            for s in Submission.objects.filter(cycle=cycle, status__in=OPEN_FOR_BRANCH).select_related(
                "party_organization", "cycle"
            )
            if s.deadline < now
        ]
        if not overdue:
            continue
        names = "\n".join(f"· {s.party_organization}（截止 {_when(s.deadline)}）" for s in overdue)
        sent += len(
            notify(
                recipients=_staff(cycle.committee_id),
                kind=Kind.SUBMISSIONS_OVERDUE,
                key=f"overdue:{cycle.pk}:{today:%Y%m%d}",
                title=f"{cycle.year}年度评星：{len(overdue)} 个党组织逾期未提交",
                body=f"以下党组织已过自评截止时间仍未提交：\n{names}",
                url=reverse("ratings:queue", args=[cycle.pk]) + "?overdue=1",
            )
        )
    return sent


@shared_task(bind=True, autoretry_for=(ConnectionError, TimeoutError), retry_backoff=10, max_retries=3)
def recompute_tally(self, run_id: int) -> dict:
    """Recompute one cycle's tally for a TallyRun and tell staff the key figures when they changed."""
    from .models import TallyRun
    from .tally import fingerprint, tally_recompute

    run = TallyRun.objects.select_related("cycle").get(pk=run_id)
    if run.state == TallyRun.State.DONE:
        return {"state": "done", "skipped": True}
    snapshot = tally_recompute(cycle_id=run.cycle_id, run=run)
    _notify_tally_ready(snapshot, fingerprint(snapshot.data))
    return {"state": "done", "three_plus": snapshot.data["three_plus"]}


@shared_task
def recompute_all_tallies() -> int:
    """Nightly: recompute the tally of every cycle that has started."""
    from .models import TallyRun

    count = 0
    for cycle in Cycle.objects.exclude(status=Cycle.Status.DRAFT):
        run = TallyRun.objects.create(cycle=cycle, reason="nightly")
        recompute_tally.run(run.pk)
        count += 1
    return count


def _notify_tally_ready(snapshot, digest: str) -> int:
    d = snapshot.data
    cycle = snapshot.cycle
    levels = "，".join(f"{k}星 {d['levels'][k]}" for k in ("5", "4", "3", "2", "1"))
    body = (
        f"{d['cycle']['title']}：参评 {d['participants']} 个党组织，已评定 {d['rated']} 个；"
        f"三星及以上 {d['three_plus']} 个（占 {d['three_plus_share'] or '—'}%）；{levels}；"
        f"一票否决 {d['vetoed']} 个，未评定 {d['unrated']} 个。"
        f"组织覆盖率 {d['coverage']['org_rate'] or '—'}%，工作覆盖率 {d['coverage']['work_rate'] or '—'}%。"
    )
    return len(
        notify(
            recipients=_staff(cycle.committee_id),
            kind=Kind.TALLY_READY,
            key=f"tally:{cycle.pk}:{digest}",
            title=f"{cycle.year}年度星级统计已更新",
            body=body,
            url=reverse("ratings:dashboard") + f"?cycle={cycle.pk}",
        )
    )


@shared_task
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
        lines.append(f"· 逾期未提交：{overdue}")
        sent += len(
            notify(
                recipients=_staff(cycle.committee_id),
                kind=Kind.WEEKLY_DIGEST,
                key=f"digest:{cycle.pk}:{year}-W{week:02d}",
                title=f"{cycle.year}年度评星每周摘要（{year}年第{week}周）",
                body="申报进度：\n" + "\n".join(lines),
                url=reverse("ratings:dashboard") + f"?cycle={cycle.pk}",
            )
        )
    return sent


# --- 公示, objections, awards, rectification ---------------------------------------------------


@shared_task
def notify_results_published(cycle_id: int) -> int:
    from .publication import listed_results

    cycle = Cycle.objects.get(pk=cycle_id)
    sent = 0
    listed = {s.pk for s in listed_results(cycle)}
    for sub in Submission.objects.filter(cycle=cycle, status=Status.REVIEWED).select_related(
        "party_organization"
    ):
        body = f"{cycle}结果公示期为 {cycle.notice_starts_on} 至 {cycle.notice_ends_on}。" + (
            f"{sub.party_organization}的建议星级为{sub.proposed_level_name}。"
            if sub.pk in listed
            else f"{sub.party_organization}本周期未列入公示名单（{sub.level_explanation}）。"
        )
        sent += len(
            notify(
                recipients=_secretaries(sub.party_organization_id),
                kind=Kind.RESULTS_PUBLISHED,
                key=f"published:{cycle.pk}:{sub.pk}",
                title=f"{cycle.year}年度评星结果公示",
                body=body,
                url=reverse("ratings:public-notice", args=[cycle.pk]),
            )
        )
    return sent


@shared_task
def notify_objection_filed(objection_id: int) -> int:
    from .models import Objection

    o = Objection.objects.select_related("submission__cycle", "submission__party_organization").get(
        pk=objection_id
    )
    return len(
        notify(
            recipients=_staff(o.submission.cycle.committee_id),
            kind=Kind.OBJECTION_FILED,
            key=f"objection:{o.pk}",
            title=f"收到公示异议 {o.reference}",
            body=f"针对{o.submission.party_organization}的公示结果：\n{o.reason[:500]}",
            url=reverse("ratings:objection-detail", args=[o.pk]),
        )
    )


@shared_task(
    bind=True, autoretry_for=(ConnectionError, TimeoutError, OSError), retry_backoff=30, max_retries=5
)
def tell_objector(self, objection_id: int) -> str:
    """E-mail the outcome to an objector who left an e-mail address (once)."""
    from django.core.exceptions import ValidationError
    from django.core.mail import send_mail
    from django.core.validators import validate_email
    from django.db import transaction

    from .models import Objection

    with transaction.atomic():
        o = Objection.objects.select_for_update().select_related("submission__cycle").get(pk=objection_id)
        if o.objector_notified_at or o.is_open:
            return "skipped"
        try:
            validate_email(o.contact)
        except ValidationError:
            return "no-email"  # staff see the contact on the objection page and tell them by phone
        send_mail(
            subject=f"【星火评星】您提出的异议 {o.reference} 已有复核结论",
            message=f"您好：\n\n您针对{o.submission.cycle}公示结果提出的异议（受理编号 {o.reference}）复核结论为："
            f"{o.get_state_display()}。\n{o.outcome}\n\n—— {o.submission.cycle}工作组",
            from_email=None,
            recipient_list=[o.contact],
        )
        o.objector_notified_at = timezone.now()
        o.save(update_fields=["objector_notified_at"])
    return "sent"


@shared_task
def notify_award_change(award_id: int, event: str) -> int:
    from .models import Award, level_name

    a = Award.objects.select_related("cycle", "party_organization").get(pk=award_id)
    titles = {
        "issued": f"{a.party_organization}被命名为{level_name(a.awarded_level)}党组织",
        "downgraded": f"{a.party_organization}的星级调整为{level_name(a.level)}",
        "revoked": f"{a.party_organization}的星级命名已撤销",
    }
    body = f"证书编号：{a.certificate_no}。" + ("请按要求退回牌匾。" if event == "revoked" else "")
    return len(
        notify(
            recipients=_secretaries(a.party_organization_id),
            kind=Kind.AWARD,
            key=f"award:{a.pk}:{event}:{a.level}",
            title=titles[event],
            body=body,
            url=reverse("ratings:branch-history", args=[a.party_organization_id]),
        )
    )


@shared_task
def finalize_due_results() -> dict:
    """Daily: results whose notice period has ended and that have no open objection become final."""
    from .publication import results_finalize

    done = {}
    today = timezone.localdate()
    for cycle in Cycle.objects.filter(status=Cycle.Status.PUBLISHED, notice_ends_on__lt=today):
        done[cycle.pk] = results_finalize(cycle=cycle, by=None, today=today)
    return done


@shared_task
def send_rectification_reminders() -> int:
    """Daily: secretaries 3 days before an item is due; staff once a day about overdue items and
    overdue plaque returns."""
    from .models import Plaque, Rectification

    today = timezone.localdate()
    sent = 0
    open_items = Rectification.objects.exclude(state=Rectification.State.VERIFIED).select_related(
        "submission__cycle", "submission__party_organization"
    )
    overdue_by_committee = {}
    for item in open_items:
        po = item.submission.party_organization
        if (
            today <= item.due_on <= today + dt.timedelta(days=3)
            and item.state != Rectification.State.ANSWERED
        ):
            sent += len(
                notify(
                    recipients=_secretaries(po.pk),
                    kind=Kind.RECTIFICATION_DUE,
                    key=f"rect_due:{item.pk}:{item.due_on}",
                    title="整改事项即将到期",
                    body=f"{po}：{item.problem[:100]}，整改期限 {item.due_on}。",
                    url=reverse("ratings:rectification-list"),
                )
            )
        if item.due_on < today:
            overdue_by_committee.setdefault(item.submission.cycle.committee_id, []).append(item)
    for committee_id, items in overdue_by_committee.items():
        lines = "\n".join(
            f"· {i.submission.party_organization}：{i.problem[:60]}（期限 {i.due_on}）" for i in items
        )
        sent += len(
            notify(
                recipients=_staff(committee_id),
                kind=Kind.RECTIFICATION_OVERDUE,
                key=f"rect_overdue:{committee_id}:{today}",
                title=f"{len(items)} 项整改逾期",
                body=lines,
                url=reverse("ratings:rectification-list") + "?overdue=1",
            )
        )
    plaques = Plaque.objects.filter(return_due_on__lt=today, returned_on__isnull=True).select_related(
        "award__cycle", "award__party_organization"
    )
    by_committee = {}
    for p in plaques:
        by_committee.setdefault(p.award.cycle.committee_id, []).append(p)
    for committee_id, items in by_committee.items():
        lines = "\n".join(
            f"· {p.award.party_organization}（{p.award.certificate_no}，应于 {p.return_due_on} 退回）"
            for p in items
        )
        sent += len(
            notify(
                recipients=_staff(committee_id),
                kind=Kind.PLAQUE_RETURN_OVERDUE,
                key=f"plaque_overdue:{committee_id}:{today}",
                title=f"{len(items)} 块牌匾逾期未退回",
                body=lines,
                url=reverse("ratings:award-list"),
            )
        )
    return sent
