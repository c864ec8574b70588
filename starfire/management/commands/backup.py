from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from starfire import backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc on PostgreSQL, a copy on SQLite) and the private files "
        "(tar.gz) into a new folder, with a manifest of row counts and file hashes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, type=Path, help="A new or empty folder for the backup.")

    def handle(self, *args, **options):
        try:
            manifest = backup.backup(options["to"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("备份完成：%(path)s（%(tables)d 个表，%(rows)d 行，%(files)d 个文件）。")
                % {
                    "path": options["to"],
                    "tables": len(manifest["tables"]),
                    "rows": sum(manifest["tables"].values()),
                    "files": len(manifest["files"]),
                }
            )
        )
