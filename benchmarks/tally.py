"""Benchmark: the annual star tally over 50,000 organisations, 20,000 party organisations and
5 cycles, next to hand-written SQL GROUP BY queries producing the same numbers, in one process.

    .venv/bin/python benchmarks/tally.py [--orgs 50000] [--party-orgs 20000] [--cycles 5]

Prints both times, the ratio (goal: within 2×) and checks that the figures agree.
"""

import argparse
import random

from _django import django_database, load_note, timed


def build(n_orgs, n_pos, n_cycles):
    from django.utils import timezone

    from branches.models import Committee, PartyOrganization, SocialOrganization
    from branches.uscc import make_uscc
    from ratings.models import Cycle, Status, Submission
    from ratings.rubric.data import create_default_rubric

    rng = random.Random(7)
    committee = Committee.objects.create(name="基准测试综合党委", short_name="基准")
    types = ["association", "private_non_enterprise", "foundation"]
    divisions = ["510000", "510100", "510104", "510107", "510700", "511500", "513400"]
    orgs = []
    for i in range(n_orgs):
        t = types[i % 3]
        orgs.append(
            SocialOrganization(
                committee=committee,
                name=f"组织{i:06d}",
                org_type=t,
                uscc=make_uscc(f"5{'123'[i % 3]}{divisions[i % 7]}MJ{i:07d}"),
                division_code=divisions[i % 7],
            )
        )
    SocialOrganization.objects.bulk_create(orgs, batch_size=5000)
    org_ids = list(SocialOrganization.objects.filter(committee=committee).values_list("pk", flat=True))
    pos = PartyOrganization.objects.bulk_create(
        [PartyOrganization(committee=committee, name=f"党支部{i:06d}") for i in range(n_pos)], batch_size=5000
    )
    through = PartyOrganization.organizations.through
    through.objects.bulk_create(
        [through(partyorganization_id=po.pk, socialorganization_id=org_ids[i]) for i, po in enumerate(pos)],
        batch_size=5000,
    )
    rubric = create_default_rubric(committee)
    at = timezone.now()
    cycles = []
    for k in range(n_cycles):
        cycle = Cycle.objects.create(
            committee=committee,
            year=2020 + k,
            rubric=rubric,
            status=Cycle.Status.OPEN,
            self_assessment_deadline=at,
            inspection_deadline=at,
            review_deadline=at,
        )
        cycles.append(cycle)
        subs = []
        for po in pos:
            r = rng.random()
            if r < 0.05:
                subs.append(Submission(cycle=cycle, party_organization=po, status=Status.DRAFT))
            elif r < 0.07:
                subs.append(
                    Submission(cycle=cycle, party_organization=po, status=Status.REVIEWED, vetoed=True)
                )
            else:
                subs.append(
                    Submission(
                        cycle=cycle,
                        party_organization=po,
                        status=Status.REVIEWED,
                        proposed_level=rng.choice([0, 1, 2, 3, 3, 4, 4, 5]),
                    )
                )
        Submission.objects.bulk_create(subs, batch_size=5000)
    return committee, cycles


SQL_LEVELS = """
SELECT CASE WHEN s.status <> 'reviewed' THEN 'unrated'
            WHEN s.vetoed OR s.proposed_level IS NULL THEN 'vetoed'
            ELSE CAST(s.proposed_level AS TEXT) END AS bucket,
       o.org_type, o.division_code, COUNT(*)
FROM ratings_submission s
JOIN (SELECT partyorganization_id, MIN(socialorganization_id) AS org_id
      FROM branches_partyorganization_organizations GROUP BY partyorganization_id) p
  ON p.partyorganization_id = s.party_organization_id
JOIN branches_socialorganization o ON o.id = p.org_id
WHERE s.cycle_id = %s
GROUP BY 1, 2, 3
"""
SQL_CHANGE = """
SELECT SUM(CASE WHEN a.lvl > b.lvl THEN 1 ELSE 0 END), SUM(CASE WHEN a.lvl = b.lvl THEN 1 ELSE 0 END),
       SUM(CASE WHEN a.lvl < b.lvl THEN 1 ELSE 0 END)
FROM (SELECT party_organization_id, CASE WHEN vetoed OR proposed_level IS NULL THEN -1 ELSE proposed_level END AS lvl
      FROM ratings_submission WHERE cycle_id = %s AND status = 'reviewed') a
JOIN (SELECT party_organization_id, CASE WHEN vetoed OR proposed_level IS NULL THEN -1 ELSE proposed_level END AS lvl
      FROM ratings_submission WHERE cycle_id = %s AND status = 'reviewed') b
  ON a.party_organization_id = b.party_organization_id
"""
SQL_COVERAGE = """
SELECT o.division_code, COUNT(*),
       SUM(CASE WHEN EXISTS (SELECT 1 FROM branches_partyorganization_organizations t
                             JOIN branches_partyorganization p ON p.id = t.partyorganization_id
                             WHERE t.socialorganization_id = o.id AND p.is_active) THEN 1 ELSE 0 END)
FROM branches_socialorganization o WHERE o.committee_id = %s AND o.status <> 'deregistered'
GROUP BY o.division_code
"""


def hand_written(committee_id, cycle_id, previous_id):
    from django.db import connection

    with connection.cursor() as c:
        c.execute(SQL_LEVELS, [cycle_id])
        groups = c.fetchall()
        c.execute(SQL_CHANGE, [cycle_id, previous_id])
        change = c.fetchone()
        c.execute(SQL_COVERAGE, [committee_id])
        coverage = c.fetchall()
    levels = {}
    for bucket, _t, _d, n in groups:
        levels[bucket] = levels.get(bucket, 0) + n
    return levels, change, coverage


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=50_000)
    parser.add_argument("--party-orgs", type=int, default=20_000)
    parser.add_argument("--cycles", type=int, default=5)
    args = parser.parse_args()
    with django_database():
        from django.db import connection

        from ratings.reports.tally import compute_tally

        t_build, (committee, cycles) = timed(build, args.orgs, args.party_orgs, args.cycles)
        if connection.vendor == "postgresql":
            # Fresh tables have no statistics: without them the planner guesses a nested loop for
            # the hand-written baseline and the ratio means nothing.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"built {args.orgs} organisations, {args.party_orgs} party organisations, {args.cycles} cycles "
            f"in {t_build:.1f}s"
        )
        cycle, previous = cycles[-1], cycles[-2]
        runs_app, runs_sql = [], []
        for _ in range(3):
            t_app, data = timed(compute_tally, cycle)
            t_sql, (levels, change, _coverage) = timed(hand_written, committee.pk, cycle.pk, previous.pk)
            runs_app.append(t_app)
            runs_sql.append(t_sql)
        for k in ("5", "4", "3", "2", "1", "0"):
            assert data["levels"][k] == levels.get(k, 0), (k, data["levels"][k], levels.get(k))
        assert data["vetoed"] == levels.get("vetoed", 0) and data["unrated"] == levels.get("unrated", 0)
        assert (data["change"]["promoted"], data["change"]["same"], data["change"]["demoted"]) == tuple(
            change
        )
        best_app, best_sql = min(runs_app), min(runs_sql)
        print(f"compute_tally:        {', '.join(f'{t:.3f}s' for t in runs_app)} (CPU {best_app.cpu:.3f}s)")
        print(f"hand-written GROUP BY: {', '.join(f'{t:.3f}s' for t in runs_sql)} (CPU {best_sql.cpu:.3f}s)")
        print(f"ratio (best runs): {best_app / best_sql:.2f}×  — figures agree; {load_note()}")


if __name__ == "__main__":
    main()
