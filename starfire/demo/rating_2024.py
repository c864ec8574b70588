"""The 2024 rating cycle of the demo, in progress on version 2 of the rubric: submissions in every
state, deadlines relative to the day the demo is loaded."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from branches.models import Committee, PartyOrganization
from branches.services import record_save
from ratings.models import Cycle, Indicator, Rubric, Submission
from ratings.rubric.services import rubric_copy
from ratings.workflow.cycle_setup import cycle_create, cycle_exclusion_set, cycle_open
from ratings.workflow.levels import cycle_recompute_levels, recompute_deferred
from ratings.workflow.precheck import submission_return

from .rating_common import ONE_STAR_2023, TWO_STAR_2023, WUHOU, Actors, Driver, spread

# State of each 2024 submission, in order of the party organisations' names (Wuhou and 德阳 are
# placed explicitly below). Counts: 6 draft, 5 submitted, 3 returned, 4 accepted (assigned, nobody
# signed), 3 accepted (one signed), 4 inspected, 8 reviewed = 33 (one branch is excluded).
STATES_2024 = (
    ["reviewed"] * 8
    + ["inspected"] * 4
    + ["one_signed"] * 3
    + ["assigned"] * 4
    + ["returned"] * 3
    + ["submitted"] * 5
    + ["draft"] * 6
)
EXCLUDED_2024 = {ONE_STAR_2023: "正式党员不足3名，已调整为联合党支部筹建中，本年度不参评。"}


def build_2024(committee: Committee, rubric_2023: Rubric, actors: Actors) -> Cycle:
    now = timezone.now()
    rubric = rubric_copy(rubric=rubric_2023, by=actors.staff)
    # The committee edits its copy as staff would in the admin: saved, audited, with row history.
    rubric.name = "星火党组织星级评定测评标准（2024年修订）"
    record_save(rubric, by=actors.staff, committee_id=committee.pk)
    # 2024 revision: the themed party day is worth one more point, the online platform one less.
    for code, max_score in (("3.3", Decimal(5)), ("4.3", Decimal(2))):
        indicator = Indicator.objects.get(category__rubric=rubric, code=code)
        indicator.max_score = max_score
        record_save(indicator, by=actors.staff, committee_id=committee.pk)
    party_orgs = list(
        PartyOrganization.objects.filter(committee=committee, is_active=True).order_by("name", "pk")
    )
    cycle = cycle_create(
        cycle=Cycle(
            committee=committee,
            year=2024,
            title="2024年度“星火”党组织星级评定",
            rubric=rubric,
            notice_days=7,
            self_assessment_deadline=now + dt.timedelta(days=21),
            inspection_deadline=now + dt.timedelta(days=45),
            review_deadline=now + dt.timedelta(days=75),
        ),
        by=actors.staff,
    )
    for po in party_orgs:
        if po.name in EXCLUDED_2024:
            cycle_exclusion_set(
                cycle=cycle, party_organization=po, reason=EXCLUDED_2024[po.name], by=actors.staff
            )
    cycle_open(cycle=cycle, by=actors.staff)
    indicators = list(
        Indicator.objects.filter(category__rubric=rubric)
        .select_related("category")
        .order_by("category__order", "order", "pk")
    )
    driver = Driver(actors, indicators)
    subs = list(
        Submission.objects.filter(cycle=cycle)
        .select_related("party_organization", "cycle")
        .order_by("party_organization__name", "pk")
    )
    fixed = {WUHOU: "draft_partial", TWO_STAR_2023: "reviewed"}
    states = list(STATES_2024)
    for name, state in fixed.items():
        if any(s.party_organization.name == name for s in subs):
            states.remove("draft" if state == "draft_partial" else state)
    queue = iter(states)
    staff = actors.staff
    last_year = dict(
        Submission.objects.filter(cycle__committee=committee, cycle__year=2023).values_list(
            "party_organization_id", "indicator_total"
        )
    )
    # Each review asks for the cycle's levels again; while loading, they are computed once, at the end.
    with recompute_deferred():
        for index, sub in enumerate(subs):
            state = fixed.get(sub.party_organization.name) or next(queue, "draft")
            # Close to last year's marks; 德阳 was 2★ in 2023 and now scores 4★ marks, so the
            # promotion limit holds it at 3★.
            before = last_year.get(sub.party_organization_id) or Decimal(80)
            total = min(Decimal(before) + (index * 5) % 8 - 4, Decimal(99))
            if sub.party_organization.name == TWO_STAR_2023:
                total = Decimal(88)
            deficit = Decimal(100) - total
            if state in ("draft", "draft_partial"):
                if state == "draft_partial" or index % 2:
                    driver.fill(
                        sub, spread(indicators, deficit, index), only=10 if state == "draft_partial" else 6
                    )
                continue
            if state in ("submitted", "returned"):
                driver.fill(sub, spread(indicators, max(deficit - 3, Decimal(0)), index))
                driver.submit(sub)
                if state == "returned":
                    first = indicators[index % len(indicators)]
                    submission_return(
                        submission=sub,
                        by=staff,
                        reasons=[
                            (
                                first.pk,
                                f"{first.code}的佐证材料不清晰，请上传盖章的{first.evidence_description}。",
                            ),
                            (
                                indicators[(index + 9) % len(indicators)].pk,
                                "自评分与佐证材料不符，请核实后重新填写。",
                            ),
                            (None, "请补充党支部年度工作总结。"),
                        ],
                    )
                continue
            if state in ("assigned", "one_signed"):
                driver.fill(sub, spread(indicators, max(deficit - 3, Decimal(0)), index))
                driver.submit(sub)
                assignments = driver.accept_and_assign(sub, index)
                if state == "one_signed":
                    driver.inspect(assignments[0], spread(indicators, deficit, index + 3))
                    driver.sign(assignments[0])
                    driver.inspect(assignments[1], spread(indicators, deficit, index + 11), only=15)
                elif index % 2:
                    driver.inspect(assignments[0], spread(indicators, deficit, index + 3), only=8)
                continue
            driver.to_inspected(sub, index, total)
            if state == "reviewed":
                driver.review(sub)
        cycle_recompute_levels(cycle_id=cycle.pk)
    return cycle
