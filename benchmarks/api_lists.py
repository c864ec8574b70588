"""Benchmark: the API's list endpoints at two sizes of the register.

    .venv/bin/python benchmarks/api_lists.py [--small 500] [--large 5000] [--repeat 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/starfire .venv/bin/python benchmarks/api_lists.py

Builds, in a throw-away database (benchmarks/_django.py), one committee with N party
organisations (each in its own social organisation, with three members and an instructor) and
an open cycle with every branch's submission self-scored on the default rubric; then, with a
staff member's API token through the test client, times the first page (200 rows) of each list
(median of --repeat runs) next to a bare endpoint of the same client (the committees list, one
row), at the small size and again after growing to the large one. It prints, per list, the
milliseconds, the ratio to the bare endpoint, the query count and the ratio of the large to
the small size: a page costs the same whatever the rows behind it.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import django_database, load_note  # noqa: E402

LISTS = [
    "/api/v1/organizations/",
    "/api/v1/party-organizations/",
    "/api/v1/members/",
    "/api/v1/instructors/",
    "/api/v1/submissions/",
    "/api/v1/submissions/?status=draft&ordering=-pk",
]
BASELINE = "/api/v1/committees/"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--large", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args()


def setup_committee():
    from django.utils import timezone

    from branches.models import Committee, Role, User
    from ratings.models import Cycle
    from ratings.rubric.data import create_default_rubric

    committee = Committee.objects.create(name="基准测试综合党委", short_name="基准")
    staff = User.objects.create(username="bench-staff", role=Role.STAFF, committee=committee)
    at = timezone.now()
    cycle = Cycle.objects.create(
        committee=committee,
        year=at.year,
        rubric=create_default_rubric(committee),
        status=Cycle.Status.OPEN,
        self_assessment_deadline=at,
        inspection_deadline=at,
        review_deadline=at,
    )
    return committee, staff, cycle


def grow(committee, cycle, start: int, stop: int):
    """Branches start … stop-1, each with its organisation, members, instructor and a self-scored
    submission."""
    from django.db import transaction

    from branches.models import Instructor, Member, PartyOrganization, SocialOrganization
    from ratings.models import IndicatorScore, Submission

    started = time.perf_counter()
    indicators = list(cycle.rubric.indicators())
    with transaction.atomic():
        orgs = SocialOrganization.objects.bulk_create(
            [
                SocialOrganization(
                    committee=committee, name=f"基准社会组织{i:06d}", uscc=f"5151010{i:010d}"[:17] + "X"
                )
                for i in range(start, stop)
            ]
        )
        pos = PartyOrganization.objects.bulk_create(
            [PartyOrganization(committee=committee, name=f"基准党支部{i:06d}") for i in range(start, stop)]
        )
        PartyOrganization.organizations.through.objects.bulk_create(
            [
                PartyOrganization.organizations.through(
                    partyorganization_id=po.pk, socialorganization_id=o.pk
                )
                for po, o in zip(pos, orgs, strict=True)
            ]
        )
        Member.objects.bulk_create(
            [Member(party_organization=po, name=f"党员{k}") for po in pos for k in range(3)],
            batch_size=10_000,
        )
        instructors = Instructor.objects.bulk_create(
            [Instructor(committee=committee, name=f"指导员{i}") for i in range(start, stop)]
        )
        Instructor.organizations.through.objects.bulk_create(
            [
                Instructor.organizations.through(instructor_id=ins.pk, socialorganization_id=o.pk)
                for ins, o in zip(instructors, orgs, strict=True)
            ]
        )
        subs = Submission.objects.bulk_create([Submission(cycle=cycle, party_organization=po) for po in pos])
        IndicatorScore.objects.bulk_create(
            [
                IndicatorScore(submission=s, indicator=ind, score=ind.max_score, comment="自评")
                for s in subs
                for ind in indicators
            ],
            batch_size=10_000,
        )
    print(f"  grew to {stop:,} branches in {time.perf_counter() - started:.1f} s")


def measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url, {"page_size": 200} if "?" not in url else None)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return statistics.median(times), len(ctx.captured_queries)


def main():
    args = parse_args()
    with django_database():
        from rest_framework.test import APIClient

        from api.throttling import PerTokenThrottle
        from api.tokens import token_create

        PerTokenThrottle.rate = "1000000/hour"
        committee, staff, cycle = setup_committee()
        _token, key = token_create(user=staff, name="benchmark")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        client.get(BASELINE)  # the token's first use is recorded once

        results = {}
        previous = 0
        for size in (args.small, args.large):
            grow(committee, cycle, previous, size)
            previous = size
            base, base_q = measure(client, BASELINE, args.repeat)
            results[size] = {"baseline": (base, base_q)}
            for url in LISTS:
                results[size][url] = measure(client, url, args.repeat)

        print(load_note())
        print(f"first page of 200 rows, median of {args.repeat}; × bare = against {BASELINE} in the same run")
        header = f"  {'endpoint':<48}" + "".join(
            f" {f'{n:,} ms':>10} {'× bare':>7} {'queries':>8}" for n in (args.small, args.large)
        )
        print(header + f" {'large/small':>12}")
        for url in ["baseline", *LISTS]:
            row = f"  {url if url != 'baseline' else BASELINE + ' (bare)':<48}"
            for size in (args.small, args.large):
                seconds, queries = results[size][url]
                row += f" {seconds * 1000:10.1f} {seconds / results[size]['baseline'][0]:7.1f} {queries:>8}"
            ratio = results[args.large][url][0] / results[args.small][url][0]
            print(row + f" {ratio:12.2f}")


if __name__ == "__main__":
    main()
