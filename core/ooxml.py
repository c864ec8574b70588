"""Word (.docx) and Excel (.xlsx) files checked as what they claim to be, without trusting the zip.

An OOXML file is a zip package: `[Content_Types].xml` declares the type of every part, and one part
is the document itself (word/document.xml, xl/workbook.xml). A file is accepted only when it is
such a package: readable, every part declared, the main part of the right kind present, no
program inside, and small enough once inflated. The sizes are taken from the zip's directory
before anything is inflated, and counted again while the parts are read (a directory can lie).
"""

import posixpath
import struct
import zipfile
import zlib
from xml.etree import ElementTree  # noqa: S405 - parsed only after refusing DTDs and entities below

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CONTENT_TYPES = "[Content_Types].xml"
CT_NAMESPACE = "{http://schemas.openxmlformats.org/package/2006/content-types}"

# extension → (content type of the main part, what the main part is called to a person)
MAIN_PART = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
# Parts that are programs, never found in a document saved by Word, WPS or Excel as .docx/.xlsx.
PROGRAM_SUFFIXES = (
    ".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js", ".jse",
    ".wsf", ".hta", ".jar", ".sh", ".lnk", ".cpl",
)  # fmt: skip
MACRO_PARTS = ("vbaproject.bin", "vbadata.xml")
MAX_PARTS = 10_000
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
SMALL_PART = 1024 * 1024  # below this a part's compression ratio is not judged
CHUNK = 1024 * 1024


def _refuse(name: str, what: str, code: str) -> ValidationError:
    return ValidationError(
        _("文件“%(name)s”不是有效的 Word/Excel 文件：%(what)s") % {"name": name, "what": what}, code=code
    )


def check_ooxml(upload, ext: str, name: str) -> None:
    """Raise a ValidationError naming the file and what is wrong unless `upload` is a sound .docx/.xlsx."""
    kind = "Word（.docx）" if ext == "docx" else "Excel（.xlsx）"
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as package:
            infos = package.infolist()
            _check_directory(infos, name)
            declared = _content_types(package, name)
            _check_parts(infos, declared, ext, kind, name)
            _inflate_all(package, infos, name)
    except (zipfile.BadZipFile, zlib.error, struct.error, ValueError) as exc:
        # a damaged directory or compressed stream: zipfile says so in several ways
        raise _refuse(name, _("压缩包已损坏，无法读取（%(error)s）。") % {"error": exc}, "bad_zip") from exc
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError) as exc:
        raise _refuse(name, _("压缩包无法读取（%(error)s）。") % {"error": exc}, "bad_zip") from exc
    finally:
        upload.seek(0)


def _check_directory(infos: list[zipfile.ZipInfo], name: str) -> None:
    if len(infos) > MAX_PARTS:
        raise _refuse(name, _("包含的部件太多（%(n)d 个）。") % {"n": len(infos)}, "too_many_parts")
    limit, ratio = settings.UPLOAD_MAX_UNZIPPED_BYTES, settings.UPLOAD_MAX_ZIP_RATIO
    total = sum(info.file_size for info in infos)
    if total > limit:
        raise _refuse(
            name,
            _("解压后共 %(size).1f MB，超过上限 %(max).0f MB。")
            % {"size": total / 1048576, "max": limit / 1048576},
            "unzipped_too_large",
        )
    for info in infos:
        part = info.filename
        if info.flag_bits & 0x1:
            raise _refuse(name, _("部件“%(part)s”已加密。") % {"part": part}, "encrypted")
        if part.startswith(("/", "\\")) or ".." in part.replace("\\", "/").split("/"):
            raise _refuse(name, _("部件名“%(part)s”不合规。") % {"part": part}, "bad_part_name")
        if info.file_size > SMALL_PART and info.file_size > ratio * max(info.compress_size, 1):
            raise _refuse(
                name,
                _("部件“%(part)s”的压缩比异常（%(ratio).0f 倍，上限 %(max)d 倍），可能是“压缩炸弹”。")
                % {"part": part, "ratio": info.file_size / max(info.compress_size, 1), "max": ratio},
                "zip_bomb",
            )


