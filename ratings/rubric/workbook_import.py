"""Import a workbook as the committee's next rubric version: all or nothing, a file with any error
writes nothing."""

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from branches import access
from branches.models import Committee, User
from branches.services import audit_record

from ..models import AdjustmentItem, Indicator, Rubric, StarBand, VetoItem
from .services import has_meeting_link, next_rubric_version
from .workbook import MAX_FILE_BYTES, SHEET_INDICATORS, RubricFileError, RubricImportError
from .workbook_check import check_workbook, meeting_types_by_code
from .workbook_read import read_workbook


def rubric_import(*, committee: Committee, content: bytes, by: User) -> Rubric:
    """Create the committee's next rubric version from a workbook, all or nothing.

    Raises RubricFileError (unreadable file) or RubricImportError (row-by-row errors).
    """
    access.require(by, "rating.manage", committee)
    if len(content) > MAX_FILE_BYTES:
        raise RubricFileError(_("文件太大，测评标准文件不应超过 5 MB。"))
    sheets = read_workbook(content)
    parsed, errors = check_workbook(sheets)
    linked = has_meeting_link()
    meeting_types = (
        meeting_types_by_code(committee, parsed, errors, sheets[SHEET_INDICATORS]) if linked else {}
    )
    if errors:
        raise RubricImportError(errors)
    with transaction.atomic():
        rubric = Rubric.objects.create(
            committee=committee,
            version=next_rubric_version(committee.pk),
            name=parsed.name or Rubric._meta.get_field("name").default,
            bonus_cap=parsed.bonus_cap,
            deduction_cap=parsed.deduction_cap,
            promotion_limit=parsed.promotion_limit,
            plaque_min_level=parsed.plaque_min_level,
            quota_tie_rule=parsed.quota_tie_rule,
        )
        for c_order, cat in enumerate(parsed.categories, start=1):
            new_cat = rubric.categories.create(code=cat.code, title=cat.title, order=c_order)
            created = bulk_create_with_history(
                [
                    Indicator(
                        category=new_cat,
                        code=i.code,
                        title=i.title,
                        max_score=i.max_score,
                        evidence_required=i.evidence_required,
                        evidence_description=i.evidence_description,
                        guidance=i.guidance,
                        order=i_order,
                    )
                    for i_order, i in enumerate(cat.indicators, start=1)
                ],
                Indicator,
                default_user=by,
            )
            if linked:
                for ind, parsed_ind in zip(created, cat.indicators, strict=True):
                    if parsed_ind.meeting_types:
                        ind.meeting_types.set([meeting_types[c] for c in parsed_ind.meeting_types])
        orders: dict[str, int] = {}
        adjustments = []
        for kind, code, title, points, cap in parsed.adjustments:
            orders[kind] = orders.get(kind, 0) + 1
            adjustments.append(
                AdjustmentItem(
                    rubric=rubric,
                    kind=kind,
                    code=code,
                    title=title,
                    points=points,
                    max_points=cap,
                    order=orders[kind],
                )
            )
        bulk_create_with_history(adjustments, AdjustmentItem, default_user=by)
        bulk_create_with_history(
            [
                VetoItem(rubric=rubric, code=code, title=title, order=order)
                for order, (code, title) in enumerate(parsed.vetoes, start=1)
            ],
            VetoItem,
            default_user=by,
        )
        bulk_create_with_history(
            [
                StarBand(rubric=rubric, level=level, min_total=min_total, quota_percent=quota)
                for level, min_total, quota in parsed.bands
            ],
            StarBand,
            default_user=by,
        )
        audit_record(
            actor=by,
            action="rubric.import",
            target=rubric,
            after={
                "version": rubric.version,
                "categories": len(parsed.categories),
                "indicators": sum(len(c.indicators) for c in parsed.categories),
            },
        )
    return rubric
