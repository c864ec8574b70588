import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core import orphans


class Command(BaseCommand):
    help = "Delete private files that no row names (left by a rolled-back transaction or a killed process)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=int,
            default=int(orphans.GRACE.total_seconds() // 3600),
            help="only files older than this many hours (default 24), so uploads in flight are kept",
        )
        parser.add_argument("--dry-run", action="store_true", help="list the files without deleting them")

    def handle(self, *args, hours, dry_run, **options):
        if hours < 0:
            raise CommandError(_("--hours 不能为负数。"))
        names = orphans.sweep_orphaned_files(grace=dt.timedelta(hours=hours), dry_run=dry_run)
        for name in names:
            self.stdout.write(name)
        verb = _("可删除") if dry_run else _("已删除")
        self.stdout.write(_("%(verb)s %(n)s 个无主文件。") % {"verb": verb, "n": len(names)})
