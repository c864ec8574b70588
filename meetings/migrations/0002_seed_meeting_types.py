"""Give every existing committee the default meeting types and a settings row.

New committees get them from the post_save signal (meetings.signals). The list is frozen here
on purpose: later edits to meetings/defaults.py must not change what this migration did.
"""

from django.db import migrations

DEFAULTS = [
    # code, name, category, frequency, min_count, counts_for_compliance, requires_quorum, attendee_scope, is_lecture
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
FIELDS = ("code", "name", "category", "frequency", "min_count", "counts_for_compliance", "requires_quorum",
          "attendee_scope", "is_lecture")


def seed(apps, schema_editor):
    Committee = apps.get_model("branches", "Committee")
    MeetingType = apps.get_model("meetings", "MeetingType")
    MeetingSettings = apps.get_model("meetings", "MeetingSettings")
    for committee in Committee.objects.all():
        existing = set(MeetingType.objects.filter(committee=committee).values_list("code", flat=True))
        MeetingType.objects.bulk_create([
            MeetingType(committee=committee, sort_order=(i + 1) * 10, **dict(zip(FIELDS, row)))
            for i, row in enumerate(DEFAULTS)
            if row[0] not in existing
        ])
        MeetingSettings.objects.get_or_create(committee=committee)


class Migration(migrations.Migration):

    dependencies = [
        ("meetings", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
