"""Checks for every uploaded file (evidence, photos, meeting attachments): type by content, size."""

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# extension → MIME type as sniffed from the content
DOCUMENTS = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
IMAGES = {k: v for k, v in DOCUMENTS.items() if v.startswith("image/")}
_OOXML_MARKERS = {
    "docx": b"word/",
    "xlsx": b"xl/",
}


def sniff(upload, allowed: dict[str, str]) -> str:
    """Return the checked MIME type of `upload`, or raise a ValidationError that says what is wrong."""
    name = getattr(upload, "name", "") or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kinds = "、".join(sorted({k for k in allowed if k != "jpeg"}))
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”太大（%(size).1f MB），单个文件上限 %(max).0f MB。")
            % {"name": name, "size": upload.size / 1048576, "max": limit / 1048576},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空的。") % {"name": name}, code="empty")
    if ext not in allowed:
        raise ValidationError(
            _("文件“%(name)s”的类型不支持，只能上传：%(kinds)s。") % {"name": name, "kinds": kinds},
            code="bad_type",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guessed = filetype.guess(head)
    mime = guessed.mime if guessed else None
    expected = allowed[ext]
    if ext in _OOXML_MARKERS:
        # docx/xlsx are zip files; filetype may only say "zip", so look for the part that makes them what they are.
        upload.seek(0)
        body = upload.read()
        upload.seek(0)
        ok = mime in (expected, "application/zip") and _OOXML_MARKERS[ext] in body
    else:
        ok = mime == expected
    if not ok:
        raise ValidationError(
            _(
                "文件“%(name)s”的内容与扩展名 .%(ext)s 不符（可能是改了扩展名的其他文件），"
                "请上传真实的 %(kinds)s 文件。"
            )
            % {"name": name, "ext": ext, "kinds": kinds},
            code="content_mismatch",
        )
    return expected


def private_file_response(
    field,
    *,
    content_type: str,
    name: str,
    as_attachment: bool = True,
    cache_control: str = "private, no-store",
    csp: str = "default-src 'none'; sandbox",
):
    """Send a private upload after the calling view has checked access (there is no MEDIA_URL).

    A file missing from storage answers 404, as if the row were outside the user's scope.
    """
    from django.http import FileResponse, Http404

    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type, as_attachment=as_attachment, filename=name)
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = csp
    return response
