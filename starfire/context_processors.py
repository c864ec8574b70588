from branches import access
from branches.models import Committee


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
