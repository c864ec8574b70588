"""Meeting records as rating evidence: the compliance figures behind indicators linked to meeting
types, and the held meetings a secretary may attach. A fixed number of queries per page."""

import dataclasses
from collections import defaultdict

from meetings.compliance import compliance_for_types
from meetings.selectors import meetings_for_evidence

from ..models import Indicator, Submission


def indicator_codes(rubric_id: int) -> dict[int, list[str]]:
    rows = (
        Indicator.meeting_types.through.objects.filter(indicator__category__rubric_id=rubric_id)
        .values_list("indicator_id", "meetingtype__code")
        .order_by("meetingtype__sort_order")
    )
    codes = defaultdict(list)
    for indicator_id, code in rows:
        codes[indicator_id].append(code)
    return dict(codes)


def linked_compliance(submission: Submission) -> dict[int, object]:
    """Indicator id → the branch's compliance in the cycle's year for that indicator's meeting types."""
    codes = indicator_codes(submission.cycle.rubric_id)
    if not codes:
        return {}
    wanted = sorted({c for cs in codes.values() for c in cs})
    full = compliance_for_types(submission.party_organization_id, submission.cycle.year, wanted)
    return {
        indicator_id: dataclasses.replace(
            full,
            types=[t for t in full.types if t.rule.code in cs],
            missing_codes=[c for c in full.missing_codes if c in cs],
        )
        for indicator_id, cs in codes.items()
    }


def attachable_meetings(submission: Submission) -> dict[int, list]:
    """Indicator id → held meetings of its linked types in the cycle's year."""
    codes = indicator_codes(submission.cycle.rubric_id)
    if not codes:
        return {}
    meetings = list(
        meetings_for_evidence(
            submission.party_organization_id, submission.cycle.year, {c for cs in codes.values() for c in cs}
        )
    )
    return {
        indicator_id: [m for m in meetings if m.meeting_type.code in cs] for indicator_id, cs in codes.items()
    }


def meeting_compliance_rows(submission: Submission) -> list[tuple[Indicator, object]]:
    """(indicator, compliance) for the linked indicators, in rubric order: what inspectors and
    the review panel see beside the scores."""
    by_indicator = linked_compliance(submission)
    if not by_indicator:
        return []
    indicators = Indicator.objects.filter(pk__in=by_indicator).order_by("category__order", "order", "pk")
    return [(ind, by_indicator[ind.pk]) for ind in indicators]
