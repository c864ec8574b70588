"""Generated data of province size, for load tests and benchmarks (`manage.py generate_data`).

One committee with N social organisations, M party organisations (most cover one organisation,
every tenth is a joint branch of three), instructors for part of the rest, staff, inspectors and a
secretary login, the default rubric, one rating cycle per year (the older ones final, the last one
open with submissions in every state) and held meetings. The same seed gives the same rows.

Written with bulk_create in batches, without row history (the rows are made up, no one changed
them); the star levels are computed once per cycle at the end by the real
`cycle_recompute_levels`, which writes the submissions' history like any recomputation.
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F

from branches.models import Committee, Instructor, PartyOrganization, Role, SocialOrganization, User
from branches.uscc import make_uscc
from meetings.models import Meeting, MeetingType
from meetings.services import meeting_types_seed
from ratings.models import (
    Cycle,
    FinalScore,
    Indicator,
    InspectionAssignment,
    InspectionScore,
    Status,
    Submission,
)
from ratings.rubric.data import create_default_rubric
from ratings.workflow.levels import cycle_recompute_levels

COMMITTEE = "生成数据综合党委"
BATCH = 5000
TYPES = ["association", "private_non_enterprise", "foundation"]
DIVISIONS = ["510104", "510105", "510106", "510107", "510108", "510700", "511500", "513400"]
# The last cycle: how many submissions are in which state (the rest are drafts).
OPEN_STATES = [
    (Status.REVIEWED, 0.40),
    (Status.INSPECTED, 0.20),
    (Status.ACCEPTED, 0.10),
    (Status.SUBMITTED, 0.10),
]


@dataclass
class Plan:
    organizations: int = 10_000
    party_organizations: int = 5_000
    meetings: int = 200_000
    cycles: int = 2
    last_year: int = 2024
    seed: int = 1
    password: str = "starfire2023"


@dataclass
class Made:
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)


def has_data() -> bool:
    """Whether the database holds anything a person entered (a committee or a login)."""
    return Committee.objects.exists() or User.objects.exists()


def generate(plan: Plan, log=print) -> Made:
    if plan.party_organizations > plan.organizations:
        raise ValueError("party organisations cannot outnumber the organisations they belong to")
    rng = random.Random(plan.seed)
    made = Made()
    with transaction.atomic():
        committee = Committee.objects.create(name=f"{COMMITTEE}（种子 {plan.seed}）", short_name="生成")
        org_ids = _organizations(committee, plan, rng)
        pos = _party_organizations(committee, plan, org_ids)
        made.counts["instructors"] = _instructors(committee, plan, org_ids, rng)
        users = _users(committee, pos[0], plan, made)
        made.counts["organizations"], made.counts["party organizations"] = len(org_ids), len(pos)
        log(f"register: {len(org_ids):,} organisations, {len(pos):,} party organisations")
        rubric = create_default_rubric(committee, version=1)
        indicators = list(Indicator.objects.filter(category__rubric=rubric).order_by("pk"))
        cycles = [
            _cycle(committee, rubric, year, year == plan.last_year, pos, indicators, users, rng, made)
            for year in range(plan.last_year - plan.cycles + 1, plan.last_year + 1)
        ]
        made.counts["meetings"] = _meetings(committee, plan, pos, users["staff"], rng)
        log(f"meetings: {made.counts['meetings']:,}")
    for cycle in cycles:  # once per cycle, in order: a cycle's levels depend on the one before
        cycle_recompute_levels(cycle_id=cycle.pk)
        if cycle.status == Cycle.Status.FINAL:
            cycle.submissions.filter(status=Status.REVIEWED).update(
                final_level=F("proposed_level"), finalized_at=cycle.finalized_at
            )
        log(f"levels computed for {cycle.year}")
    made.counts["committee id"] = committee.pk
    return made


def _organizations(committee, plan, rng) -> list[int]:
    orgs = []
    for i in range(plan.organizations):
        division = DIVISIONS[rng.randrange(len(DIVISIONS))]
        kind = rng.randrange(3)
        orgs.append(
            SocialOrganization(
                committee=committee,
                name=f"生成社会组织{plan.seed:02d}{i:06d}",
                org_type=TYPES[kind],
                uscc=make_uscc(f"5{'123'[kind]}{division}G{plan.seed % 100:02d}{i:06d}"),
                division_code=division,
            )
        )
    SocialOrganization.objects.bulk_create(orgs, batch_size=BATCH)
    return list(
        SocialOrganization.objects.filter(committee=committee).order_by("pk").values_list("pk", flat=True)
    )


def _party_organizations(committee, plan, org_ids) -> list[PartyOrganization]:
    pos = PartyOrganization.objects.bulk_create(
        [
            PartyOrganization(committee=committee, name=f"生成党支部{plan.seed:02d}{i:06d}")
            for i in range(plan.party_organizations)
        ],
        batch_size=BATCH,
    )
    through = PartyOrganization.organizations.through
    links, next_org = [], 0
    for i, po in enumerate(pos):
        # every tenth is a joint branch of three organisations while organisations last
        share = 3 if i % 10 == 9 and next_org + 3 <= len(org_ids) - (len(pos) - i - 1) else 1
        for org_id in org_ids[next_org : next_org + share]:
            links.append(through(partyorganization_id=po.pk, socialorganization_id=org_id))
        next_org += share
    through.objects.bulk_create(links, batch_size=BATCH)
    return pos


def _instructors(committee, plan, org_ids, rng) -> int:
    """Instructors for a third of the organisations without a party organisation of their own."""
    covered = set(
        PartyOrganization.organizations.through.objects.filter(
            partyorganization__committee=committee
        ).values_list("socialorganization_id", flat=True)
    )
    rest = [pk for pk in org_ids if pk not in covered and rng.random() < 1 / 3]
    instructors = Instructor.objects.bulk_create(
        [Instructor(committee=committee, name=f"指导员{i:05d}") for i in range(len(rest))], batch_size=BATCH
    )
    through = Instructor.organizations.through
    through.objects.bulk_create(
        [
            through(instructor_id=ins.pk, socialorganization_id=org)
            for ins, org in zip(instructors, rest, strict=True)
        ],
        batch_size=BATCH,
    )
    return len(instructors)


def _users(committee, first_po, plan, made) -> dict:
    password = make_password(plan.password)  # one hash for every login: hashing is slow on purpose
    prefix = f"gen{plan.seed}-"
    specs = [
        ("staff", {"role": Role.STAFF, "is_staff": True}),
        ("inspector1", {"role": Role.INSPECTOR}),
        ("inspector2", {"role": Role.INSPECTOR}),
        ("secretary", {"role": Role.SECRETARY, "party_organization": first_po}),
    ]
    users = {}
    for name, fields in specs:
        users[name] = User.objects.create(
            username=prefix + name,
            display_name=prefix + name,
            committee=committee,
            password=password,
            **fields,
        )
        made.logins.append((prefix + name, fields["role"]))
    return users


def _cycle(committee, rubric, year, is_last, pos, indicators, users, rng, made) -> Cycle:
    start = dt.datetime(year, 3, 1, 9, tzinfo=dt.UTC)
    cycle = Cycle.objects.create(
        committee=committee,
        year=year,
        title=f"{year}年度“星火”党组织星级评定（生成数据）",
        rubric=rubric,
        status=Cycle.Status.OPEN if is_last else Cycle.Status.FINAL,
        opened_at=start,
        self_assessment_deadline=start + dt.timedelta(days=60),
        inspection_deadline=start + dt.timedelta(days=120),
        review_deadline=start + dt.timedelta(days=180),
        finalized_at=None if is_last else start + dt.timedelta(days=270),
        notice_starts_on=None if is_last else dt.date(year, 11, 1),
        notice_ends_on=None if is_last else dt.date(year, 11, 10),
    )
    subs = []
    for po in pos:
        status = Status.REVIEWED
        if is_last:
            r, status = rng.random(), Status.DRAFT
            for state, share in OPEN_STATES:
                if r < share:
                    status = state
                    break
                r -= share
        subs.append(Submission(cycle=cycle, party_organization=po, status=status))
    subs = Submission.objects.bulk_create(subs, batch_size=BATCH)
    quality = {sub.pk: 0.5 + 0.5 * rng.random() for sub in subs}
    assignments = InspectionAssignment.objects.bulk_create(
        [
            InspectionAssignment(
                submission=sub, inspector=users[who], assigned_by=users["staff"], signed_off_at=start
            )
            for sub in subs
            if sub.status == Status.INSPECTED
            for who in ("inspector1", "inspector2")
        ],
        batch_size=BATCH,
    )
    finals, scores, n_finals, n_scores = [], [], 0, 0
    for sub in subs:
        if sub.status == Status.REVIEWED:
            finals.extend(
                FinalScore(
                    submission=sub,
                    indicator=ind,
                    score=_score(ind, quality[sub.pk], rng),
                    set_by=users["staff"],
                )
                for ind in indicators
            )
        if len(finals) >= BATCH:
            FinalScore.objects.bulk_create(finals)
            n_finals, finals = n_finals + len(finals), []
    for a in assignments:
        scores.extend(
            InspectionScore(
                assignment=a,
                indicator=ind,
                score=_score(ind, quality[a.submission_id], rng),
                recorded_at=start,
            )
            for ind in indicators
        )
        if len(scores) >= BATCH:
            InspectionScore.objects.bulk_create(scores)
            n_scores, scores = n_scores + len(scores), []
    FinalScore.objects.bulk_create(finals)
    InspectionScore.objects.bulk_create(scores)
    made.counts["final scores"] = made.counts.get("final scores", 0) + n_finals + len(finals)
    made.counts["inspection scores"] = made.counts.get("inspection scores", 0) + n_scores + len(scores)
    made.counts["submissions"] = made.counts.get("submissions", 0) + len(subs)
    return cycle


def _score(indicator, quality: float, rng) -> Decimal:
    """A half-step score near `quality` × the indicator's maximum."""
    steps = int(indicator.max_score * 2)
    half_steps = min(steps, max(0, round(steps * quality) + rng.choice((-1, 0, 0, 1))))
    return Decimal(half_steps) / 2


def _meetings(committee, plan, pos, staff, rng) -> int:
    types = list(MeetingType.objects.filter(committee=committee)) or meeting_types_seed(committee=committee)
    year_start = dt.datetime(plan.last_year, 1, 1, 1, tzinfo=dt.UTC)
    batch, made = [], 0
    for _ in range(plan.meetings):
        kind = types[rng.randrange(len(types))]
        starts = year_start + dt.timedelta(minutes=rng.randrange(364 * 24 * 60))
        batch.append(
            Meeting(
                party_organization=pos[rng.randrange(len(pos))],
                meeting_type=kind,
                starts_at=starts,
                place="党员活动室",
                topic=f"{kind.name}（生成数据）",
                quorum_ok=True if kind.requires_quorum else None,
                created_by=staff,
                created_at=starts,
                updated_at=starts,
            )
        )
        if len(batch) >= BATCH:
            Meeting.objects.bulk_create(batch)
            made += len(batch)
            batch = []
    Meeting.objects.bulk_create(batch)
    return made + len(batch)
