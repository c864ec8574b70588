"""Demo meeting records for the demo committee: 2023 up to today, realistic, with gaps.

成都市武侯社区发展基金会党支部 holds every required meeting with a quorum (fully compliant); the
other branches miss some, and a few 支委会/党员大会 fall below quorum. Idempotent: a party
organisation that already has meetings is left alone. Written in bulk (history rows included) for speed.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from branches.demo import COMMITTEE, WUHOU_BRANCH
from branches.models import Committee, MemberRole, PartyOrganization, Role, User

from .compliance import local_tz, periods_of
from .models import Attendance, AttendanceStatus, Frequency, Meeting, MeetingStatus, MeetingType
from .services import expected_members, meeting_types_seed, quorum_met, voting_members

FIRST_YEAR = 2023

TOPICS = {
    "general_meeting": [
        "学习贯彻党的二十大精神",
        "传达学习上级党委会议精神",
        "讨论接收预备党员",
        "审议支部年度工作计划",
        "听取支部委员会工作报告",
        "学习《中国共产党章程》",
        "讨论确定发展对象",
        "学习习近平新时代中国特色社会主义思想主题教育",
    ],
    "committee_meeting": [
        "研究本月党建工作安排",
        "研究主题党日活动方案",
        "研究党员发展工作",
        "研究党费收缴和使用情况",
        "研究“星火”评星申报工作",
        "研究组织生活会准备工作",
        "研究党建与业务融合重点任务",
        "研究志愿服务项目安排",
    ],
    "group_meeting": [
        "学习党的创新理论",
        "交流学习心得体会",
        "学习《社会组织登记管理条例》",
        "讨论本组党员承诺践诺",
        "学习新修订的《中国共产党纪律处分条例》",
        "交流服务群众经验",
    ],
    "party_lecture": [
        "以高质量党建引领社会组织高质量发展",
        "弘扬伟大建党精神",
        "学习党史 坚定信仰",
        "社会组织党员的初心和使命",
        "把党的建设写在服务群众第一线",
        "践行全心全意为人民服务的宗旨",
    ],
    "theme_day": [
        "走进社区开展志愿服务",
        "参观四川博物院红色文化展",
        "重温入党誓词",
        "“我为群众办实事”实践活动",
        "参观邓小平故里",
        "到建川博物馆开展党史学习",
        "关爱空巢老人志愿服务",
        "社区环境整治志愿活动",
        "学习雷锋精神志愿服务",
        "开展“七一”主题党日活动",
        "缅怀革命先烈",
        "参与社区“微治理”议事",
    ],
    "life_meeting": ["召开年度组织生活会，开展批评与自我批评"],
    "appraisal": ["开展年度民主评议党员"],
    "board_attendance": ["列席理事会审议年度预算", "列席会员代表大会", "列席理事会研究重大项目"],
    "joint_decision": ["党组织与管理层联席会议研究重大事项", "议事会讨论年度工作计划"],
    "joint_activity": ["“牵手”结对共建活动", "“大党建+”联合志愿服务", "与社区党委联合开展主题活动"],
}
PLACES = ["本单位会议室", "本单位党员活动室", "社区党群服务中心", "线上视频会议", "综合党委党建服务中心"]
LECTURERS_OUTSIDE = ["综合党委 王老师", "省委党校 李教授", "社区党委书记 张书记"]
EXCUSES = ["出差", "病假", "外出开展项目", "家中有事", "参加上级培训"]
ABSENCE = ["未请假", "临时有事未到"]
EXTRAS = {"board_attendance": 3, "joint_decision": 2, "joint_activity": 2}  # at most this many a year


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=local_tz())


def _random_time(
    rng: random.Random, first_month: int, last_month: int, year: int, *, latest: dt.date | None = None
) -> dt.datetime:
    month = rng.randint(first_month, last_month)
    day = dt.date(year, month, rng.randint(1, 28))
    if latest is not None and day > latest:
        start = dt.date(year, first_month, 1)
        if latest >= start:
            day = start + dt.timedelta(days=rng.randint(0, (latest - start).days))
    return _local(day, rng.choice([9, 10, 14, 15, 16]), rng.choice([0, 30]))


def _attendance(rng, mt: MeetingType, members, *, diligent: bool, fail_quorum: bool):
    expected = expected_members(mt, members)
    rows = []
    for m in expected:
        roll = rng.random()
        if roll < (0.94 if diligent else 0.85):
            rows.append([m, AttendanceStatus.PRESENT, ""])
        elif roll < 0.97:
            rows.append([m, AttendanceStatus.EXCUSED, rng.choice(EXCUSES)])
        else:
            rows.append([m, AttendanceStatus.ABSENT, rng.choice(ABSENCE)])
    if mt.requires_quorum:
        voters = {v.pk for v in voting_members(mt, members)}
        voter_rows = [r for r in rows if r[0].pk in voters]
        present = sum(1 for r in voter_rows if r[1] == AttendanceStatus.PRESENT)
        if fail_quorum:
            keep = len(voters) // 2  # exactly half is not more than half
            for r in voter_rows:
                if r[1] == AttendanceStatus.PRESENT and present > keep:
                    r[1], r[2] = AttendanceStatus.EXCUSED, rng.choice(EXCUSES)
                    present -= 1
        else:
            for r in voter_rows:
                if present * 2 > len(voters):
                    break
                if r[1] != AttendanceStatus.PRESENT:
                    r[1], r[2] = AttendanceStatus.PRESENT, ""
                    present += 1
    return rows


def _branch_meetings(po, members, types, users, *, today, now):
    """Unsaved meetings and their attendance rows for one party organisation."""
    rng = random.Random(f"starfire-meetings:{po.name}")
    wuhou = po.name == WUHOU_BRANCH
    diligence = 1.0 if wuhou else rng.choice([0.97, 0.94, 0.9, 0.85, 0.8, 0.7, 0.6])
    secretary = next((m for m in members if m.role == MemberRole.SECRETARY), None)
    recorder = next((m for m in members if m.role == MemberRole.COMMITTEE_MEMBER), secretary)
    user = users.get(po.pk)
    planned_until = today + dt.timedelta(days=40)
    out = []
    for year in range(FIRST_YEAR, today.year + 1):
        for mt in types:
            if mt.frequency == Frequency.NONE:
                occasions = [(1, 12)] * rng.randint(0, EXTRAS.get(mt.code, 1))
            else:
                occasions = []
                for _index, first, last in periods_of(mt.frequency, year):
                    if wuhou or rng.random() < diligence:
                        occasions += [(first, last)] * mt.min_count
            for first, last in occasions:
                period_start = dt.date(year, first, 1)
                if mt.frequency == Frequency.YEAR:
                    first = max(first, 11)  # 组织生活会 and 民主评议 come at the end of the year
                # Diligent branches hold the running period's meeting before today; others may plan it.
                latest = today - dt.timedelta(days=1) if (wuhou and period_start <= today) else None
                starts_at = _random_time(rng, first, last, year, latest=latest)
                if po.founded_on and starts_at.date() < po.founded_on:
                    continue
                if starts_at > now:
                    if starts_at.date() > planned_until:
                        continue
                    status = MeetingStatus.PLANNED
                else:
                    status = MeetingStatus.HELD
                fail = (
                    not wuhou and mt.requires_quorum and status == MeetingStatus.HELD and rng.random() < 0.05
                )
                rows = (
                    _attendance(rng, mt, members, diligent=wuhou, fail_quorum=fail)
                    if status == "held"
                    else []
                )
                voters = {v.pk for v in voting_members(mt, members)}
                present = sum(1 for r in rows if r[1] == AttendanceStatus.PRESENT and r[0].pk in voters)
                topic = rng.choice(TOPICS[mt.code])
                if mt.code in ("life_meeting", "appraisal"):
                    topic = f"{year}年度{topic.replace('年度', '')}"
                created = min(starts_at + dt.timedelta(days=rng.randint(0, 6), hours=3), now)
                meeting = Meeting(
                    party_organization=po,
                    meeting_type=mt,
                    starts_at=starts_at,
                    status=status,
                    place=rng.choice(PLACES),
                    topic=topic,
                    host=secretary,
                    minutes_taker=recorder,
                    lecturer=(
                        secretary.name if secretary and rng.random() < 0.6 else rng.choice(LECTURERS_OUTSIDE)
                    )
                    if mt.is_lecture
                    else "",
                    lecture_topic=rng.choice(TOPICS["party_lecture"]) if mt.is_lecture else "",
                    minutes=_minutes(mt, topic, rows) if status == MeetingStatus.HELD else "",
                    entitled_count=len(voters) if status == "held" else 0,
                    present_count=present,
                    quorum_ok=quorum_met(
                        requires_quorum=mt.requires_quorum, entitled=len(voters), present=present
                    )
                    if status == MeetingStatus.HELD
                    else None,
                    created_by=user,
                    updated_by=user,
                    created_at=created,
                    updated_at=created,
                )
                out.append((meeting, rows))
    return out


def _minutes(mt, topic, rows) -> str:
    present = [r[0].name for r in rows if r[1] == AttendanceStatus.PRESENT]
    return (
        f"会议议题：{topic}。\n"
        f"出席：{'、'.join(present) or '无'}。\n"
        f"会议由支部书记主持。与会党员围绕议题进行了认真学习和讨论，形成一致意见，明确了下一步工作安排和责任人。"
    )


@transaction.atomic
def load_meetings(stdout=None) -> dict:
    committee = Committee.objects.filter(name=COMMITTEE).first()
    if committee is None:
        return {"created": 0, "branches": 0}
    meeting_types_seed(committee=committee)
    types = list(MeetingType.objects.filter(committee=committee, is_active=True).order_by("sort_order", "pk"))
    party_orgs = list(
        PartyOrganization.objects.filter(committee=committee, is_active=True)
        .prefetch_related("members")
        .order_by("name")
    )
    done = set(
        Meeting.objects.filter(party_organization__committee=committee)
        .values_list("party_organization_id", flat=True)
        .distinct()
    )
    users = {
        u.party_organization_id: u
        for u in User.objects.filter(role=Role.SECRETARY, party_organization__committee=committee)
    }
    now = timezone.now()
    today = timezone.localdate()
    created, branches = 0, 0
    for po in party_orgs:
        if po.pk in done:
            continue
        members = sorted(po.members.all(), key=lambda m: m.pk)
        if not members:
            continue
        pairs = _branch_meetings(po, members, types, users, today=today, now=now)
        bulk_create_with_history([m for m, _rows in pairs], Meeting, batch_size=500)
        bulk_create_with_history(
            [
                Attendance(meeting=m, member=member, member_name=member.name, status=status, reason=reason)
                for m, rows in pairs
                for member, status, reason in rows
            ],
            Attendance,
            batch_size=2000,
        )
        created += len(pairs)
        branches += 1
    return {"created": created, "branches": branches}
