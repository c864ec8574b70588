"""The province's 两新工委 in the demo: one user who reads both demo committees side by side — the
第一综合党委 gets its small register and completed 2023 cycle first (`other_committee`)."""

from django.contrib.auth.hashers import make_password

from branches import demo as register_demo
from branches.models import Committee, Role, User
from ratings.models import Cycle
from ratings.reports.tally import tally_recompute

from .other_committee import load_other_committee

PROVINCE_USERNAME = "province"


def load_province() -> User:
    """The province user, assigned 第二 and 第一综合党委 (idempotent)."""
    load_other_committee()
    user, _created = User.objects.get_or_create(
        username=PROVINCE_USERNAME,
        defaults={
            "display_name": "省两新工委（查看两个综合党委）",
            "role": Role.PROVINCE,
            "password": make_password(register_demo.DEMO_PASSWORD),
        },
    )
    committees = Committee.objects.filter(name__in=[register_demo.COMMITTEE, register_demo.OTHER_COMMITTEE])
    user.province_committees.add(*committees)
    # The province pages read stored tallies: make sure every published demo cycle has one.
    for cycle_id in Cycle.objects.filter(
        committee__in=committees,
        status__in=[Cycle.Status.PUBLISHED, Cycle.Status.FINAL],
        tally__isnull=True,
    ).values_list("pk", flat=True):
        tally_recompute(cycle_id=cycle_id)
    return user
