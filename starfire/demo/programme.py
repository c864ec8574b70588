"""The programme around the score in the demo (docs/domain.md, "The programme around the score").

* 牵手: after the 2023 results, 成都市武侯社区发展基金会党支部 (5★) leads 德阳市装备制造业商会党支部
  (2★ in 2023) through 2024; their joint activities are recorded once and count for both; in the
  2024 cycle 德阳 is reviewed at 3★ (the promotion limit holds its 4★ marks to one level up).
* 查找不足: the demo committee aims at 4★ (its target level), so every branch below 4★ in 2023 has
  a plan; five of them show every state — committed, in progress, done, overdue (an action past its
  date) — and the rest are as generated. Due dates are relative to the day of loading (an overdue
  action's date is moved into the past afterwards, as the 2023 dates are).
* 典型经验: three published cases of 5★ and 4★ branches with photos, one in review, one draft.

Built through the programme's services with the demo users, after the ratings and the meetings
(the meetings demo leaves alone a branch that has meetings already). Every date lies in 2024, so
the demo reads the same on any day it is loaded. Idempotent: what exists is left alone.
"""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from branches.models import Committee, PartyOrganization, Role, User
from programme import cases as case_services
from programme import plans as plan_services
from programme.models import Case, ImprovementPlan, Pairing, PlanAction, ProgrammeSettings
from programme.pairing import joint_activity_record, pairing_create
from ratings.models import Cycle, Submission

from .files import demo_png
from .rating_common import ONE_STAR_2023, TWO_STAR_2023, TWO_STAR_DEDUCTED_2023, TZ, VETOED_2023, WUHOU

TARGET_LEVEL = 4

JOINT_ACTIVITIES_2024 = [
    (
        dt.datetime(2024, 3, 15, 14, 30, tzinfo=TZ),
        WUHOU,
        "武侯社区发展基金会党员活动室",
        "结对启动暨“三会一课”规范化交流",
    ),
    (
        dt.datetime(2024, 5, 24, 9, 0, tzinfo=TZ),
        TWO_STAR_2023,
        "德阳市装备制造业商会会议室",
        "联合主题党日：走进智能制造车间",
    ),
    (dt.datetime(2024, 7, 1, 9, 30, tzinfo=TZ), WUHOU, "武侯区社区服务中心", "庆祝建党103周年联合党课"),
    (
        dt.datetime(2024, 9, 20, 14, 0, tzinfo=TZ),
        TWO_STAR_2023,
        "德阳市装备制造业商会会议室",
        "党建台账与评星佐证材料互查",
    ),
]


def _secretary(po: PartyOrganization) -> User:
    return (
        User.objects.filter(role=Role.SECRETARY, party_organization=po, is_active=True).order_by("pk").first()
    )


def load_pairing(committee: Committee, staff: User) -> Pairing | None:
    cycle = Cycle.objects.filter(committee=committee, year=2023, status=Cycle.Status.FINAL).first()
    pos = {
        po.name: po
        for po in PartyOrganization.objects.filter(committee=committee, name__in=[WUHOU, TWO_STAR_2023])
    }
    if cycle is None or len(pos) < 2:
        return None
    existing = Pairing.objects.filter(cycle=cycle, weak=pos[TWO_STAR_2023]).first()
    if existing:
        return existing
    with transaction.atomic():
        pairing = pairing_create(
            cycle=cycle,
            strong=pos[WUHOU],
            weak=pos[TWO_STAR_2023],
            starts_on=dt.date(2024, 1, 1),
            ends_on=dt.date(2024, 12, 31),
            goals="一年内规范“三会一课”和党建台账，联合开展主题党日和党课，力争2024年度评定三星。",
            by=staff,
        )
        for at, host, place, topic in JOINT_ACTIVITIES_2024:
            joint_activity_record(
                pairing=pairing, by=_secretary(pos[host]), starts_at=at, place=place, topic=topic,
                minutes=f"{WUHOU}与{TWO_STAR_2023}党员共同参加。",
            )  # fmt: skip
    return pairing


# branch → (state to show, actions as (indicator code, text, owner, days from today, done))
PLAN_STATES = {
    TWO_STAR_DEDUCTED_2023: (
        "committed",
        [
            ("2.4", "建立党费收缴台账，每季度公示一次", "组织委员 李华", 20, False),
            ("3.3", "每月第一个周五固定开展主题党日并拍照留存", "支部书记", 45, False),
        ],
    ),
    TWO_STAR_2023: (
        "in_progress",
        [
            ("2.1", "完成支委会换届，明确支委分工", "支部书记", 30, True),
            ("4.2", "在会议室规范设置党建标识", "宣传委员 王敏", 40, False),
        ],
    ),
    ONE_STAR_2023: (
        "done",
        [
            ("2.2", "制定发展党员计划，确定两名入党积极分子", "支部书记", 15, True),
            ("5.1", "推动理事会将党建工作写入章程", "支部书记", 25, True),
        ],
    ),
    VETOED_2023: (
        "overdue",
        [
            ("1.3", "建立重大事项党组织前置研究清单", "支部书记", 10, False),
            ("5.3", "制定党建工作责任清单并上墙", "组织委员", 60, False),
        ],
    ),
}


