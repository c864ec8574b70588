"""An organisation import as a batch: upload, dry run and write, the last two as Celery tasks.

The upload is checked in the request only as far as is cheap (the format, the sheet's declared
size, the rows up to the header); the dry run reads the file once, in a task, and keeps every row
with its errors in `ImportRows`, so that showing the batch never reads the file again. The import
writes those rows, all or nothing, in another task; both record their progress on the batch.
"""

import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from core.bulkhistory import bulk_create_with_copied_history

from . import importing, selectors
from . import uscc as uscc_rules
from .models import Committee, ImportBatch, ImportRows, SocialOrganization, User
from .services import audit_record

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 2000  # rows between two progress records of the dry run


def import_batch_create(*, committee: Committee, by: User, upload) -> tuple[ImportBatch | None, str]:
    """Store the upload and queue its dry run. Returns (batch, "") or (None, what is wrong with the file)."""
    from . import tasks

    content = upload.read()
    try:
        declared_rows = importing.preflight(content, upload.name)
    except importing.ImportFileError as exc:
        return None, str(exc)
    batch = ImportBatch(
        committee=committee,
        uploaded_by=by,
        original_name=upload.name[:200],
        status=ImportBatch.Status.CHECKING,
        progress_total=declared_rows,
    )
    batch.file.save(upload.name, ContentFile(content), save=False)
    with transaction.atomic():  # the batch and its dry run's message: both or neither
        batch.save()
        outbox.send(tasks.check_import_batch, batch.pk)
    return batch, ""


def import_batch_check(*, batch_id: int) -> None:
    """The dry run: read the file once, check every row, keep the rows and their errors."""
    batch = ImportBatch.objects.select_related("committee").get(pk=batch_id)
    if batch.status != ImportBatch.Status.CHECKING:
        return  # done already: a task delivered twice does nothing more

    def progress(done: int) -> None:
        if done % PROGRESS_EVERY == 0:
            _record(batch, progress_done=done, progress_total=max(batch.progress_total, done))

    try:
        with batch.file.open("rb") as fh:
            content = fh.read()
        table = importing.read_table(content, batch.original_name, progress=progress)
        result = importing.check_rows(table, batch.committee)
    except importing.ImportFileError as exc:
        _record(batch, status=ImportBatch.Status.FAILED, message=str(exc))
        return
    except Exception:
        logger.exception("dry run of import batch %s failed", batch.pk)
        _record(
            batch, status=ImportBatch.Status.FAILED, message=_("预检时出错，未写入任何数据，请重新上传。")
        )
        return
    with transaction.atomic():
        ImportRows.objects.update_or_create(
            batch=batch,
            defaults={
                "missing_headers": result.missing_headers,
                "rows": [[r.number, r.values, r.errors] for r in result.rows],
            },
        )
        _record(
            batch,
            status=ImportBatch.Status.CHECKED,
            row_count=len(result.rows),
            error_count=result.error_count + len(result.missing_headers),
            progress_done=len(result.rows),
            progress_total=len(result.rows),
        )


def stored_result(batch: ImportBatch) -> importing.CheckResult | None:
    """The dry run's result as it was kept; None while it runs or when the file was unreadable."""
    parsed = ImportRows.objects.filter(batch=batch).first()
    if parsed is None:
        return None
    return importing.CheckResult(
        rows=[importing.RowResult(number=n, values=v, errors=e) for n, v, e in parsed.rows],
        missing_headers=list(parsed.missing_headers),
    )


def import_batch_confirm(*, batch: ImportBatch, by: User) -> ImportBatch:
    """Queue the import of a clean dry run; the task writes every row or none."""
    from . import tasks

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == ImportBatch.Status.IMPORTING:
            raise ValidationError(_("该文件正在导入，请稍候。"))
        if batch.status != ImportBatch.Status.CHECKED:
            raise ValidationError(_("该文件已经处理过，不能重复导入。"))
        if batch.error_count or not batch.row_count:
            raise ValidationError(_("文件中有错误，未导入任何数据。请按下表修改后重新上传。"))
        _record(
            batch,
            status=ImportBatch.Status.IMPORTING,
            progress_done=0,
            progress_total=batch.row_count,
            message="",
        )
        outbox.send(tasks.write_import_batch, batch.pk, by.pk)
    return batch


def import_batch_write(*, batch_id: int, by: User | None) -> int:
    """Write every row of a confirmed batch in one transaction, or none; returns how many were written.

    The codes are checked against the register again (it may have changed since the dry run); a
    code registered meanwhile sends the batch back to its dry run with that row's error."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != ImportBatch.Status.IMPORTING:
            return 0  # written already, or sent back: a task delivered twice does nothing more
        parsed = ImportRows.objects.get(batch=batch)
        here, elsewhere = selectors.uscc_registered(
            [v["uscc"] for _n, v, _e in parsed.rows], batch.committee_id
        )
        if here or elsewhere:
            for _n, values, errors in parsed.rows:
                if values["uscc"] in here:
                    errors.append(uscc_rules.registered_here(values["uscc"]))
                elif values["uscc"] in elsewhere:
                    errors.append(uscc_rules.not_importable_here())
            parsed.save(update_fields=["rows"])
            _record(
                batch,
                status=ImportBatch.Status.CHECKED,
                error_count=sum(1 for _n, _v, errors in parsed.rows if errors),
                progress_done=0,
                message=_("文件中有错误，未导入任何数据。请按下表修改后重新上传。"),
            )
            return 0
        objs = []
        for _n, values, _e in parsed.rows:
            org = SocialOrganization(committee_id=batch.committee_id, **values)
            org.apply_uscc_defaults()
            objs.append(org)
        bulk_create_with_copied_history(objs, SocialOrganization, user=by)
        _record(
            batch,
            status=ImportBatch.Status.IMPORTED,
            imported_at=timezone.now(),
            progress_done=len(objs),
        )
        audit_record(
            actor=by,
            action="organization.import",
            target=batch,
            after={"rows": len(objs)},
            note=batch.original_name,
        )
    return len(objs)


def import_batch_write_or_reset(*, batch_id: int, by: User | None) -> int:
    """The write task's body: a write that fails leaves nothing written and the batch ready to confirm again."""
    try:
        return import_batch_write(batch_id=batch_id, by=by)
    except Exception:
        logger.exception("import batch %s failed; nothing was written", batch_id)
        batch = ImportBatch.objects.get(pk=batch_id)
        if batch.status == ImportBatch.Status.IMPORTING:
            _record(
                batch,
                status=ImportBatch.Status.CHECKED,
                progress_done=0,
                message=_("导入时出错，未写入任何数据；可以再次确认导入。"),
            )
        return 0


def _record(batch: ImportBatch, **fields) -> None:
    """Record a batch's state and progress (with its row history)."""
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.save(update_fields=list(fields))
