"""动态管理 in the demo: a 跟踪评估 sample of the 2023 awards drawn with a fixed seed, and a 核查评估
opened because one organisation with a 4★ award was put on the abnormal list (活动异常名录)."""

from branches import demo as register_demo
from branches.models import Committee, OrgStatus, User
from branches.services import organization_save
from ratings.models import Award, Cycle, FollowUpSample
from ratings.outcomes import followup

SEED = 20240315


def load_followup() -> dict | None:
    """Idempotent: an existing sample and an organisation already on the list are left as they are."""
    committee = Committee.objects.filter(name=register_demo.COMMITTEE).first()
    cycle = Cycle.objects.filter(committee=committee, year=2023, status=Cycle.Status.FINAL).first()
    if cycle is None:
        return None
    staff = User.objects.get(username="staff")
    sample = FollowUpSample.objects.filter(cycle=cycle).first()
    if sample is None:
        sample = followup.followup_sample_draw(cycle=cycle, by=staff, seed=SEED)
    sampled = set(sample.checks.values_list("award_id", flat=True))
    candidate = (
        Award.objects.filter(cycle=cycle, state=Award.State.VALID, level=4)
        .exclude(pk__in=sampled)
        .exclude(party_organization__name=register_demo.WUHOU_BRANCH)
        .order_by("-seq")
        .first()
    )
    organization = candidate.party_organization.organizations.order_by("pk").first() if candidate else None
    if organization is not None and organization.status != OrgStatus.ABNORMAL:
        organization.status = OrgStatus.ABNORMAL
        organization_save(organization=organization, by=staff, note="2024年被登记管理机关列入活动异常名录")
        followup.open_checks_for_organization(organization)
    return {"sample": sample, "organization": organization}
