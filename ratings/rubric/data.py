"""The default 星火 rubric (测评标准): 6 categories, 24 indicators, 100 points."""

# Seed data stored in the database as each committee's rubric: its texts are data, not translated.
from decimal import Decimal

from django.db import transaction

from ..models import AdjustmentItem, Rubric, StarBand, VetoItem

# category code, title, [(code, title, max, evidence required, what must be shown, meeting type codes)]
CATEGORIES = [
    (
        "1",
        "政治建设",
        [
            ("1.1", "制度化开展理论学习，有年度学习计划并落实", 5, True, "年度学习计划、学习记录", ()),
            (
                "1.2",
                "落实意识形态工作责任制，阵地管理有记录",
                4,
                True,
                "意识形态责任制文件、阵地管理台账",
                (),
            ),
            ("1.3", "重大事项经党组织前置研究，发挥政治引领作用", 6, True, "前置研究事项清单、会议纪要", ()),
        ],
    ),
    (
        "2",
        "组织建设",
        [
            ("2.1", "党组织按期换届，支委会配备齐全、分工明确", 5, True, "换届批复、支委分工文件", ()),
            ("2.2", "发展党员和入党积极分子培养有计划、有记录", 4, False, "发展党员计划、培养考察记录", ()),
            (
                "2.3",
                "党员教育管理到位，组织关系及时接转，信息及时更新",
                4,
                True,
                "党员信息台账、组织关系接转记录",
                (),
            ),
            ("2.4", "党费按规定足额收缴、使用并公开", 4, True, "党费收缴台账、公示记录", ()),
            ("2.5", "党组织书记由负责人或管理层党员担任，双向进入、交叉任职", 3, False, "任职文件", ()),
        ],
    ),
    (
        "3",
        "制度建设",
        [
            (
                "3.1",
                "支部党员大会、支委会按规定频次召开，记录完整",
                4,
                True,
                "会议记录",
                ("general_meeting", "committee_meeting"),
            ),
            (
                "3.2",
                "党小组会、党课按规定频次落实",
                4,
                True,
                "会议记录、党课讲稿",
                ("group_meeting", "party_lecture"),
            ),
            ("3.3", "每月开展主题党日", 4, True, "主题党日活动记录、照片", ("theme_day",)),
            (
                "3.4",
                "每年召开组织生活会、开展民主评议党员",
                4,
                True,
                "会议记录、评议结果",
                ("life_meeting", "appraisal"),
            ),
            (
                "3.5",
                "党组织负责人列席理事会（会员代表大会），议事决策机制健全",
                4,
                True,
                "列席记录、议事规则",
                ("board_attendance", "joint_decision"),
            ),
        ],
    ),
    (
        "4",
        "阵地建设",
        [
            ("4.1", "有固定活动场所或共享党群服务阵地", 4, True, "场所照片", ()),
            ("4.2", "党建标识规范（党旗、入党誓词、制度上墙）", 3, True, "现场照片", ()),
            ("4.3", "线上阵地（学习平台组织、公众号专栏）正常运行", 3, False, "平台截图", ()),
        ],
    ),
    (
        "5",
        "保障机制",
        [
            ("5.1", "党建工作写入章程（党建入章）", 4, True, "章程（含党建条款）", ()),
            ("5.2", "党建工作经费纳入年度预算并落实", 3, True, "年度预算、经费使用凭证", ()),
            ("5.3", "建立党建工作责任清单，责任到人", 3, True, "责任清单", ()),
        ],
    ),
    (
        "6",
        "作用发挥",
        [
            (
                "6.1",
                "推动依法依章程运行，年度报告按时报送、等级评估有效",
                7,
                True,
                "年度报告回执、评估证书",
                (),
            ),
            ("6.2", "服务群众，有公益项目和成效", 4, True, "项目材料、成效报道", ()),
            ("6.3", "参与基层社会治理，有案例和成效", 4, True, "案例材料", ()),
            ("6.4", "设立党员示范岗、先锋队，党员作用明显", 5, False, "示范岗名单、事迹材料", ()),
            (
                "6.5",
                "开展“牵手”结对共建、“大党建+”融合联动",
                5,
                True,
                "共建协议、活动记录",
                ("joint_activity",),
            ),
        ],
    ),
]
BONUS = [
    ("B1", "党组织获省级以上表彰", 3, None),
    ("B2", "党建工作经验被上级党组织推广", 2, None),
    ("B3", "社会组织评估等级为4A及以上", 2, None),
]
DEDUCTIONS = [
    ("D1", "未按时报送评星材料", 2, None),
    ("D2", "党员组织关系未及时转接（每人）", 1, 3),
    ("D3", "社会组织年度内被列入活动异常名录", 5, None),
]
VETOES = [
    ("V1", "党组织或党员发生严重违纪违法案件"),
    ("V2", "社会组织被列入严重违法失信名单"),
    ("V3", "发生重大安全事故或造成恶劣社会影响的事件"),
    ("V4", "弄虚作假或党组织“空壳”运转"),
    ("V5", "社会组织被撤销登记或注销"),
]
BANDS = [(5, 95), (4, 85), (3, 75), (2, 65), (1, 60)]


@transaction.atomic
def create_default_rubric(committee, *, version: int = 1) -> Rubric:
    """The default rubric as a new version for `committee` (caller checks the version is free)."""
    rubric = Rubric.objects.create(committee=committee, version=version, name="星火党组织星级评定测评标准")
    link = _meeting_type_lookup(committee)
    for c_order, (ccode, ctitle, indicators) in enumerate(CATEGORIES, start=1):
        cat = rubric.categories.create(code=ccode, title=ctitle, order=c_order)
        for i_order, (code, title, max_score, evidence, shown, meeting_codes) in enumerate(
            indicators, start=1
        ):
            ind = cat.indicators.create(
                code=code,
                title=title,
                max_score=Decimal(max_score),
                evidence_required=evidence,
                evidence_description=shown,
                guidance=f"现场查阅：{shown}；询问党员了解落实情况。",
                order=i_order,
            )
            if link and meeting_codes:
                ind.meeting_types.set([link[c] for c in meeting_codes if c in link])
    for order, (code, title, points, cap) in enumerate(BONUS, start=1):
        AdjustmentItem.objects.create(
            rubric=rubric, kind="bonus", code=code, title=title, points=points, max_points=cap, order=order
        )
    for order, (code, title, points, cap) in enumerate(DEDUCTIONS, start=1):
        AdjustmentItem.objects.create(
            rubric=rubric,
            kind="deduction",
            code=code,
            title=title,
            points=points,
            max_points=cap,
            order=order,
        )
    for order, (code, title) in enumerate(VETOES, start=1):
        VetoItem.objects.create(rubric=rubric, code=code, title=title, order=order)
    for level, min_total in BANDS:
        StarBand.objects.create(rubric=rubric, level=level, min_total=min_total)
    return rubric


def _meeting_type_lookup(committee) -> dict:
    """Meeting types by code, once the meetings app provides them (empty before)."""
    from ..models import Indicator

    if not any(f.name == "meeting_types" for f in Indicator._meta.get_fields()):
        return {}
    from meetings.models import MeetingType

    return {mt.code: mt for mt in MeetingType.objects.filter(committee=committee)}
