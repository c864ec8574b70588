"""Import of 10,000 organisations from .xlsx and .csv: dry run and write, in rows/s.

    .venv/bin/python benchmarks/import_organizations.py            # temporary SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/starfire .venv/bin/python benchmarks/import_organizations.py

Baseline in the same process: a plain bulk_create of the same rows, with the ratio.
"""

import argparse
import csv
import io

from _django import Timing, django_database, load_note, timed

GOALS = {"csv": 5_000, "xlsx": 2_000}  # rows/s end to end, the Scale goals
TYPES = [("1", "社会团体"), ("2", "民办非企业单位（社会服务机构）"), ("3", "基金会")]
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


def generate_rows(n):
    from branches.importing import COLUMNS
    from branches.uscc import make_uscc

    header = [label for _f, label, _a in COLUMNS]
    rows = []
    for i in range(n):
        digit, type_label = TYPES[i % 3]
        division = DIVISIONS[i % len(DIVISIONS)]
        trade = digit == "1" and i % 4 == 0
        rows.append(
            [
                f"四川省测试社会组织{i:06d}",
                make_uscc(f"5{digit}{division}MB{i:07d}"),
                type_label,
                "是" if trade else "否",
                "",
                f"成都市某某路{i}号",
                "正常",
                "是" if i % 2 else "否",
                "是" if i % 3 else "否",
                "是" if i % 5 else "否",
                "否",
                ("是" if i % 8 == 0 else "否") if trade else "",
            ]
        )
    return header, rows


def to_xlsx(header, rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("社会组织")
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_csv(header, rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    with django_database():
        from django.conf import settings
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.db import transaction

        from branches import import_batches, importing
        from starfire.celery import app

        app.conf.task_always_eager = True  # the tasks run in-process, as with no broker
        from branches.models import Committee, ImportBatch, Role, SocialOrganization, User

        settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.rows)
        committee = Committee.objects.create(name="基准测试综合党委")
        user = User.objects.create_user("bench", role=Role.STAFF, committee=committee, is_staff=True)

        header, rows = generate_rows(args.rows)
        t_xlsx, xlsx = timed(to_xlsx, header, rows)
        t_csv, csv_content = timed(to_csv, header, rows)
        print(
            f"rows: {args.rows}; .xlsx {len(xlsx) / 1e6:.1f} MB built in {t_xlsx:.2f} s, "
            f".csv {len(csv_content) / 1e6:.1f} MB in {t_csv:.2f} s"
        )
        print()
        print(f"{'step':<44}{'wall s':>8}{'rows/s':>9}{'cpu s':>8}{'rows/cpu-s':>12}")

        def line(label, t):
            print(f"{label:<44}{t:>8.2f}{args.rows / t:>9,.0f}{t.cpu:>8.2f}{args.rows / t.cpu:>12,.0f}")

        results = {}
        for kind, name, content in (("xlsx", "bench.xlsx", xlsx), ("csv", "bench.csv", csv_content)):
            # The dry run's two parts: read the file, check every row (one uscc__in query per 900
            # codes); the upload below runs them again, as a task.
            t_read, table = timed(importing.read_table, content, name)
            t_check, result = timed(importing.check_rows, table, committee)
            assert result.ok and len(result.rows) == args.rows, result.error_rows[:3]
            t_dry = Timing(t_read + t_check)
            t_dry.cpu = t_read.cpu + t_check.cpu
            line(f"dry run .{kind} (read {t_read:.2f} s + check)", t_dry)

            # End to end, as the pages do it: the upload (format check, the file stored, its dry
            # run queued; the task runs in-process here, as with no broker), then the confirmation:
            # the write task re-checks the stored codes against the database and writes every row
            # with its history and the audit entry in one transaction.
            created_before = SocialOrganization.history.filter(history_type="+").count()  # append-only
            t_upload, (batch, error) = timed(
                import_batches.import_batch_create,
                committee=committee,
                by=user,
                upload=SimpleUploadedFile(name, content),
            )
            assert not error and ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.CHECKED
            line(f"upload .{kind} (store + dry run)", t_upload)
            t_confirm, _b = timed(import_batches.import_batch_confirm, batch=batch, by=user)
            assert SocialOrganization.objects.count() == args.rows
            assert SocialOrganization.history.filter(history_type="+").count() == created_before + args.rows
            assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.IMPORTED
            line(f"confirm .{kind} (re-check codes + write)", t_confirm)
            t_total = Timing(t_upload + t_confirm)
            t_total.cpu = t_upload.cpu + t_confirm.cpu
            line(f"end to end .{kind} (upload + confirm)", t_total)
            results[kind] = (t_confirm, t_total)
            SocialOrganization.objects.all().delete()

        # Baseline: the same rows straight into bulk_create, no file, no checks.
        values = importing.check_rows(importing.read_table(csv_content, "bench.csv"), committee).rows
        objs = []
        for row in values:
            org = SocialOrganization(committee=committee, **row.values)
            org.apply_uscc_defaults()
            objs.append(org)

        def plain():
            with transaction.atomic():
                SocialOrganization.objects.bulk_create(objs, batch_size=1000)

        t_plain, _ = timed(plain)
        assert SocialOrganization.objects.count() == args.rows
        line("baseline: plain bulk_create", t_plain)
        print()
        for kind, (t_confirm, t_total) in results.items():
            print(
                f"end to end .{kind}: {args.rows / t_total:,.0f} rows/s (goal: at least {GOALS[kind]:,}); "
                f"confirm takes {t_confirm / t_plain:.1f}× the plain bulk_create (CPU: {t_confirm.cpu / t_plain.cpu:.1f}×)"
            )
        print(load_note())


if __name__ == "__main__":
    main()
