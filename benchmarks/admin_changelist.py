"""The admin changelist of social organisations with 50,000 rows, as committee staff sees it.

    .venv/bin/python benchmarks/admin_changelist.py            # temporary SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/starfire .venv/bin/python benchmarks/admin_changelist.py

Prints, per page: the median of --repeat requests (after one warm-up), the number of queries and
the slowest query. Another committee holds 10 % more rows, so the scoping is really exercised.
"""

import argparse

from _django import django_database, load_note, median_ms, timed

TYPES = ["association", "private_non_enterprise", "foundation"]
TYPE_DIGIT = {"association": "1", "private_non_enterprise": "2", "foundation": "3"}
DIVISIONS = [
    "510000",
    "510100",
    "510104",
    "510105",
    "510106",
    "510107",
    "510108",
    "510700",
    "511500",
    "513400",
]


def build_register(committee, n, tag):
    """n organisations: a quarter with their own 党支部, an eighth with an instructor, some abnormal."""
    from django.db import transaction

    from branches.models import Instructor, PartyOrganization, SocialOrganization
    from branches.uscc import make_uscc

    with transaction.atomic():
        orgs = []
        for i in range(n):
            org_type = TYPES[i % 3]
            division = DIVISIONS[i % len(DIVISIONS)]
            orgs.append(
                SocialOrganization(
                    committee=committee,
                    name=f"{tag}测试社会组织{i:06d}",
                    org_type=org_type,
                    division_code=division,
                    uscc=make_uscc(f"5{TYPE_DIGIT[org_type]}{division}{tag}{i:07d}"),
                    status="abnormal" if i % 50 == 0 else "active",
                    is_trade_association=i % 9 == 0,
                )
            )
        orgs = SocialOrganization.objects.bulk_create(orgs, batch_size=2000)
        covered = orgs[::4]
        pos = PartyOrganization.objects.bulk_create(
            [PartyOrganization(committee=committee, name=f"{o.name}党支部") for o in covered], batch_size=2000
        )
        Through = PartyOrganization.organizations.through
        Through.objects.bulk_create(
            [
                Through(partyorganization_id=p.pk, socialorganization_id=o.pk)
                for p, o in zip(pos, covered, strict=True)
            ],
            batch_size=2000,
        )
        instructor = Instructor.objects.create(committee=committee, name=f"{tag}指导员")
        IT = Instructor.organizations.through
        IT.objects.bulk_create(
            [IT(instructor_id=instructor.pk, socialorganization_id=o.pk) for o in orgs[1::8]], batch_size=2000
        )
    return orgs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sql", action="store_true", help="print the slowest query of each page")
    args = parser.parse_args()

    with django_database():
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from branches.models import Committee, Role, User

        committee = Committee.objects.create(name="基准测试综合党委")
        other = Committee.objects.create(name="另一综合党委")
        t_build, orgs = timed(build_register, committee, args.orgs, "MA")
        build_register(other, args.orgs // 10, "MB")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"register: {args.orgs:,} organisations (+{args.orgs // 10:,} of another committee), "
            f"built in {t_build:.1f} s"
        )

        staff = User.objects.create_user("bench-staff", role=Role.STAFF, committee=committee, is_staff=True)
        client = Client()
        client.force_login(staff)

        probe = orgs[len(orgs) // 2]
        changelist = "/admin/branches/socialorganization/"
        pages = [
            ("admin: first page", changelist),
            ("admin: page 500", f"{changelist}?p=500"),
            (
                "admin: type=foundation & status=active",
                f"{changelist}?org_type__exact=foundation&status__exact=active",
            ),
            ("admin: region 510107 & not covered", f"{changelist}?division=510107&covered=none"),
            ("admin: search name fragment", f"{changelist}?q={probe.name[-8:]}"),
            ("admin: search exact USCC", f"{changelist}?q={probe.uscc}"),
            ("admin: party organisations", "/admin/branches/partyorganization/"),
            ("site: organisation list", "/register/organizations/"),
            ("site: organisation list, not covered", "/register/organizations/?covered=none"),
            ("site: coverage page", "/register/coverage/"),
        ]
        print()
        print(f"{'page':<40}{'median ms':>10}{'queries':>9}{'slowest query ms':>18}")
        for label, url in pages:
            response = client.get(url)  # warm-up
            assert response.status_code == 200, (url, response.status_code)
            samples = []
            for _ in range(args.repeat):
                t, response = timed(client.get, url)
                samples.append(t)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            slowest = max(float(q["time"]) for q in ctx.captured_queries) * 1000
            if "cl" in (response.context or {}):
                label = f"{label} ({response.context['cl'].result_count:,})"
            print(f"{label:<40}{median_ms(samples):>10.0f}{len(ctx.captured_queries):>9}{slowest:>18.0f}")
            if args.sql:
                print("    " + max(ctx.captured_queries, key=lambda q: float(q["time"]))["sql"][:1500])
        print()
        print(load_note())


if __name__ == "__main__":
    main()
