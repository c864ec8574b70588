"""The central review's matrix: per indicator the self score, every inspector's score, their
average and spread, a flag where they disagree, and the final score.

Read-only and built in a fixed number of queries, whatever the number of indicators and
inspectors, so the review page stays as fast for 25 indicators × 4 inspectors as for 5 × 2.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from ..models import (
    Evidence,
    FinalScore,
    Indicator,
    IndicatorScore,
    InspectionAssignment,
    InspectionPhoto,
    InspectionScore,
    RatingSettings,
    Submission,
)
from .levels import inspector_averages


@dataclass
class InspectorCell:
    """One inspector's result for one indicator (None score: not scored yet)."""

    assignment: InspectionAssignment
    score: Decimal | None = None
    finding: str = ""
    recorded_at: object = None
    photos: list[InspectionPhoto] = field(default_factory=list)


@dataclass
class ReviewRow:
    indicator: Indicator
    self_score: Decimal | None
    self_comment: str
    evidence: list[Evidence]
    cells: list[InspectorCell]  # one per inspector, in the order of ReviewMatrix.assignments
    average: Decimal | None  # the inspectors' average, exactly as ratings.workflow.levels computes it
    spread: Decimal | None  # max − min of the inspectors' scores
    flagged: bool  # spread above the committee's threshold
    final: FinalScore | None

    @property
    def final_default(self) -> Decimal | None:
        """What the final score input shows: the saved final score, else the inspectors' average."""
        return self.final.score if self.final is not None else self.average

    @property
    def final_differs(self) -> bool:
        return self.final is not None and self.average is not None and self.final.score != self.average


@dataclass
class ReviewMatrix:
    submission: Submission
    assignments: list[InspectionAssignment]
    rows: list[ReviewRow]
    threshold: Decimal
    inspector_totals: list[Decimal] = field(default_factory=list)

    @property
    def self_total(self) -> Decimal:
        return sum((r.self_score or Decimal(0) for r in self.rows), Decimal(0))

    @property
    def average_total(self) -> Decimal:
        return sum((r.average or Decimal(0) for r in self.rows), Decimal(0))

    @property
    def final_total(self) -> Decimal:
        """The indicator total the star rules use: final score, else the average, else 0."""
        return sum((r.final_default or Decimal(0) for r in self.rows), Decimal(0))

    @property
    def max_total(self) -> Decimal:
        return sum((r.indicator.max_score for r in self.rows), Decimal(0))

    @property
    def flagged_count(self) -> int:
        return sum(1 for r in self.rows if r.flagged)

    @property
    def unscored_count(self) -> int:
        """Indicators no inspector has scored (the review cannot complete without a final score)."""
        return sum(1 for r in self.rows if r.average is None and r.final is None)


def review_matrix(submission: Submission) -> ReviewMatrix:
    """The side-by-side comparison for one submission (`submission.cycle` is expected loaded).

    Nine queries: settings, indicators, assignments, inspection scores, averages, photos,
    self scores, evidence, final scores.
    """
    threshold = RatingSettings.for_committee(submission.cycle.committee_id).spread_threshold
    indicators = list(
        Indicator.objects.filter(category__rubric_id=submission.cycle.rubric_id)
        .select_related("category")
        .order_by("category__order", "category_id", "order", "pk")
    )
    assignments = list(submission.assignments.select_related("inspector").order_by("assigned_at", "pk"))
    scores = {
        (s.assignment_id, s.indicator_id): s
        for s in InspectionScore.objects.filter(assignment__submission=submission)
    }
    averages = inspector_averages([submission.pk])
    photos = defaultdict(list)
    for p in InspectionPhoto.objects.filter(assignment__submission=submission).order_by("taken_at", "pk"):
        photos[(p.assignment_id, p.indicator_id)].append(p)
    self_scores = {s.indicator_id: s for s in IndicatorScore.objects.filter(submission=submission)}
    evidence = defaultdict(list)
    for ev in Evidence.objects.filter(submission=submission).order_by("uploaded_at", "pk"):
        evidence[ev.indicator_id].append(ev)
    finals = {f.indicator_id: f for f in FinalScore.objects.filter(submission=submission)}

    rows = []
    inspector_totals = [Decimal(0)] * len(assignments)
    for ind in indicators:
        cells = []
        for n, a in enumerate(assignments):
            s = scores.get((a.pk, ind.pk))
            cell = InspectorCell(assignment=a, photos=photos.get((a.pk, ind.pk), []))
            if s is not None:
                cell.score, cell.finding, cell.recorded_at = s.score, s.finding, s.recorded_at
                inspector_totals[n] += s.score or Decimal(0)
            cells.append(cell)
        given = [c.score for c in cells if c.score is not None]
        spread = (max(given) - min(given)) if given else None
        own = self_scores.get(ind.pk)
        rows.append(
            ReviewRow(
                indicator=ind,
                self_score=own.score if own else None,
                self_comment=own.comment if own else "",
                evidence=evidence.get(ind.pk, []),
                cells=cells,
                average=averages.get((submission.pk, ind.pk)),
                spread=spread,
                flagged=spread is not None and spread > threshold,
                final=finals.get(ind.pk),
            )
        )
    return ReviewMatrix(
        submission=submission,
        assignments=assignments,
        rows=rows,
        threshold=threshold,
        inspector_totals=inspector_totals,
    )
