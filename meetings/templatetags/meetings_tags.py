from django import template
from django.utils import timezone

from meetings import compliance, selectors

register = template.Library()


@register.inclusion_tag("meetings/_party_org_panel.html", takes_context=True)
def meetings_panel(context, po):
    """This year's meeting compliance on the party organisation page, with links."""
    request = context.get("request")
    user = getattr(request, "user", None)
    year = timezone.localdate().year
    return {
        "po": po,
        "year": year,
        "compliance": compliance.branch_compliance(po.pk, year),
        "can_record": user is not None and selectors.can_record(user, po.pk),
    }


@register.inclusion_tag("meetings/_compliance_table.html")
def compliance_table(party_organization_id, year, codes):
    """Render one branch's compliance for the given type codes (a list or a comma-separated string)."""
    if isinstance(codes, str):
        codes = [c.strip() for c in codes.split(",") if c.strip()]
    return {"compliance": compliance.compliance_for_types(party_organization_id, year, codes)}
