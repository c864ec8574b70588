"""Celery tasks of the outcomes: notices on 公示, objections, awards and rectification, and the
daily finalisation and reminders (names ``ratings.tasks.<name>``)."""

import datetime as dt

from celery import shared_task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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

        def body(sub=sub) -> str:  # in each recipient's language
            return _("%(cycle)s结果公示期为 %(notice_starts_on)s 至 %(notice_ends_on)s。") % {
                "cycle": cycle,
                "notice_starts_on": cycle.notice_starts_on,
                "notice_ends_on": cycle.notice_ends_on,
            } + (
                _("%(party_organization)s的建议星级为%(proposed_level_name)s。")
                % {
                    "party_organization": sub.party_organization,
                    "proposed_level_name": sub.proposed_level_name,
                }
                if sub.pk in listed
                else _("%(party_organization)s本周期未列入公示名单（%(level_explanation)s）。")
                % {"party_organization": sub.party_organization, "level_explanation": sub.level_explanation}
            )

        sent += len(
            notify(
                recipients=secretaries_of(sub.party_organization_id),
                kind=Kind.RESULTS_PUBLISHED,
                key=f"published:{cycle.pk}:{sub.pk}",
                title=lambda: _("%(year)s年度评星结果公示") % {"year": cycle.year},
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
            title=lambda: _("收到公示异议 %(reference)s") % {"reference": o.reference},
            body=lambda: (
                _("针对%(party_organization)s的公示结果：\n%(reason)s")
                % {"party_organization": o.submission.party_organization, "reason": o.reason[:500]}
            ),
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
            subject=_("【星火评星】您提出的异议 %(reference)s 已有复核结论") % {"reference": o.reference},
            message=_(
                "您好：\n\n您针对%(cycle)s公示结果提出的异议（受理编号 %(reference)s）复核结论为：%(state)s。\n%(outcome)s\n\n—— %(cycle)s工作组"
            )
            % {
                "cycle": o.submission.cycle,
                "reference": o.reference,
                "state": o.get_state_display(),
                "outcome": o.outcome,
            },
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

    def title() -> str:  # in each recipient's language
        if event == "issued":
            return _("%(party_organization)s被命名为%(awarded_level)s党组织") % {
                "party_organization": a.party_organization,
                "awarded_level": level_name(a.awarded_level),
            }
        if event == "downgraded":
            return _("%(party_organization)s的星级调整为%(level)s") % {
                "party_organization": a.party_organization,
                "level": level_name(a.level),
            }
        return _("%(party_organization)s的星级命名已撤销") % {"party_organization": a.party_organization}

    def body() -> str:
        return _("证书编号：%(certificate_no)s。") % {"certificate_no": a.certificate_no} + (
            _("请按要求退回牌匾。") if event == "revoked" else ""
        )

    return len(
        notify(
            recipients=secretaries_of(a.party_organization_id),
            kind=Kind.AWARD,
            key=f"award:{a.pk}:{event}:{a.level}",
            title=title,
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


def _rectification_notice(item_id: int, *, kind: str, key: str, title, lead) -> int:
    """`title` and `lead`: lazy texts (gettext_lazy), written in each recipient's language."""
    from ..models import Rectification

    item = Rectification.objects.select_related("submission__party_organization").get(pk=item_id)
    po = item.submission.party_organization

    def body() -> str:
        text = (
            str(lead)
            + "\n"
            + _("存在问题：%(problem)s\n整改要求：%(requirement)s\n整改期限：%(due_on)s")
            % {
                "problem": item.problem,
                "requirement": item.requirement,
                "due_on": item.due_on,
            }
        )
        if item.staff_note and kind == Kind.RECTIFICATION_SENT_BACK:
            text += "\n" + _("退回原因：%(note)s") % {"note": item.staff_note}
        return text

    return len(
        notify(
            recipients=secretaries_of(po.pk),
            kind=kind,
            key=key,
            title=lambda: str(title),
            body=body,
            url=reverse("ratings:rectification-detail", args=[item.pk]),
        )
    )


@shared_task(name="ratings.tasks.notify_rectification_issued")
def notify_rectification_issued(item_id: int) -> int:
    """The branch is told as soon as staff issue a rectification item."""
    return _rectification_notice(
        item_id,
        kind=Kind.RECTIFICATION_ISSUED,
        key=f"rect_issued:{item_id}",
        title=gettext_lazy("收到整改事项"),
        lead=gettext_lazy("综合党委下达了一项整改事项，请按期整改并报送整改情况。"),
    )


@shared_task(name="ratings.tasks.notify_rectification_sent_back")
def notify_rectification_sent_back(item_id: int) -> int:
    """The branch is told that its answer was sent back (once per answer that was sent back)."""
    from ..models import Rectification

    answered_at = Rectification.objects.values_list("answered_at", flat=True).get(pk=item_id)
    stamp = answered_at.isoformat() if answered_at else "-"
    return _rectification_notice(
        item_id,
        kind=Kind.RECTIFICATION_SENT_BACK,
        key=f"rect_sent_back:{item_id}:{stamp}",
        title=gettext_lazy("整改情况被退回重改"),
        lead=gettext_lazy("综合党委退回了报送的整改情况，请按退回原因重新整改后再次报送。"),
    )


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
                    title=lambda: _("整改事项即将到期"),
                    body=lambda: (
                        _("%(po)s：%(problem)s，整改期限 %(due_on)s。")
                        % {"po": po, "problem": item.problem[:100], "due_on": item.due_on}  # noqa: B023 (notify() calls it at once)
                    ),
                    url=reverse("ratings:rectification-list"),
                )
            )
        if item.due_on < today:
            overdue_by_committee.setdefault(item.submission.cycle.committee_id, []).append(item)
            if item.state != Rectification.State.ANSWERED:
                sent += _rectification_notice(
                    item.pk,
                    kind=Kind.RECTIFICATION_BRANCH_OVERDUE,
                    key=f"rect_branch_overdue:{item.pk}:{item.due_on}",
                    title=gettext_lazy("整改事项已逾期"),
                    lead=gettext_lazy("这项整改已过期限，尚未报送整改情况，请尽快整改并报送。"),
                )
    for committee_id, items in overdue_by_committee.items():
        lines = "\n".join(
            _("· %(party_organization)s：%(problem)s（期限 %(due_on)s）")
            % {
                "party_organization": i.submission.party_organization,
                "problem": i.problem[:60],
                "due_on": i.due_on,
            }
            for i in items
        )
        sent += len(
            notify(
                recipients=staff_of(committee_id),
                kind=Kind.RECTIFICATION_OVERDUE,
                key=f"rect_overdue:{committee_id}:{today}",
                title=lambda: _("%(items)s 项整改逾期") % {"items": len(items)},  # noqa: B023 (notify() calls it at once)
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
            _("· %(party_organization)s（%(certificate_no)s，应于 %(return_due_on)s 退回）")
            % {
                "party_organization": p.award.party_organization,
                "certificate_no": p.award.certificate_no,
                "return_due_on": p.return_due_on,
            }
            for p in items
        )
        sent += len(
            notify(
                recipients=staff_of(committee_id),
                kind=Kind.PLAQUE_RETURN_OVERDUE,
                key=f"plaque_overdue:{committee_id}:{today}",
                title=lambda: _("%(items)s 块牌匾逾期未退回") % {"items": len(items)},  # noqa: B023 (notify() calls it at once)
                body=lines,
                url=reverse("ratings:award-list"),
            )
        )
    return sent


@shared_task(name="ratings.tasks.open_followup_checks")
def open_followup_checks() -> int:
    """Daily: events during an award's validity open a 核查评估 (idempotent)."""
    from .followup import open_checks_for_events

    return open_checks_for_events()
