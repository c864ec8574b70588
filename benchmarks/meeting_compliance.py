"""Benchmark: a year's meeting compliance for 5,000 branches with 1,000,000 meeting records.

    .venv/bin/python benchmarks/meeting_compliance.py                 # temporary SQLite file
    DATABASE_URL=postgres://… .venv/bin/python benchmarks/meeting_compliance.py

Generates the rows with bulk inserts into a throw-away database, like the other benchmarks (a
temporary SQLite file, or `test_<name>` beside DATABASE_URL's database, created and dropped;
the named database is never touched), then times, in the same process and on the same rows:

1. `meetings.compliance.compliance_summary(ids, year)`: what the overview and the rating use
   (three queries, then the periods, gaps and heat-map cells of every branch in Python);
2. `meetings.compliance.committee_compliance(committee_id, year)`: the same for a committee,
   scoped by a join instead of an id list;
3. a single hand-written SQL aggregate over the same rows, grouped the same way (branch, type,
   local month), fetched, and nothing else: the floor any approach has to pay;

and prints each time (best of --repeat runs) and the ratio to the plain aggregate.
"""

import argparse
import datetime as dt
import random
import time

from _django import django_database


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--branches", type=int, default=5000)
    parser.add_argument("--meetings", type=int, default=1_000_000)
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def generate(n_branches: int, n_meetings: int, year: int):
    from django.db import connection, transaction

    from branches.models import Committee, PartyOrganization
    from meetings.compliance import local_tz
    from meetings.models import Meeting, MeetingType

    name = "基准测试综合党委"
    committee = Committee.objects.filter(name=name).first()
    if committee is not None:
        have_pos = PartyOrganization.objects.filter(committee=committee).count()
        have = Meeting.objects.filter(party_organization__committee=committee).count()
        if have_pos == n_branches and have == n_meetings:
            print(f"reusing {have_pos:,} branches and {have:,} meetings")
            return committee
        raise SystemExit(f"{name} exists with other counts; drop the database or run without --reuse")

    started = time.perf_counter()
    committee = Committee.objects.create(name=name)  # the signal seeds the meeting types
    types = list(MeetingType.objects.filter(committee=committee).order_by("sort_order"))
    weights = {"month": 12, "quarter": 4, "year": 1, "none": 2}
    type_weights = [weights[t.frequency] for t in types]
    PartyOrganization.objects.bulk_create(
        [
            PartyOrganization(committee=committee, name=f"基准党支部{i:05d}", founded_on=dt.date(2015, 1, 1))
            for i in range(n_branches)
        ],
        batch_size=2000,
    )
    po_ids = list(PartyOrganization.objects.filter(committee=committee).values_list("pk", flat=True))
    rng = random.Random(5000)
    tz = local_tz()
    start = dt.datetime(year, 1, 1, tzinfo=tz)
    seconds = int((dt.datetime(year + 1, 1, 1, tzinfo=tz) - start).total_seconds())
    adapt = connection.ops.adapt_datetimefield_value
    table = Meeting._meta.db_table
    columns = (
        "party_organization_id",
        "meeting_type_id",
        "starts_at",
        "place",
        "topic",
        "status",
        "lecturer",
        "lecture_topic",
        "guests",
        "minutes",
        "entitled_count",
        "present_count",
        "quorum_ok",
        "created_at",
        "updated_at",
    )
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    now = adapt(dt.datetime.now(dt.UTC))
    per_branch, extra = divmod(n_meetings, n_branches)
    batch = []
    with transaction.atomic(), connection.cursor() as cursor:
        for i, po_id in enumerate(po_ids):
            for _ in range(per_branch + (1 if i < extra else 0)):
                mt = rng.choices(types, type_weights)[0]
                starts_at = start + dt.timedelta(seconds=rng.randrange(seconds))
                roll = rng.random()
                status = "held" if roll < 0.95 else ("cancelled" if roll < 0.98 else "planned")
                quorum = (rng.random() > 0.07) if mt.requires_quorum else None
                batch.append(
                    (
                        po_id,
                        mt.pk,
                        adapt(starts_at),
                        "会议室",
                        "基准会议",
                        status,
                        "",
                        "",
                        "",
                        "",
                        7,
                        5,
                        quorum,
                        now,
                        now,
                    )
                )
                if len(batch) >= 20_000:
                    cursor.executemany(sql, batch)
                    batch.clear()
        if batch:
            cursor.executemany(sql, batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    print(
        f"generated {len(po_ids):,} branches and {n_meetings:,} meetings in {time.perf_counter() - started:.1f} s"
    )
    return committee


def raw_aggregate(year: int):
    """The same grouping as meetings.compliance.monthly_counts, written by hand, fetched, nothing else."""
    from django.db import connection

    from meetings.compliance import year_bounds

    start, end = year_bounds(year)
    if connection.vendor == "postgresql":
        month = "EXTRACT(MONTH FROM starts_at AT TIME ZONE 'Asia/Shanghai')"
    else:  # Asia/Shanghai has had no daylight saving since 1991: a fixed +8 hours is exact here
        month = "CAST(strftime('%%m', starts_at, '+8 hours') AS INTEGER)"
    sql = (
        f"SELECT party_organization_id, meeting_type_id, {month} AS m, "  # noqa: S608
        "SUM(CASE WHEN quorum_ok IS NULL OR quorum_ok THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN quorum_ok = %s THEN 1 ELSE 0 END) "
        "FROM meetings_meeting WHERE status = 'held' AND starts_at >= %s AND starts_at < %s "
        "GROUP BY party_organization_id, meeting_type_id, m"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [False, adapt(start), adapt(end)])
        return cursor.fetchall()


def best_of(repeat: int, fn):
    """Best wall-clock time and best CPU time of this process (SQLite runs in-process, so its
    work is included; on a loaded machine CPU time is the steadier figure)."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return (min(walls), min(cpus)), result


def main():
    args = parse_args()
    with django_database():
        run(args)


def run(args):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from branches.models import PartyOrganization
    from meetings import compliance

    committee = generate(args.branches, args.meetings, args.year)
    ids = list(PartyOrganization.objects.filter(committee=committee).values_list("pk", flat=True))
    today = dt.date(args.year + 1, 1, 15)  # the whole year is over: every period is met or a gap

    with CaptureQueriesContext(connection) as queries:
        compliance.compliance_summary(ids, args.year, today=today)
    t_summary, summary = best_of(
        args.repeat, lambda: compliance.compliance_summary(ids, args.year, today=today)
    )
    t_committee, _ = best_of(
        args.repeat, lambda: compliance.committee_compliance(committee.pk, args.year, today=today)
    )
    t_counts, counts = best_of(
        args.repeat,
        lambda: compliance.monthly_counts(compliance.branches_of_committee(committee.pk), args.year),
    )
    t_raw, rows = best_of(args.repeat, lambda: raw_aggregate(args.year))

    held = sum(r[3] for r in rows)
    groups = sum(
        1
        for per_po in counts.values()
        for counting, below in per_po.values()
        for n, b in zip(counting, below, strict=True)
        if n or b
    )
    assert groups == len(rows), (groups, len(rows))
    assert sum(t.held for b in summary.values() for t in b.types) <= held
    gaps = sum(b.gap_count for b in summary.values())
    print()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(
        f"rows: {args.meetings:,} meetings, {len(ids):,} branches, year {args.year}; "
        f"{held:,} held meetings counting; {len(rows):,} (branch, type, month) groups; {gaps:,} gaps found"
    )
    print(f"queries per compliance_summary call: {len(queries)}")
    print(f"best of {args.repeat}:                              wall       ratio      cpu    ratio")
    rows_out = [
        (f"compliance_summary({len(ids):,} ids)", t_summary),
        ("committee_compliance(committee)", t_committee),
        ("  of which the ORM aggregate query", t_counts),
        ("single SQL aggregate (hand-written)", t_raw),
    ]
    for label, (wall, cpu) in rows_out:
        print(f"  {label:<40} {wall:8.3f} s {wall / t_raw[0]:6.2f}  {cpu:8.3f} s {cpu / t_raw[1]:6.2f}")


if __name__ == "__main__":
    main()
