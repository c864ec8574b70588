from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("星级评定")

    def ready(self):
        from branches import access, selectors

        from . import tasks  # noqa: F401  (registers the tasks and connects the reports' signal receivers)
        from .outcomes import followup  # noqa: F401  (the register's saves open follow-up checks)
        from .outcomes.awards import current_level_expression
        from .workflow.selectors import party_organization_ids_assigned_to

        # The register's access policy learns from here which branches an inspector is assigned to.
        access.register_assignment_source(party_organization_ids_assigned_to)
        # ...and how to show a branch's current star level in its lists.
        selectors.register_level_source(current_level_expression)
