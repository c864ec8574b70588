"""Demo register for 四川省社会组织第二综合党委. Idempotent: running it again changes nothing."""

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from . import uscc as uscc_rules
from .models import (
    Committee,
    Instructor,
    Member,
    MemberRole,
    Membership,
    PartyOrganization,
    PartyOrgKind,
    Role,
    SocialOrganization,
    User,
)

COMMITTEE = "四川省社会组织第二综合党委"
OTHER_COMMITTEE = "四川省社会组织第一综合党委"
WUHOU_ORG = "成都市武侯社区发展基金会"
WUHOU_BRANCH = "成都市武侯社区发展基金会党支部"
DEMO_PASSWORD = "starfire2023"

_TYPE_DIGIT = {"association": "1", "private_non_enterprise": "2", "foundation": "3"}

# name, type, division, trade association?, status
ORGANIZATIONS = [
    ("四川省软件行业协会", "association", "510000", True, "active"),
    ("四川省物流行业协会", "association", "510000", True, "active"),
    ("四川省餐饮娱乐行业协会", "association", "510000", True, "active"),
    ("四川省青年企业家商会", "association", "510000", True, "active"),
    ("四川省慈善总会", "association", "510000", False, "active"),
    ("四川省社会工作者协会", "association", "510000", False, "active"),
    ("四川省志愿服务促进会", "association", "510000", False, "active"),
    ("四川省老年学学会", "association", "510000", False, "active"),
    ("四川省心理学会", "association", "510000", False, "active"),
    ("四川省环境保护产业协会", "association", "510000", True, "active"),
    ("四川省乡村振兴发展基金会", "foundation", "510000", False, "active"),
    ("四川省青少年发展基金会", "foundation", "510000", False, "active"),
    ("四川省妇女儿童发展基金会", "foundation", "510000", False, "active"),
    ("四川省光彩事业促进基金会", "foundation", "510000", False, "active"),
    ("四川省社会组织发展研究院", "private_non_enterprise", "510000", False, "active"),
    ("四川省天府社区治理研究中心", "private_non_enterprise", "510000", False, "active"),
    ("四川省康养服务中心", "private_non_enterprise", "510000", False, "active"),
    ("四川省公益组织孵化中心", "private_non_enterprise", "510000", False, "active"),
    (WUHOU_ORG, "foundation", "510107", False, "active"),
    ("成都市锦江区社会组织服务中心", "private_non_enterprise", "510104", False, "active"),
    ("成都市青羊区助残服务中心", "private_non_enterprise", "510105", False, "active"),
    ("成都市金牛区邻里互助协会", "association", "510106", False, "active"),
    ("成都市成华区养老服务中心", "private_non_enterprise", "510108", False, "active"),
    ("成都市家政服务业协会", "association", "510100", True, "active"),
    ("成都市社区营造促进会", "association", "510100", False, "active"),
    ("成都市慈善总会", "association", "510100", False, "active"),
    ("成都市武侯区社会工作服务中心", "private_non_enterprise", "510107", False, "active"),
    ("成都市温江区花木协会", "association", "510115", True, "active"),
    ("绵阳市科技创新促进会", "association", "510700", False, "active"),
    ("德阳市装备制造业商会", "association", "510600", True, "active"),
    ("宜宾市白酒行业协会", "association", "511500", True, "active"),
    ("乐山市旅游协会", "association", "511100", True, "active"),
    ("南充市丝绸行业协会", "association", "511300", True, "active"),
    ("泸州市扶贫济困基金会", "foundation", "510500", False, "active"),
    ("雅安市茶叶流通协会", "association", "511800", True, "active"),
    ("凉山彝族自治州彝族文化研究会", "association", "513400", False, "active"),
    ("自贡市灯会文化促进会", "association", "510300", False, "abnormal"),
    ("攀枝花市康养产业协会", "association", "510400", True, "active"),
    ("达州市青少年服务中心", "private_non_enterprise", "511700", False, "active"),
    ("广元市红色文化研究会", "association", "510800", False, "active"),
    ("巴中市助学基金会", "foundation", "511900", False, "active"),
    ("眉山市东坡文化研究会", "association", "511400", False, "active"),
]
JOINT_BRANCHES = {
    "成都市社会服务机构第一联合党支部": [
        "成都市青羊区助残服务中心",
        "成都市成华区养老服务中心",
        "成都市武侯区社会工作服务中心",
    ],
    "川南行业协会联合党支部": ["南充市丝绸行业协会", "雅安市茶叶流通协会"],
}
GENERAL_BRANCHES = {"四川省软件行业协会"}
INSTRUCTOR_ONLY = {
    "王建国": ("instructor", ["凉山彝族自治州彝族文化研究会", "广元市红色文化研究会"]),
    "李秀英": ("liaison", ["眉山市东坡文化研究会"]),
}
UNDERSTAFFED = {"攀枝花市康养产业协会"}  # a 党支部 with fewer than 3 full members, flagged

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = [
    "建国",
    "秀英",
    "志强",
    "丽娟",
    "伟",
    "芳",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "华",
    "红",
    "玲",
    "鑫",
    "波",
    "斌",
    "宇",
    "浩",
    "凯",
    "婷",
    "雪",
    "琳",
    "晨",
    "欣",
    "怡",
    "佳",
    "蕾",
]


