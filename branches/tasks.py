"""Celery tasks of the register. They take ids, only read, and are safe to run twice."""

from celery import shared_task

from . import selectors


def _rate(value) -> str | None:
    # Decimal as text: exact, and JSON-serialisable for the result backend.
    return None if value is None else str(value)


@shared_task
def coverage_figures(committee_id: int) -> dict:
    """The committee's overall 组织覆盖率 / 工作覆盖率 figures, as a JSON-friendly dict."""
    overall = selectors.coverage_report(committee_id).overall
    return {
        "committee_id": committee_id,
        "total": overall.total,
        "party_covered": overall.party_covered,
        "work_covered": overall.work_covered,
        "uncovered": overall.uncovered,
        "org_rate": _rate(overall.org_rate),
        "work_rate": _rate(overall.work_rate),
    }
