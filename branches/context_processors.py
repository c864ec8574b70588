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
                (_("评星"), reverse("ratings:cycle-list")),
                (_("统计"), reverse("ratings:dashboard")),
                (_("测评标准"), reverse("ratings:rubric-list")),
                (_("公示与命名"), reverse("ratings:results-index")),
                (_("整改"), reverse("ratings:rectification-list")),
                (_("组织生活"), reverse("meetings:compliance-overview")),
                (_("会议记录"), reverse("meetings:meeting-list")),
            ]
        elif user.role == Role.SECRETARY and user.party_organization_id:
            items.append(
                (
                    _("本支部"),
                    reverse("branches:party-organization-detail", args=[user.party_organization_id]),
                )
            )
            items.append((_("评星"), reverse("ratings:my-cycles")))
            items.append((_("整改"), reverse("ratings:rectification-list")))
            items.append(
                (_("星级历史"), reverse("ratings:branch-history", args=[user.party_organization_id]))
            )
            items.append((_("会议记录"), reverse("meetings:meeting-list")))
            items.append(
                (_("落实情况"), reverse("meetings:compliance-branch", args=[user.party_organization_id]))
            )
        elif user.role == Role.INSPECTOR and user.committee_id:
            items.append((_("验收任务"), reverse("ratings:inspections")))
            items.append((_("会议记录"), reverse("meetings:meeting-list")))
    return {"nav_items": items}
