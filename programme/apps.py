from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "programme"
    verbose_name = _("评星之外")

    def ready(self):
        from ratings.workflow.indicator_notes import register_indicator_note_source

        from . import tasks  # noqa: F401  (registers the tasks)
        from .hooks import last_plan_notes, weak_indicator_cases

        # The self-assessment shows last cycle's plan beside each indicator, and published cases
        # beside those where the branch lost points, without importing us.
        register_indicator_note_source(last_plan_notes)
        register_indicator_note_source(weak_indicator_cases)
