"""Default meeting types and minimum frequencies, as the branch work regulations set them: 三会一课
(the members' meeting each quarter, the branch committee and the party groups each month, a party
lecture each quarter), a themed party day each month, 组织生活会 and 民主评议党员 once a year.

Every committee gets a copy when it is created; from then on they are the committee's own
settings, edited in the admin. The data migration 0002 carries a frozen copy of this list.
"""

# Seed data copied into the database: the names are data, not interface text, and are not translated.

# code, name, category, frequency, min_count, counts_for_compliance, requires_quorum, attendee_scope, is_lecture
DEFAULT_MEETING_TYPES = [
    ("general_meeting", "支部党员大会", "sanhui_yike", "quarter", 1, True, True, "all_members", False),
    ("committee_meeting", "支委会", "sanhui_yike", "month", 1, True, True, "branch_committee", False),
    ("group_meeting", "党小组会", "sanhui_yike", "month", 1, True, False, "all_members", False),
    ("party_lecture", "党课", "sanhui_yike", "quarter", 1, True, False, "all_members", True),
    ("theme_day", "主题党日", "org_life", "month", 1, True, False, "all_members", False),
    ("life_meeting", "组织生活会", "org_life", "year", 1, True, False, "all_members", False),
    ("appraisal", "民主评议党员", "org_life", "year", 1, True, False, "all_members", False),
    ("board_attendance", "列席理事会", "governance", "none", 1, False, False, "branch_committee", False),
    ("joint_decision", "议事", "governance", "none", 1, False, False, "branch_committee", False),
    ("joint_activity", "联合活动", "joint", "none", 1, False, False, "all_members", False),
]

FIELDS = (
    "code",
    "name",
    "category",
    "frequency",
    "min_count",
    "counts_for_compliance",
    "requires_quorum",
    "attendee_scope",
    "is_lecture",
)


def default_rows():
    """The defaults as dicts with a sort order, ready for MeetingType(**row)."""
    return [
        dict(zip(FIELDS, row, strict=True), sort_order=(i + 1) * 10)
        for i, row in enumerate(DEFAULT_MEETING_TYPES)
    ]


# The four of 三会一课, the usual evidence for the 制度建设 indicators of the rating.
SANHUI_YIKE_CODES = ("general_meeting", "committee_meeting", "group_meeting", "party_lecture")
