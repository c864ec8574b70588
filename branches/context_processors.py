from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Role


def navigation(request):
    """The navigation a role sees; pages still check access themselves."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        items.append((_("首页"), reverse("home")))
        if user.role == Role.STAFF or user.is_superuser:
            items += [
                (_("社会组织"), reverse("branches:organization-list")),
                (_("党组织"), reverse("branches:party-organization-list")),
                (_("覆盖情况"), reverse("branches:coverage")),
                (_("导入"), reverse("branches:import")),
            ]
        elif user.role == Role.SECRETARY and user.party_organization_id:
            items.append((_("本支部"), reverse("branches:party-organization-detail", args=[user.party_organization_id])))
    return {"nav_items": items}
