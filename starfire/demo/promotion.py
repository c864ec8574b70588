"""The 2023 推进会 of the demo committee: held on 26 December 2023, when the plaques were handed
over; 30 branches commended; three secretaries speak, 成都市武侯社区发展基金会党支部 among them."""

import datetime as dt

from branches import demo as register_demo
from branches.models import Committee, PartyOrganization, User
from ratings.models import Award, Cycle, PromotionMeeting
from ratings.outcomes import promotion

HELD_ON = dt.date(2023, 12, 26)
TOPICS = {
    register_demo.WUHOU_BRANCH: "党建引领社区基金会服务基层治理",
}
OTHER_TOPICS = ["“三会一课”规范化建设的做法与体会", "以党建促会建，服务行业高质量发展"]


def load_promotion() -> PromotionMeeting | None:
    """The 2023 meeting and its speakers (idempotent: an existing meeting is left as it is)."""
    committee = Committee.objects.filter(name=register_demo.COMMITTEE).first()
    cycle = Cycle.objects.filter(committee=committee, year=2023, status=Cycle.Status.FINAL).first()
    if cycle is None:
        return None
    existing = PromotionMeeting.objects.filter(cycle=cycle).first()
    if existing is not None:
        return existing
    staff = User.objects.get(username="staff")
    meeting = promotion.promotion_meeting_save(
        cycle=cycle,
        by=staff,
        heading=promotion.default_heading(cycle),
        held_on=HELD_ON,
        place="成都市锦江区四川省社会组织党建服务中心",
    )
    wuhou = PartyOrganization.objects.get(committee=committee, name=register_demo.WUHOU_BRANCH)
    others = [
        a.party_organization
        for a in Award.objects.filter(cycle=cycle, awarded_level__gte=4)
        .exclude(party_organization=wuhou)
        .select_related("party_organization")
        .order_by("-awarded_level", "seq")[: len(OTHER_TOPICS)]
    ]
    for po, topic in [(wuhou, TOPICS[wuhou.name]), *zip(others, OTHER_TOPICS, strict=False)]:
        secretary = po.secretary
        promotion.promotion_speaker_add(
            cycle=cycle,
            by=staff,
            party_organization=po,
            speaker=secretary.name if secretary else f"{po.name}书记",
            topic=topic,
        )
    return meeting
