"""Celery tasks of the programme (names ``programme.tasks.<name>``, in the beat schedule)."""

from celery import shared_task

from ratings.models import Cycle


@shared_task(name="programme.tasks.generate_improvement_plans")
def generate_improvement_plans() -> int:
    """Plans for every final cycle's branches below target that have none yet (safe to rerun)."""
    from .plans import plans_generate

    return sum(len(plans_generate(cycle=c)) for c in Cycle.objects.filter(status=Cycle.Status.FINAL))


@shared_task(name="programme.tasks.send_plan_reminders")
def send_plan_reminders() -> int:
    """Plan actions due in a week or tomorrow: one notice per action and reminder."""
    from .plans import plan_reminders_send

    return plan_reminders_send()
