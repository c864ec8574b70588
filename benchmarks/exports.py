"""Benchmark: the results workbook of a whole cycle at two sizes, built the way the request used to
build it (the whole file in memory, handed to the response) and the way the background export
builds it (streamed into a temporary file, saved to private storage), in one process.

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
    """The former view: the whole workbook built into memory, then the bytes of the response."""
    from django.http import HttpResponse

    from ratings.reports.xlsx import results_xlsx

    response = HttpResponse(results_xlsx(cycle), content_type="application/octet-stream")
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
