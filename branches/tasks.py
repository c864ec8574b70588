"""Celery tasks of the register. They take ids and are safe to run twice."""

from celery import shared_task

from . import import_batches, selectors
from .models import User


def _rate(value) -> str | None:
    # Decimal as text: exact, and JSON-serialisable for the result backend.
    return None if value is None else str(value)


@shared_task(ignore_result=False)  # its result is read (operations, tests)
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


@shared_task(name="branches.tasks.check_import_batch")
def check_import_batch(batch_id: int) -> None:
    """The dry run of an uploaded organisation list (nothing is written to the register)."""
    import_batches.import_batch_check(batch_id=batch_id)


@shared_task(name="branches.tasks.write_import_batch")
def write_import_batch(batch_id: int, by_id: int | None) -> int:
    """Write a confirmed organisation list, all rows or none; returns how many were written."""
    by = User.objects.filter(pk=by_id).first() if by_id else None
    return import_batches.import_batch_write_or_reset(batch_id=batch_id, by=by)
