"""Celery tasks of the outcomes: notices on 公示, objections, awards and rectification, and the
daily finalisation and reminders (names ``ratings.tasks.<name>``)."""

import datetime as dt

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind
from notifications.services import notify

from ..models import Cycle, Status, Submission
from ..workflow.tasks import secretaries_of, staff_of


@shared_task(name="ratings.tasks.notify_results_published")
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
                recipients=secretaries_of(sub.party_organization_id),
                kind=Kind.RESULTS_PUBLISHED,
                key=f"published:{cycle.pk}:{sub.pk}",
                title=f"{cycle.year}年度评星结果公示",
                body=body,
                url=reverse("ratings:public-notice", args=[cycle.pk]),
            )
        )
    return sent


@shared_task(name="ratings.tasks.notify_objection_filed")
def notify_objection_filed(objection_id: int) -> int:
    from ..models import Objection

    o = Objection.objects.select_related("submission__cycle", "submission__party_organization").get(
        pk=objection_id
    )
    return len(
        notify(
            recipients=staff_of(o.submission.cycle.committee_id),
            kind=Kind.OBJECTION_FILED,
            key=f"objection:{o.pk}",
            title=f"收到公示异议 {o.reference}",
            body=f"针对{o.submission.party_organization}的公示结果：\n{o.reason[:500]}",
            url=reverse("ratings:objection-detail", args=[o.pk]),
        )
    )


@shared_task(
    name="ratings.tasks.tell_objector",
    bind=True,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=30,
    max_retries=5,
)
def tell_objector(self, objection_id: int) -> str:
    """E-mail the outcome to an objector who left an e-mail address (once)."""
    from django.core.exceptions import ValidationError
    from django.core.mail import send_mail
    from django.core.validators import validate_email
    from django.db import transaction

    from ..models import Objection

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


@shared_task(name="ratings.tasks.notify_award_change")
def notify_award_change(award_id: int, event: str) -> int:
    from ..models import Award, level_name

    a = Award.objects.select_related("cycle", "party_organization").get(pk=award_id)
    titles = {
        "issued": f"{a.party_organization}被命名为{level_name(a.awarded_level)}党组织",
        "downgraded": f"{a.party_organization}的星级调整为{level_name(a.level)}",
        "revoked": f"{a.party_organization}的星级命名已撤销",
    }
    body = f"证书编号：{a.certificate_no}。" + ("请按要求退回牌匾。" if event == "revoked" else "")
    return len(
        notify(
            recipients=secretaries_of(a.party_organization_id),
            kind=Kind.AWARD,
            key=f"award:{a.pk}:{event}:{a.level}",
            title=titles[event],
            body=body,
            url=reverse("ratings:branch-history", args=[a.party_organization_id]),
        )
    )


@shared_task(name="ratings.tasks.finalize_due_results")
def finalize_due_results() -> dict:
    """Daily: results whose notice period has ended and that have no open objection become final."""
    from .publication import results_finalize

    done = {}
    today = timezone.localdate()
    for cycle in Cycle.objects.filter(status=Cycle.Status.PUBLISHED, notice_ends_on__lt=today):
        done[cycle.pk] = results_finalize(cycle=cycle, by=None, today=today)
    return done


@shared_task(name="ratings.tasks.send_rectification_reminders")
def send_rectification_reminders() -> int:
    """Daily: secretaries 3 days before an item is due; staff once a day about overdue items and
    overdue plaque returns."""
    from ..models import Plaque, Rectification

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
                    recipients=secretaries_of(po.pk),
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
                recipients=staff_of(committee_id),
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
                recipients=staff_of(committee_id),
                kind=Kind.PLAQUE_RETURN_OVERDUE,
                key=f"plaque_overdue:{committee_id}:{today}",
                title=f"{len(items)} 块牌匾逾期未退回",
                body=lines,
                url=reverse("ratings:award-list"),
            )
        )
    return sent