def _content_types(package: zipfile.ZipFile, name: str) -> dict[str, dict[str, str]]:
    try:
        info = package.getinfo(CONTENT_TYPES)
    except KeyError:
        raise _refuse(name, _("缺少 [Content_Types].xml。"), "no_content_types") from None
    data = _read(package, info, MAX_CONTENT_TYPES_BYTES, name)
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise _refuse(name, _("[Content_Types].xml 含有不允许的声明。"), "bad_content_types")
    try:
        root = ElementTree.fromstring(data)  # noqa: S314 - no DTD, no entities (refused above)
    except ElementTree.ParseError as exc:
        raise _refuse(name, _("[Content_Types].xml 无法解析。"), "bad_content_types") from exc
    defaults = {
        el.get("Extension", "").lower(): el.get("ContentType", "")
        for el in root.iter(f"{CT_NAMESPACE}Default")
    }
    overrides = {
        el.get("PartName", "").lstrip("/").lower(): el.get("ContentType", "")
        for el in root.iter(f"{CT_NAMESPACE}Override")
    }
    return {"defaults": defaults, "overrides": overrides}


def _check_parts(infos, declared: dict, ext: str, kind: str, name: str) -> None:
    parts = {info.filename.lower() for info in infos if not info.is_dir()}
    mains = [part for part, ctype in declared["overrides"].items() if ctype == MAIN_PART[ext]]
    if not mains:
        raise _refuse(
            name, _("没有声明 %(kind)s 文档的主体部分，不是 %(kind)s 文件。") % {"kind": kind}, "no_main_part"
        )
    if not any(main in parts for main in mains):
        raise _refuse(name, _("声明的主体部分“%(part)s”不存在。") % {"part": mains[0]}, "main_part_missing")
    if "_rels/.rels" not in parts:
        raise _refuse(name, _("缺少部件“_rels/.rels”。"), "no_rels")
    for info in infos:
        if info.is_dir() or info.filename == CONTENT_TYPES:
            continue
        part = info.filename.lower()
        if part.endswith(PROGRAM_SUFFIXES):
            raise _refuse(name, _("含有程序文件“%(part)s”。") % {"part": info.filename}, "program_inside")
        if posixpath.basename(part) in MACRO_PARTS:
            raise _refuse(
                name, _("含有宏（“%(part)s”），请另存为不含宏的文件。") % {"part": info.filename}, "macro"
            )
        base = posixpath.basename(part)
        extension = base.rsplit(".", 1)[1] if "." in base else ""  # "_rels/.rels" → "rels"
        if part not in declared["overrides"] and extension not in declared["defaults"]:
            raise _refuse(
                name,
                _("含有不属于 Word/Excel 文档的内容“%(part)s”。") % {"part": info.filename},
                "undeclared_part",
            )


def _read(package: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, name: str) -> bytes:
    """One part, inflated chunk by chunk, refused as soon as it grows past `limit`."""
    out = bytearray()
    with package.open(info) as stream:
        while chunk := stream.read(CHUNK):
            out += chunk
            if len(out) > limit:
                raise _refuse(
                    name,
                    _("部件“%(part)s”解压后超过 %(max).0f MB。")
                    % {"part": info.filename, "max": limit / 1048576},
                    "unzipped_too_large",
                )
    return bytes(out)


def _inflate_all(package: zipfile.ZipFile, infos, name: str) -> None:
    """Inflate every part once (checking each one's CRC), counting what comes out against the cap."""
    limit = settings.UPLOAD_MAX_UNZIPPED_BYTES
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        with package.open(info) as stream:
            while chunk := stream.read(CHUNK):
                total += len(chunk)
                if total > limit:
                    raise _refuse(
                        name,
                        _("解压后超过上限 %(max).0f MB。") % {"max": limit / 1048576},
                        "unzipped_too_large",
                    )
