"""Benchmark: the results workbook of a whole cycle at two sizes, built the way the request used to
build it (the former view's code, kept here as the baseline: whole model rows with their
organisations prefetched, the file in memory, handed to the response) and the way the background
export builds it (a chunk of rows at a time, organisation names only, streamed into a temporary
file, saved to private storage), in one process.

    .venv/bin/python benchmarks/exports.py [--sizes 1000 5000] [--repeat 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/starfire .venv/bin/python benchmarks/exports.py

The data come from `manage.py generate_data`'s machinery (`starfire.generate`): one committee per
size with that many party organisations and submissions (two organisations each, no meetings).
For each size and way it prints the median wall-clock time, the peak of Python's own allocations
while building (tracemalloc, measured in a separate run so that its overhead stays out of the
time), the file's size, and the ratio of peak memory between the largest and the smallest size:
memory that is bounded does not grow with the rows (~1×), memory that holds the file grows with it.
"""

import argparse
import os
import statistics
import tracemalloc

from _django import django_database, load_note, timed


def build(size: int, seed: int):
    from starfire.generate import Plan, generate

    made = generate(
        Plan(organizations=2 * size, party_organizations=size, meetings=0, cycles=1, seed=seed),
        log=lambda _line: None,
    )
    from branches.models import User
    from ratings.models import Cycle

    cycle = Cycle.objects.get(committee_id=made.counts["committee id"])
    staff = User.objects.get(username=f"gen{seed}-staff")
    return cycle, staff


def in_request(cycle, staff):
    """The former view, as it was: submissions with their party organisations' organisations
    prefetched per chunk, a write-only workbook saved into memory, the bytes in the response."""
    from django.http import HttpResponse
    from django.utils.translation import gettext as _

    from core.spreadsheets import new_workbook, workbook_bytes
    from ratings.models import Status, Submission, level_name

    def num(v):
        return float(v) if v is not None else None

    wb = new_workbook(write_only=True)
    ws = wb.create_sheet(_("评星结果"))
    ws.append(
        [_("党组织"), _("覆盖的社会组织"), _("状态"), _("指标得分"), _("加分"), _("减分"), _("总分")]
        + [_("一票否决"), _("上一周期星级"), _("建议星级"), _("星级依据"), _("确定星级"), _("证书编号")]
        + [_("命名状态")]
    )
    subs = (
        Submission.objects.filter(cycle=cycle)
        .select_related("party_organization", "award")
        .prefetch_related("party_organization__organizations")
        .order_by("-total", "party_organization__name")
    )
    for s in subs.iterator(chunk_size=1000):
        award = getattr(s, "award", None)
        ws.append(
            [
                s.party_organization.name,
                "、".join(o.name for o in s.party_organization.organizations.all()),
                str(Status(s.status).label),
                num(s.indicator_total),
                num(s.bonus_total),
                num(s.deduction_total),
                num(s.total),
                _("是") if s.vetoed else _("否"),
                str(level_name(s.previous_level)) if s.previous_level is not None else "—",
                str(level_name(s.proposed_level)) if s.status == Status.REVIEWED else _("未评定"),
                s.level_explanation,
                str(level_name(s.final_level)) if s.finalized_at and s.final_level is not None else "—",
                award.certificate_no if award else "—",
                str(award.public_state_label) if award else "—",
            ]
        )
    response = HttpResponse(workbook_bytes(wb), content_type="application/octet-stream")
    return len(response.content)


def in_background(cycle, staff):
    """The export job: request (tasks run in-process here), build into a temporary file, store."""
    from ratings.models import ExportJob
    from ratings.reports.exports import export_request

    job, _created = export_request(kind=ExportJob.Kind.RESULTS_XLSX, cycle=cycle, by=staff)
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE, job.error
    return job.file.size


WAYS = [("in the request (before)", in_request), ("export job (after)", in_background)]


def peak_bytes(fn, *args) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn(*args)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs=2, default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("CELERY_BROKER_URL", "")  # tasks in-process: the build is measured here
    os.environ.setdefault("EMAIL_URL", "memorymail://")

    with django_database():
        from django.db import connection

        cycles = {}
        for seed, size in enumerate(args.sizes, start=1):
            cycles[size] = build(size, seed)
            print(f"generated: {size:,} submissions (seed {seed})")
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
        print(load_note())
        results = {}
        for size, (cycle, staff) in cycles.items():
            for label, fn in WAYS:
                fn(cycle, staff)  # warm up: templates, translations, imports
                times, file_size = [], 0
                for _ in range(args.repeat):
                    t, file_size = timed(fn, cycle, staff)
                    times.append(t)
                peak = peak_bytes(fn, cycle, staff)
                results[(size, label)] = (statistics.median(times), peak, file_size)
        small, large = args.sizes
        print(f"\n{'submissions':>11}  {'way':<24} {'median s':>8} {'peak MiB':>9} {'file KiB':>9}")
        for (size, label), (t, peak, file_size) in results.items():
            print(f"{size:>11,}  {label:<24} {t:>8.2f} {peak / 2**20:>9.1f} {file_size / 1024:>9.0f}")
        print()
        for label, _fn in WAYS:
            mem = results[(large, label)][1] / results[(small, label)][1]
            tim = results[(large, label)][0] / results[(small, label)][0]
            print(
                f"{label:<24} {large:,} ÷ {small:,} submissions: peak memory {mem:.2f}×, time {tim:.2f}× "
                f"(rows {large / small:.0f}×)"
            )
        before = results[(large, WAYS[0][0])]
        after = results[(large, WAYS[1][0])]
        print(
            f"at {large:,} submissions, export job ÷ in the request: peak memory {after[1] / before[1]:.2f}×, "
            f"time {after[0] / before[0]:.2f}×"
        )


if __name__ == "__main__":
    main()
