"""Load the rating demo: the 回避 register, the default rubric, the 2023 and 2024 cycles."""

from django.db import transaction

from branches import demo as register_demo
from branches.models import Committee, SocialOrganization
from ratings.models import Cycle, InspectorConflict, RatingSettings, Rubric, Status, Submission
from ratings.rubric.data import create_default_rubric

from .rating_2023 import build_2023
from .rating_2024 import build_2024
from .rating_common import Actors


def _conflicts(committee: Committee, actors: Actors) -> None:
    """The 回避 register: two inspectors linked to organisations of the demo register."""
    entries = [
        ("inspector3", register_demo.WUHOU_ORG, InspectorConflict.Kind.RELATIVE, "配偶在该基金会任副秘书长"),
        ("inspector1", "四川省软件行业协会", InspectorConflict.Kind.MEMBER, "曾任该协会理事（2021年卸任）"),
    ]
    for username, org_name, kind, note in entries:
        org = SocialOrganization.objects.filter(committee=committee, name=org_name).first()
        inspector = next((u for u in actors.inspectors if u.username == username), None)
        if org and inspector:
            InspectorConflict.objects.get_or_create(
                inspector=inspector, organization=org, defaults={"kind": kind, "note": note}
            )


def load_ratings(stdout=None) -> dict:
    """Create (or leave as it is) the rating demo data; returns what exists afterwards."""
    committee = Committee.objects.filter(name=register_demo.COMMITTEE).first()
    if committee is None:
        committee = register_demo.load_register()["committee"]
    actors = Actors(committee)
    RatingSettings.objects.get_or_create(committee_id=committee.pk)
    _conflicts(committee, actors)
    with transaction.atomic():
        rubric = Rubric.objects.filter(committee=committee, version=1).first()
        if rubric is None:
            rubric = create_default_rubric(committee, version=1)
    created = []
    if not Cycle.objects.filter(committee=committee, year=2023).exists():
        from notifications.models import Notification

        watermark = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with transaction.atomic():
            build_2023(committee, rubric, actors)
        # Notices produced by replaying 2023 were never news to anyone (module docstring).
        Notification.objects.filter(pk__gt=watermark).delete()
        created.append(2023)
    if not Cycle.objects.filter(committee=committee, year=2024).exists():
        with transaction.atomic():
            build_2024(committee, Cycle.objects.get(committee=committee, year=2023).rubric, actors)
        created.append(2024)
    return {"committee": committee, "created": created, "cycles": summary(committee)}


def summary(committee: Committee) -> list[str]:
    """One line per cycle for the load_demo command."""
    lines = []
    for cycle in Cycle.objects.filter(committee=committee).order_by("year"):
        subs = Submission.objects.filter(cycle=cycle)
        if cycle.status == Cycle.Status.FINAL:
            plaques = subs.filter(vetoed=False, final_level__gte=cycle.rubric.plaque_min_level).count()
            lines.append(
                f"{cycle.year}年度（{cycle.get_status_display()}）：{subs.count()} 个党组织参评，"
                f"{plaques} 个三星及以上，{subs.filter(vetoed=True).count()} 个一票否决"
            )
        else:
            counts = {s: subs.filter(status=s).count() for s in Status.values}
            detail = "，".join(f"{Status(s).label} {n}" for s, n in counts.items() if n)
            lines.append(
                f"{cycle.year}年度（{cycle.get_status_display()}）：{subs.count()} 个申报 — {detail}"
            )
    return lines
