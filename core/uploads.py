"""Checks for every uploaded file (evidence, photos, meeting attachments): type by content, size,
and the one way to send a private file back.

A file is opened as what its extension claims: a PDF must start with the PDF header; a .docx or
.xlsx must be a sound Office package (`core.ooxml`); a JPEG or PNG is decoded and encoded again
(`core.images`), which drops its metadata and anything appended to it.
"""

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .images import reencode
from .ooxml import check_ooxml
from .storage import is_object_storage

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
OOXML = ("docx", "xlsx")

# What a private file may do once in the browser: nothing (no script, no style, no frame; sandboxed),
# except show itself when it is a picture.
PRIVATE_FILE_CSP = "default-src 'none'; img-src 'self'; sandbox"
INLINE_TYPES = ("image/jpeg", "image/png")


def sniff(upload, allowed: dict[str, str]) -> str:
    """Return the checked MIME type of `upload`, or raise a ValidationError that says what is wrong.

    A picture is replaced in `upload` by its re-encoded self (and `upload.size` follows), so what
    the caller stores next is the cleaned picture.
    """
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
    if ext in OOXML:
        ok = head.startswith(b"PK\x03\x04")
    elif expected == "application/pdf":
        ok = head.startswith(b"%PDF-")
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
    if ext in OOXML:
        check_ooxml(upload, ext, name)
    elif expected in INLINE_TYPES:
        _replace_content(upload, reencode(upload, expected, name))
    return expected


def _replace_content(upload, data: bytes) -> None:
    """Put `data` in place of the upload's bytes, in the same file object (an in-memory buffer or
    the temporary file Django spooled a large upload to), so every way of storing it stores `data`."""
    handle = upload.file
    handle.seek(0)
    handle.truncate()
    handle.write(data)
    handle.flush()
    handle.seek(0)
    upload.size = len(data)


def private_file_response(field, *, content_type: str, name: str, cache_control: str = "private, no-store"):
    """Send a private upload after the calling view has checked access (there is no MEDIA_URL).

    Every private file goes through here: pictures are shown inline, everything else is a download;
    all carry `Content-Disposition` with the original name, `nosniff`, and a sandboxing
    Content-Security-Policy. A file missing from storage answers 404, as if the row were outside
    the user's scope. On object storage with PRIVATE_STORAGE_SIGNED_URL_SECONDS set, the answer is
    a redirect to a link signed for that many seconds, with the same type and disposition.
    """
    from django.http import FileResponse, Http404

    inline = content_type in INLINE_TYPES
    if settings.PRIVATE_STORAGE_SIGNED_URL_SECONDS > 0 and is_object_storage(field.storage):
        return _signed_redirect(field, content_type=content_type, name=name, inline=inline)
    if not field.name:
        raise Http404
    try:
        # Read through the storage (a local file or a stream from object storage), never a path.
        handle = field.storage.open(field.name, "rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=name)
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PRIVATE_FILE_CSP
    return response


def _signed_redirect(field, *, content_type: str, name: str, inline: bool):
    """A redirect to a short-lived signed link on object storage, issued only after the view's check."""
    from django.http import HttpResponseRedirect
    from django.utils.http import content_disposition_header

    if not field.name or not field.storage.exists(field.name):
        from django.http import Http404

        raise Http404
    url = field.storage.url(
        field.name,
        parameters={
            "ResponseContentType": content_type,
            "ResponseContentDisposition": content_disposition_header(not inline, name),
            "ResponseCacheControl": "private, no-store",
        },
        expire=settings.PRIVATE_STORAGE_SIGNED_URL_SECONDS,
    )
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"
    return response


def made_file_response(content: bytes, filename: str, content_type: str):
    """Send a private document made for this request (a certificate, the printed pack) as a
    download, after the calling view has checked access: the headers of a private file, never cached."""
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PRIVATE_FILE_CSP
    return response
