"""集中评审会: staff record the panel (date, chair, members, minutes); completing a review names the
session that decided it."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import access
from branches.models import User
from branches.services import record_save

from ..models import MIN_PANEL_MEMBERS, Cycle, ReviewSession


def _clean_members(members: str, chair: str) -> str:
    names = list(dict.fromkeys(line.strip() for line in (members or "").splitlines() if line.strip()))
    errors = {}
    if len(names) < MIN_PANEL_MEMBERS:
        errors["members"] = _("评审组至少 %(n)d 人，每行写一人（当前 %(count)d 人）。") % {
            "n": MIN_PANEL_MEMBERS,
            "count": len(names),
        }
    elif not any(name.startswith(chair) for name in names):
        errors["chair"] = _("组长“%(chair)s”也应列入评审组成员。") % {"chair": chair}
    if errors:
        raise ValidationError(errors)
    return "\n".join(names)


def review_session_save(
    *,
    cycle: Cycle,
    by: User,
    held_on: dt.date,
    chair: str,
    members: str,
    minutes: str = "",
    place: str = "",
    session: ReviewSession | None = None,
) -> ReviewSession:
    """Create (or, with `session`, change) a panel session of `cycle`, audited."""
    access.require(by, "rating.manage", access.Target(committee_id=cycle.committee_id))
    chair = (chair or "").strip()
    if not chair:
        raise ValidationError({"chair": _("请填写评审组组长。")})
    if held_on is None:
        raise ValidationError({"held_on": _("请填写评审日期。")})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("评审日期不能晚于今天：评审会开过之后再登记。")})
    if cycle.opened_at and held_on < timezone.localdate(cycle.opened_at):
        raise ValidationError({"held_on": _("评审日期不能早于本周期启动的日期。")})
    if cycle.status not in (Cycle.Status.OPEN, Cycle.Status.PUBLISHED) and session is None:
        raise ValidationError(_("只能为进行中的评星周期登记评审会。"))
    members = _clean_members(members, chair)
    with transaction.atomic():
        if session is None:
            session = ReviewSession(cycle=cycle, created_by=by)
        elif session.cycle_id != cycle.pk:
            raise ValidationError(_("评审会不属于该评星周期。"))
        session.held_on, session.chair, session.members = held_on, chair, members
        session.minutes, session.place = (minutes or "").strip(), (place or "").strip()
        return record_save(session, by=by, clean=True, committee_id=cycle.committee_id)


def session_for_review(submission, session_id) -> ReviewSession:
    """The panel session a review is completed in: one of the submission's cycle."""
    session = ReviewSession.objects.filter(pk=session_id or None, cycle_id=submission.cycle_id).first()
    if session is None:
        raise ValidationError(_("请选择作出评审决定的集中评审会；还没有登记的，请先登记评审会。"))
    return session