def load_plans(committee: Committee, staff: User) -> None:
    cycle = Cycle.objects.filter(committee=committee, year=2023, status=Cycle.Status.FINAL).first()
    if cycle is None or ImprovementPlan.objects.filter(cycle=cycle).exists():
        return
    ProgrammeSettings.objects.update_or_create(committee=committee, defaults={"target_level": TARGET_LEVEL})
    today = timezone.localdate()
    with transaction.atomic():
        plan_services.plans_generate(cycle=cycle, by=staff)
        for name, (state, actions) in PLAN_STATES.items():
            plan = ImprovementPlan.objects.filter(cycle=cycle, party_organization__name=name).first()
            secretary = plan and _secretary(plan.party_organization)
            if plan is None or secretary is None:
                continue
            codes = {f["code"] for f in plan.findings}
            made = []
            for code, text, owner, days, _done in actions:
                made.append(
                    plan_services.plan_action_add(
                        plan=plan,
                        by=secretary,
                        text=text,
                        owner=owner,
                        due_on=today + dt.timedelta(days=days),
                        indicator_code=code if code in codes else "",
                    )  # fmt: skip
                )
            plan_services.plan_commit(plan=plan, by=secretary)
            for action, (*_rest, done) in zip(made, actions, strict=True):
                if done:
                    plan_services.plan_action_done(action=action, by=secretary, note="已按期完成。")
            if state == "overdue":  # the first action's date has passed, undone (see the docstring)
                PlanAction.objects.filter(pk=made[0].pk).update(due_on=today - dt.timedelta(days=10))


CASES = [
    (
        WUHOU,
        "“三会一课”台账随会形成：武侯社区发展基金会党支部的做法",
        ["1.1", "3.3"],
        "published",
        "支部把“三会一课”与基金会项目例会结合：每月第一周召开支委会，会前列出议题清单，会上当场形成记录，"
        "会后三日内归档并在党员群内公开。一年来主题党日12次、党课4次全部按期召开，台账完整可查。",
    ),
    (
        None,
        "党建入章与双向进入：行业协会党支部推动党建工作融入治理",
        ["5.1", "2.5"],
        "published",
        "支部推动理事会修改章程，写入党建工作条款；支部书记由秘书长担任，两名支委进入理事会，重大事项先经支部前置研究。",
    ),
    (
        None,
        "党员示范岗带动公益服务",
        ["6.2", "6.4"],
        "published",
        "支部在服务窗口设立党员示范岗，组织党员志愿者每月开展一次社区公益服务，年内服务群众两千余人次。",
    ),
    (
        None,
        "线上阵地建设：公众号党建专栏",
        ["4.3"],
        "in_review",
        "支部在社会组织公众号开设党建专栏，每月更新学习内容和支部活动。",
    ),
    (None, "党费收缴公开的小办法", ["2.4"], "draft", "支部每季度在活动室公示党费收缴情况。"),
]


def load_cases(committee: Committee, staff: User) -> None:
    if Case.objects.filter(committee=committee).exists():
        return
    latest = Cycle.objects.filter(committee=committee, status=Cycle.Status.FINAL).order_by("-year").first()
    if latest is None:
        return
    starred = list(
        Submission.objects.filter(cycle=latest, final_level__gte=4, vetoed=False)
        .exclude(party_organization__name=WUHOU)
        .select_related("party_organization")
        .order_by("-total", "pk")
    )
    wuhou = PartyOrganization.objects.filter(committee=committee, name=WUHOU).first()
    indicators = {i.code: i for i in case_services.indicators_for(committee.pk)}
    branches = iter(s.party_organization for s in starred)
    with transaction.atomic():
        for name, title, codes, state, text in CASES:
            po = wuhou if name == WUHOU else next(branches, None)
            if po is None:
                continue
            case = case_services.case_create(
                committee_id=committee.pk, party_organization=po, title=title, text=text,
                indicators=[indicators[c] for c in codes if c in indicators], by=staff,
            )  # fmt: skip
            if state == "published":
                upload = SimpleUploadedFile("活动照片.png", demo_png(), content_type="image/png")
                case_services.case_photo_add(case=case, upload=upload, by=staff)
            edges = {"draft": [], "in_review": ["submit"], "published": ["submit", "publish"]}[state]
            for edge in edges:
                case = case_services.case_transition(case=case, edge=edge, by=staff)


def load_programme(committee: Committee | None = None) -> dict:
    """Create (or leave as it is) the programme's demo rows; returns what exists afterwards."""
    from branches import demo as register_demo

    committee = committee or Committee.objects.filter(name=register_demo.COMMITTEE).first()
    if committee is None:
        return {"pairings": 0, "plans": 0, "cases": 0}
    staff = User.objects.get(username="staff")
    load_pairing(committee, staff)
    load_plans(committee, staff)
    load_cases(committee, staff)
    return {
        "pairings": Pairing.objects.filter(committee=committee).count(),
        "plans": ImprovementPlan.objects.filter(committee=committee).count(),
        "cases": Case.objects.filter(committee=committee, state=Case.State.PUBLISHED).count(),
    }
