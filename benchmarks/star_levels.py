"""Star levels for a cycle of 5,000 submissions × 25 indicators × 2 inspectors (250,000 score rows).

    .venv/bin/python benchmarks/star_levels.py            # temporary SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/starfire .venv/bin/python benchmarks/star_levels.py

Times ratings.cycle_recompute_levels(cycle_id) — averages per indicator, totals, bands,
promotion limit, quotas across the cycle, the explanation, and writing every submission back —
and, in the same process, one SQL aggregate over the same score rows that produces only the
totals; prints both, the ratio, and checks that the totals agree.
"""

import argparse
import datetime as dt
import random
from decimal import Decimal

from _django import django_database, load_note, timed

CATEGORIES = 5  # indicators are spread over this many categories
BANDS = [(5, 95, 10), (4, 85, None), (3, 75, None), (2, 65, None), (1, 60, None)]  # 5★ at most 10 %


def build(n_submissions: int, n_indicators: int, n_inspectors: int, seed: int):
    """Everything the computation reads, written with bulk_create."""
    from django.utils import timezone

    from branches.models import Committee, PartyOrganization, Role, User
    from ratings.models import (
        Cycle,
        Indicator,
        InspectionAssignment,
        InspectionScore,
        Rubric,
        RubricCategory,
        StarBand,
        Status,
        Submission,
    )

    rng = random.Random(seed)
    committee = Committee.objects.create(name="基准测试综合党委", short_name="基准")
    staff = User.objects.create(username="bench-staff", role=Role.STAFF, committee=committee, is_staff=True)
    inspectors = User.objects.bulk_create(
        [
            User(username=f"bench-inspector-{i}", role=Role.INSPECTOR, committee=committee)
            for i in range(n_inspectors)
        ]
    )
    rubric = Rubric.objects.create(committee=committee, version=1, frozen_at=timezone.now())
    categories = RubricCategory.objects.bulk_create(
        [
            RubricCategory(rubric=rubric, code=str(c + 1), title=f"一级指标{c + 1}", order=c + 1)
            for c in range(CATEGORIES)
        ]
    )
    max_score = Decimal(100) / n_indicators  # 4 for 25 indicators: the maxima add up to 100
    max_score = (max_score * 2).to_integral_value() / 2
    indicators = Indicator.objects.bulk_create(
        [
            Indicator(
                category=categories[i % CATEGORIES],
                code=f"{i % CATEGORIES + 1}.{i // CATEGORIES + 1}",
                title=f"二级指标{i + 1}",
                max_score=max_score,
                order=i,
            )
            for i in range(n_indicators)
        ]
    )
    StarBand.objects.bulk_create(
        [
            StarBand(rubric=rubric, level=level, min_total=min_total, quota_percent=quota)
            for level, min_total, quota in BANDS
        ]
    )
    now = timezone.now()
    cycle = Cycle.objects.create(
        committee=committee,
        year=2030,
        rubric=rubric,
        status=Cycle.Status.OPEN,
        opened_at=now,
        self_assessment_deadline=now,
        inspection_deadline=now + dt.timedelta(days=1),
        review_deadline=now + dt.timedelta(days=2),
    )
    pos = PartyOrganization.objects.bulk_create(
        [PartyOrganization(committee=committee, name=f"基准党支部{i:05d}") for i in range(n_submissions)],
        batch_size=2000,
    )
    subs = Submission.objects.bulk_create(
        [
            Submission(cycle=cycle, party_organization=po, status=Status.INSPECTED, inspected_at=now)
            for po in pos
        ],
        batch_size=2000,
    )
    assignments = InspectionAssignment.objects.bulk_create(
        [
            InspectionAssignment(submission=s, inspector=ins, assigned_by=staff, signed_off_at=now)
            for s in subs
            for ins in inspectors
        ],
        batch_size=5000,
    )
    steps = int(max_score * 2)
    rows = []
    for k, a in enumerate(assignments):
        quality = 0.55 + 0.45 * ((k // n_inspectors) % 97) / 96  # spread the submissions over every band
        for ind in indicators:
            half_steps = min(steps, max(0, round(steps * quality + rng.choice((-1, 0, 0, 1)))))
            rows.append(
                InspectionScore(assignment=a, indicator=ind, score=Decimal(half_steps) / 2, recorded_at=now)
            )
        if len(rows) >= 20_000:
            InspectionScore.objects.bulk_create(rows, batch_size=5000)
            rows = []
    InspectionScore.objects.bulk_create(rows, batch_size=5000)
    return cycle


def sql_totals(cycle_id: int) -> dict[int, Decimal]:
    """The totals alone: one aggregate query over the same rows (average per indicator, summed)."""
    from django.db import connection

    from ratings.models import InspectionAssignment, InspectionScore, Submission

    score, assignment, submission = (
        m._meta.db_table for m in (InspectionScore, InspectionAssignment, Submission)
    )
    sql = f"""
        SELECT per_indicator.submission_id, SUM(per_indicator.avg_score)
        FROM (
            SELECT a.submission_id AS submission_id, s.indicator_id, AVG(s.score) AS avg_score
            FROM {score} s
            JOIN {assignment} a ON a.id = s.assignment_id
            JOIN {submission} sub ON sub.id = a.submission_id
            WHERE sub.cycle_id = %s AND s.score IS NOT NULL
            GROUP BY a.submission_id, s.indicator_id
        ) per_indicator
        GROUP BY per_indicator.submission_id
    """  # noqa: S608 (table names come from the models, the value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [cycle_id])
        return {sid: Decimal(str(total)).quantize(Decimal("0.01")) for sid, total in cursor.fetchall()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=5_000)
    parser.add_argument("--indicators", type=int, default=25)
    parser.add_argument("--inspectors", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, the best is reported")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    with django_database():
        from django.db import connection

        from ratings.models import Submission
        from ratings.workflow.levels import cycle_recompute_levels

        n_rows = args.submissions * args.indicators * args.inspectors
        t_build, cycle = timed(build, args.submissions, args.indicators, args.inspectors, args.seed)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"{args.submissions:,} submissions × {args.indicators} indicators × {args.inspectors} inspectors "
            f"= {n_rows:,} score rows, built in {t_build:.1f} s; {load_note()}"
        )

        service_runs, sql_runs = [], []
        for _i in range(args.repeat):
            t, count = timed(cycle_recompute_levels, cycle_id=cycle.pk)
            assert count == args.submissions, count
            service_runs.append(t)
            t, totals = timed(sql_totals, cycle.pk)
            sql_runs.append(t)

        computed = dict(Submission.objects.filter(cycle=cycle).values_list("pk", "indicator_total"))
        differ = [sid for sid, total in totals.items() if computed.get(sid) != total]
        levels = Submission.objects.filter(cycle=cycle).values_list("proposed_level", flat=True)
        by_level = {
            lvl: list(levels).count(lvl) for lvl in sorted({*levels}, key=lambda v: -1 if v is None else v)
        }

        def runs(ts):
            return ", ".join(f"{t:.3f} s (cpu {t.cpu:.3f})" for t in ts)

        best_service, best_sql = min(service_runs), min(sql_runs)
        print(f"cycle_recompute_levels, {args.repeat} runs: {runs(service_runs)}")
        print(f"SQL aggregate (totals only), {args.repeat} runs: {runs(sql_runs)}")
        ratio = f"ratio, best wall-clock: {best_service / best_sql:.2f}×"
        if connection.vendor == "sqlite":  # in-process database: its work is in this process's CPU time
            cpu_ratio = min(t.cpu for t in service_runs) / max(min(t.cpu for t in sql_runs), 1e-6)
            ratio += f"; best cpu of this process: {cpu_ratio:.2f}×"
        print(ratio)
        print(
            "levels: " + ", ".join(f"{'vetoed' if k is None else f'{k}★'} {v}" for k, v in by_level.items())
        )
        if differ or len(totals) != args.submissions:
            print(
                f"TOTALS DIFFER for {len(differ)} submissions (sql rows {len(totals)}), e.g. "
                + ", ".join(f"{sid}: service {computed.get(sid)} sql {totals[sid]}" for sid in differ[:5])
            )
            raise SystemExit(1)
        print(f"totals agree: {len(totals):,} of {args.submissions:,} submissions")


if __name__ == "__main__":
    main()
