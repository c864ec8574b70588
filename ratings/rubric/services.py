"""Rubric services: create a rubric, check it before a cycle uses it, copy it into the next version."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from branches import access
from branches.models import User
from branches.services import audit_record

from ..models import AdjustmentItem, Indicator, Rubric, StarBand, VetoItem


def rubric_check(rubric: Rubric) -> list[str]:
    """What is wrong with a rubric before a cycle may use it (empty list: fine)."""
    problems = []
    indicators = list(rubric.indicators())
    if not indicators:
        problems.append(_("测评标准没有任何二级指标。"))
    bands = list(rubric.bands.order_by("-level"))
    if not bands:
        problems.append(_("没有设置星级分数线。"))
    for higher, lower in zip(bands, bands[1:], strict=False):
        if higher.min_total <= lower.min_total:
            problems.append(_("%(higher)s 的分数线应高于 %(lower)s。") % {"higher": higher, "lower": lower})
    total = sum((i.max_score for i in indicators), Decimal(0))
    if bands and bands[0].min_total > total + rubric.bonus_cap:
        problems.append(
            _("最高星级分数线 %(min_total)s 超过了可能的最高总分 %(total)s。")
            % {"min_total": bands[0].min_total, "total": total + rubric.bonus_cap}
        )
    return problems


def next_rubric_version(committee_id: int) -> int:
    """The version number a new rubric of the committee gets. Call inside a transaction: it locks
    the committee's rubrics so two new versions cannot take the same number."""
    versions = list(
        Rubric.objects.select_for_update().filter(committee_id=committee_id).values_list("version", flat=True)
    )
    return max(versions, default=0) + 1


@transaction.atomic
def rubric_create(*, rubric: Rubric, by: User, note: str = "") -> Rubric:
    """A new, empty rubric of a committee, numbered as the committee's next version."""
    access.require(by, "rating.manage", access.Target(committee_id=rubric.committee_id))
    rubric.version = next_rubric_version(rubric.committee_id)
    rubric._history_user = by
    rubric.full_clean()
    rubric.save()
    audit_record(
        actor=by, action="rubric.create", target=rubric, after={"version": rubric.version}, note=note
    )
    return rubric


@transaction.atomic
def rubric_copy(*, rubric: Rubric, by: User) -> Rubric:
    """Copy a rubric (e.g. last year's) into the next version, unfrozen and ready to edit."""
    access.require(by, "rating.manage", access.Target(committee_id=rubric.committee_id))
    new = Rubric(
        committee_id=rubric.committee_id,
        name=rubric.name,
        version=next_rubric_version(rubric.committee_id),
        based_on=rubric,
        bonus_cap=rubric.bonus_cap,
        deduction_cap=rubric.deduction_cap,
        promotion_limit=rubric.promotion_limit,
        plaque_min_level=rubric.plaque_min_level,
        quota_tie_rule=rubric.quota_tie_rule,
    )
    new._history_user = by
    new.save()
    for cat in rubric.categories.prefetch_related(
        "indicators__meeting_types" if has_meeting_link() else "indicators"
    ):
        new_cat = new.categories.create(code=cat.code, title=cat.title, order=cat.order)
        for ind in cat.indicators.all():
            new_ind = new_cat.indicators.create(
                code=ind.code,
                title=ind.title,
                evidence_description=ind.evidence_description,
                max_score=ind.max_score,
                evidence_required=ind.evidence_required,
                guidance=ind.guidance,
                order=ind.order,
            )
            if has_meeting_link():
                new_ind.meeting_types.set(ind.meeting_types.all())
    for adj in rubric.adjustments.all():
        AdjustmentItem.objects.create(
            rubric=new,
            kind=adj.kind,
            code=adj.code,
            title=adj.title,
            points=adj.points,
            max_points=adj.max_points,
            order=adj.order,
        )
    for veto in rubric.vetoes.all():
        VetoItem.objects.create(rubric=new, code=veto.code, title=veto.title, order=veto.order)
    for band in rubric.bands.all():
        StarBand.objects.create(
            rubric=new, level=band.level, min_total=band.min_total, quota_percent=band.quota_percent
        )
    audit_record(
        actor=by, action="rubric.copy", target=new, after={"based_on": rubric.pk, "version": new.version}
    )
    return new


def has_meeting_link() -> bool:
    return any(f.name == "meeting_types" for f in Indicator._meta.get_fields())
