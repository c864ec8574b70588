"""Context for every page: the navigation each role sees and a superuser's committee switcher."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches import access
from branches.models import Committee


def navigation(request):
    """The navigation a role sees, across every app (so it lives at the project level); pages
    still check access themselves."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        items.append((_("首页"), reverse("home")))
        kind = access.actor_kind(user)
        if kind in (access.STAFF, access.SUPERUSER):
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
                (_("牵手结对"), reverse("programme:pairing-list")),
                (_("提升计划"), reverse("programme:plan-list")),
                (_("典型经验"), reverse("programme:case-list")),
            ]
            if kind == access.SUPERUSER:
                items += [
                    (_("各综合党委"), reverse("province:overview")),
                    (_("省两新工委用户"), reverse("province:users")),
                ]
        elif kind == access.SECRETARY:
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
            items.append((_("牵手结对"), reverse("programme:pairing-list")))
            items.append((_("提升计划"), reverse("programme:plan-list")))
        elif kind == access.PROVINCE:
            items.append((_("各综合党委"), reverse("province:overview")))
        elif kind == access.INSPECTOR:
            items.append((_("验收任务"), reverse("ratings:inspections")))
            items.append((_("会议记录"), reverse("meetings:meeting-list")))
    return {"nav_items": items}


def committee_switcher(request):
    """For a superuser: the committees and the one they work in (the switcher in the navigation)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_superuser:
        return {}
    committees = list(Committee.objects.order_by("name").only("pk", "name"))
    current = access.acting_committee_id(request)
    return {
        "switcher_committees": committees,
        "acting_committee": next((c for c in committees if c.pk == current), None),
    }
