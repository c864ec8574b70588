"""四川省社会组织第一综合党委 in the demo: a small register (a 党支部 for each of its three
organisations) and one completed 2023 cycle on the default rubric, built through the rating
services by its own staff and inspectors like the 第二综合党委's and moved to its 2023 dates — so
that the province user compares two committees with figures on both sides."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from branches import demo as register_demo
from branches.models import (
    Committee,
    Member,
    MemberRole,
    Membership,
    PartyOrganization,
    Role,
    SocialOrganization,
    User,
)
from ratings.models import Cycle, Indicator, RatingSettings, Rubric, Submission
from ratings.outcomes.publication import cycle_publish, results_finalize
from ratings.rubric.data import create_default_rubric
from ratings.workflow.levels import cycle_recompute_levels, recompute_deferred

from .rating_2023 import backdate_2023, backdate_results_2023, open_2023
from .rating_common import Actors, Driver

# Branch → the sum of its inspectors' averages in 2023: 4★, 3★ and 2★ (bands 95/85/75/65/60).
PLAN = {
    "四川省科技工作者协会党支部": Decimal("88"),
    "四川省教育发展基金会党支部": Decimal("79.5"),
    "四川省职业技能培训中心党支部": Decimal("70"),
}
SURNAMES = ("王", "李", "赵", "孙")
GIVEN = ("建国", "晓梅", "志强", "丽华")
INSPECTORS = (("inspector_yi1", "吴验收（第一综合党委）"), ("inspector_yi2", "郑考评（第一综合党委）"))


class _OtherActors(Actors):
    """The first committee's own staff and its two inspectors (always the same pair)."""

    def __init__(self, staff: User, inspectors: list[User]):
        self.staff, self.inspectors, self.secretaries = staff, inspectors, {}

    def pair(self, index: int, avoid: set[int] = frozenset()) -> list[User]:
        return list(self.inspectors)


def _register(committee: Committee) -> list[PartyOrganization]:
    party_orgs = []
    for n, (name, _total) in enumerate(PLAN.items()):
        organization = SocialOrganization.objects.filter(
            committee=committee, name=name.removesuffix("党支部")
        )
        po, created = PartyOrganization.objects.get_or_create(
            committee=committee, name=name, defaults={"founded_on": dt.date(2016 + n, 7, 1)}
        )
        if created:
            po.organizations.set(organization)
            roles = (MemberRole.SECRETARY, MemberRole.COMMITTEE_MEMBER, MemberRole.COMMITTEE_MEMBER)
            people = [
                Member(
                    party_organization=po,
                    name=surname + GIVEN[(k + n) % len(GIVEN)],
                    role=roles[k] if k < len(roles) else MemberRole.MEMBER,
                    membership=Membership.FULL,
                    joined_on=dt.date(2005 + n + k, 7, 1),
                )
                for k, surname in enumerate(SURNAMES)
            ]
            bulk_create_with_history(people, Member)
        party_orgs.append(po)
    return party_orgs


def load_other_committee() -> Cycle | None:
    """Idempotent: a committee that already has its 2023 cycle is left as it is."""
    committee = Committee.objects.filter(name=register_demo.OTHER_COMMITTEE).first()
    staff = User.objects.filter(username="staff1").first()
    if committee is None or staff is None:
        return None
    if Cycle.objects.filter(committee=committee, year=2023).exists():
        return Cycle.objects.get(committee=committee, year=2023)
    password = make_password(register_demo.DEMO_PASSWORD)
    inspectors = [
        User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": display,
                "role": Role.INSPECTOR,
                "committee": committee,
                "password": password,
            },
        )[0]
        for username, display in INSPECTORS
    ]
    actors = _OtherActors(staff, inspectors)
    from notifications.models import Notification

    watermark = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        party_orgs = _register(committee)
        RatingSettings.objects.get_or_create(committee_id=committee.pk)
        rubric = Rubric.objects.filter(committee=committee, version=1).first() or create_default_rubric(
            committee, version=1
        )
        now = timezone.now()
        cycle = open_2023(committee, rubric, by=staff)
        indicators = list(
            Indicator.objects.filter(category__rubric=rubric)
            .select_related("category")
            .order_by("category__order", "order", "pk")
        )
        driver = Driver(actors, indicators)
        totals = {po.pk: PLAN[po.name] for po in party_orgs}
        subs = list(
            Submission.objects.filter(cycle=cycle)
            .select_related("party_organization", "cycle")
            .order_by("party_organization__name", "pk")
        )
        with recompute_deferred():
            for index, sub in enumerate(subs):
                driver.to_inspected(sub, index, totals[sub.party_organization_id])
                driver.review(sub)
            cycle_recompute_levels(cycle_id=cycle.pk)
        Cycle.objects.filter(pk=cycle.pk).update(
            self_assessment_deadline=now - dt.timedelta(days=3),
            inspection_deadline=now - dt.timedelta(days=2),
            review_deadline=now - dt.timedelta(days=1),
        )
        today = timezone.localdate()
        cycle = cycle_publish(cycle=cycle, by=staff, starts_on=today)
        results_finalize(cycle=cycle, by=staff, today=cycle.notice_ends_on + dt.timedelta(days=1))
        backdate_2023(cycle, subs)
        backdate_results_2023(cycle, today)
    # Notices produced by replaying 2023 were never news to anyone (as for the other committee).
    Notification.objects.filter(pk__gt=watermark).delete()
    return Cycle.objects.get(pk=cycle.pk)
