"""Benchmark: the pages that show a whole committee's meeting compliance, with many branches.

    .venv/bin/python benchmarks/compliance_pages.py [--branches 5000] [--meetings 40] [--repeat 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/starfire .venv/bin/python benchmarks/compliance_pages.py

Builds, in a throw-away database (benchmarks/_django.py), one committee with N party
organisations (each in its own social organisation, spread over ten regions), about M held
meetings each in the current year, and an open rating cycle; then, as committee staff through the
test client, times each page (median of --repeat runs) next to a bare page of the same session
(the empty notification inbox), and prints the ratio, the query count and the page size:

- the heat map with its ranking (first page, worst first; a filtered page),
- the rating dashboard,
- where the stored snapshot exists (meetings.snapshots): the first visit, which computes and
  stores it, and the refresh task on its own; and, for comparison, the live evaluation of the
  whole committee (`meetings.compliance.committee_compliance`) that every visit paid before.
"""

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import django_database, load_note  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--branches", type=int, default=5000)
    parser.add_argument("--meetings", type=int, default=40, help="held meetings per branch")
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args()


def build(n_branches: int, per_branch: int):
    from django.db import transaction
    from django.utils import timezone

    from branches.models import Committee, PartyOrganization, Role, SocialOrganization, User
    from meetings.compliance import local_tz
    from meetings.models import Meeting, MeetingType
    from ratings.models import Cycle
    from ratings.rubric.data import create_default_rubric

    started = time.perf_counter()
    rng = random.Random(2024)
    year = timezone.localdate().year
    with transaction.atomic():
        committee = Committee.objects.create(name="基准测试综合党委", short_name="基准")
        orgs = SocialOrganization.objects.bulk_create(
            [
                SocialOrganization(
                    committee=committee,
                    name=f"基准社会组织{i:06d}",
                    uscc=f"51{510100 + i % 10:06d}{i:09d}"[:17] + "0",
                    org_type="association",
                    division_code=f"{510101 + i % 10}",
                )
                for i in range(n_branches)
            ],
            batch_size=5000,
        )
        kinds = ["branch"] * 8 + ["joint_branch", "general_branch"]
        pos = PartyOrganization.objects.bulk_create(
            [
                PartyOrganization(
                    committee=committee,
                    name=f"基准党支部{i:06d}",
                    kind=kinds[i % 10],
                    founded_on=dt.date(2015, 1, 1),
                )
                for i in range(n_branches)
            ],
            batch_size=5000,
        )
        through = PartyOrganization.organizations.through
        through.objects.bulk_create(
            [
                through(partyorganization_id=po.pk, socialorganization_id=o.pk)
                for po, o in zip(pos, orgs, strict=True)
            ],
            batch_size=5000,
        )
        types = list(MeetingType.objects.filter(committee=committee).exclude(frequency="none"))
        tz = local_tz()
        start = dt.datetime(year, 1, 1, tzinfo=tz)
        days = max((timezone.localdate() - dt.date(year, 1, 1)).days, 1)
        meetings = [
            Meeting(
                party_organization_id=po.pk,
                meeting_type=rng.choice(types),
                starts_at=start + dt.timedelta(days=rng.randrange(days), hours=9),
                place="会议室",
                topic="基准会议",
                status="held",
            )
            for po in pos
            for _ in range(per_branch)
        ]
        Meeting.objects.bulk_create(meetings, batch_size=10_000)
        rubric = create_default_rubric(committee)
        at = timezone.now()
        Cycle.objects.create(
            committee=committee,
            year=year,
            rubric=rubric,
            status=Cycle.Status.OPEN,
            self_assessment_deadline=at,
            inspection_deadline=at,
            review_deadline=at,
        )
        staff = User.objects.create_user("bench-staff", password="x", role=Role.STAFF, committee=committee)
    print(
        f"built {n_branches:,} branches, {len(meetings):,} meetings in {time.perf_counter() - started:.1f} s"
    )
    return committee, staff, year


def measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        n = len(queries)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), n, len(response.content)


def main():
    args = parse_args()
    with django_database():
        from django.test import Client
        from django.urls import reverse

        committee, staff, year = build(args.branches, args.meetings)
        client = Client()
        client.force_login(staff)
        try:
            from meetings import snapshots
        except ImportError:  # measuring a version without stored snapshots
            snapshots = None
        heat_map = reverse("meetings:compliance-overview") + f"?year={year}"
        rows = []
        if snapshots is not None:
            started = time.perf_counter()
            client.get(heat_map)
            rows.append(
                ("heat map, first visit (computes and stores)", time.perf_counter() - started, None, None)
            )
        baseline = measure(client, reverse("notifications:inbox"), args.repeat)
        rows.append(("baseline: empty notification inbox", *baseline))
        rows.append(("heat map + ranking, first page", *measure(client, heat_map, args.repeat)))
        rows.append(
            (
                "heat map, region and kind filtered",
                *measure(client, heat_map + "&region=510103&kind=branch", args.repeat),
            )
        )
        rows.append(("rating dashboard", *measure(client, reverse("ratings:dashboard"), args.repeat)))
        if snapshots is not None:
            from meetings.compliance import committee_compliance

            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                snapshots.snapshot_refresh(committee_id=committee.pk, year=year)
                times.append(time.perf_counter() - started)
            rows.append(("snapshot refresh (the task)", statistics.median(times), None, None))
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                committee_compliance(committee.pk, year)
                times.append(time.perf_counter() - started)
            rows.append(("live evaluation of the committee", statistics.median(times), None, None))

        print(load_note())
        print(f"{args.branches:,} branches, median of {args.repeat}:")
        print(f"  {'':<46} {'ms':>9} {'× baseline':>11} {'queries':>8} {'KB':>8}")
        for label, seconds, queries, size in rows:
            q = "" if queries is None else str(queries)
            kb = "" if size is None else f"{size / 1024:.0f}"
            print(f"  {label:<46} {seconds * 1000:9.1f} {seconds / baseline[0]:11.1f} {q:>8} {kb:>8}")


if __name__ == "__main__":
    main()