def organization_uscc(index: int, org_type: str, division: str) -> str:
    digit = _TYPE_DIGIT[org_type]
    return uscc_rules.make_uscc(f"5{digit}{division}MJ{index * 7919 % 10_000_000:07d}")


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


@transaction.atomic
def load_register(stdout=None) -> dict:
    committee, _ = Committee.objects.get_or_create(name=COMMITTEE, defaults={"short_name": "川社二党委"})
    other, _ = Committee.objects.get_or_create(name=OTHER_COMMITTEE, defaults={"short_name": "川社一党委"})

    orgs = {}
    for i, (name, org_type, division, trade, status) in enumerate(ORGANIZATIONS, start=1):
        org, _ = SocialOrganization.objects.get_or_create(
            uscc=organization_uscc(i, org_type, division),
            defaults={
                "committee": committee,
                "name": name,
                "org_type": org_type,
                "is_trade_association": trade,
                "division_code": division,
                "status": status,
                "address": f"{name[:3]}某某路{i}号",
                "charter_includes_party_building": i % 5 != 0,
                "leader_attends_board": i % 4 != 0,
                "has_joint_decision_mechanism": i % 3 != 0,
                "has_duty_list": i % 6 != 0,
                "candidates_vetted": (i % 2 == 0) if trade else None,
            },
        )
        orgs[name] = org
    # The other committee has a few organisations of its own, to show that tenants do not mix.
    for j, name in enumerate(
        ["四川省科技工作者协会", "四川省教育发展基金会", "四川省职业技能培训中心"], start=1
    ):
        org_type = ("association", "foundation", "private_non_enterprise")[j - 1]
        SocialOrganization.objects.get_or_create(
            uscc=organization_uscc(900 + j, org_type, "510000"),
            defaults={"committee": other, "name": name, "org_type": org_type, "division_code": "510000"},
        )

    rng = random.Random(2023)  # fixed seed: the same people every run
    joint_members = {o for members in JOINT_BRANCHES.values() for o in members}
    instructed = {o for _kind, names in INSTRUCTOR_ONLY.values() for o in names}
    uncovered = {"自贡市灯会文化促进会", "巴中市助学基金会"}
    party_orgs = {}
    for i, (name, *_rest) in enumerate(ORGANIZATIONS, start=1):
        if name in joint_members | instructed | uncovered:
            continue
        kind = PartyOrgKind.GENERAL_BRANCH if name in GENERAL_BRANCHES else PartyOrgKind.BRANCH
        po_name = name + ("党总支" if kind == PartyOrgKind.GENERAL_BRANCH else "党支部")
        po, created = PartyOrganization.objects.get_or_create(
            committee=committee,
            name=po_name,
            defaults={"kind": kind, "founded_on": dt.date(2012 + i % 10, 1 + i % 12, 1 + i % 27)},
        )
        if created:
            po.organizations.set([orgs[name]])
        party_orgs[po_name] = po
    for j, (po_name, members) in enumerate(JOINT_BRANCHES.items()):
        po, created = PartyOrganization.objects.get_or_create(
            committee=committee,
            name=po_name,
            defaults={"kind": PartyOrgKind.JOINT_BRANCH, "founded_on": dt.date(2019 + j, 7, 1)},
        )
        if created:
            po.organizations.set([orgs[n] for n in members])
        party_orgs[po_name] = po

    for po_name, po in party_orgs.items():
        if po.members.exists():
            continue
        understaffed = any(po_name.startswith(n) for n in UNDERSTAFFED)
        if po_name == WUHOU_BRANCH:
            size = 9
        elif understaffed:
            size = 3
        else:
            size = rng.randint(4, 12)
        people = []
        for k in range(size):
            if k == 0:
                role, membership = MemberRole.SECRETARY, Membership.FULL
            elif k < 3:
                role, membership = MemberRole.COMMITTEE_MEMBER, Membership.FULL
            else:
                role = MemberRole.MEMBER
                membership = Membership.PROBATIONARY if (k % 7 == 6) else Membership.FULL
            if understaffed and k >= 2:
                membership = Membership.PROBATIONARY
            people.append(
                Member(
                    party_organization=po,
                    name=_person(rng),
                    role=role,
                    membership=membership,
                    joined_on=dt.date(rng.randint(1985, 2022), rng.randint(1, 12), rng.randint(1, 28)),
                )
            )
        bulk_create_with_history(people, Member)

    for name, (kind, org_names) in INSTRUCTOR_ONLY.items():
        ins, created = Instructor.objects.get_or_create(
            committee=committee, name=name, defaults={"kind": kind}
        )
        if created:
            ins.organizations.set([orgs[n] for n in org_names])

    wuhou = party_orgs[WUHOU_BRANCH]
    users = [
        ("admin", "系统管理员", {"is_superuser": True, "is_staff": True, "role": ""}),
        ("staff", "张组织（综合党委）", {"role": Role.STAFF, "committee": committee, "is_staff": True}),
        (
            "wuhou",
            wuhou.secretary.name + "（武侯基金会支部书记）",
            {"role": Role.SECRETARY, "committee": committee, "party_organization": wuhou},
        ),
        ("inspector1", "刘验收", {"role": Role.INSPECTOR, "committee": committee}),
        ("inspector2", "陈考评", {"role": Role.INSPECTOR, "committee": committee}),
        ("inspector3", "周实地", {"role": Role.INSPECTOR, "committee": committee}),
        ("staff1", "一党委工作人员", {"role": Role.STAFF, "committee": other, "is_staff": True}),
    ]
    for po_name, po in party_orgs.items():
        if po_name == WUHOU_BRANCH:
            continue
        username = f"sec{po.pk:03d}"
        users.append(
            (
                username,
                f"{po.secretary.name}（{po_name}书记）",
                {"role": Role.SECRETARY, "committee": committee, "party_organization": po},
            )
        )
    # One hash for every demo login: hashing is deliberately slow (about a second each), and the
    # demo creates dozens of users with the same password.
    password = make_password(DEMO_PASSWORD)
    for username, display, fields in users:
        User.objects.get_or_create(
            username=username, defaults={"display_name": display, "password": password, **fields}
        )
    return {"committee": committee, "other": other, "orgs": orgs, "party_orgs": party_orgs}
