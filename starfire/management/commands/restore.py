from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from starfire import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database and private folder, "
        "then check every table's row count and every file's hash against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, type=Path, help="The backup folder.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that has tables and a private folder that has files.",
        )

    def handle(self, *args, **options):
        try:
            manifest = backup.restore(options["source"], force=options["force"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("恢复完成并已核对：%(tables)d 个表，%(rows)d 行，%(files)d 个文件与备份清单一致。")
                % {
                    "tables": len(manifest["tables"]),
                    "rows": sum(manifest["tables"].values()),
                    "files": len(manifest["files"]),
                }
            )
        )
