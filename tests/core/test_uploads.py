"""Uploads are opened as what they claim to be: Office packages, pictures (re-encoded), PDFs."""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from openpyxl import Workbook, load_workbook
from PIL import Image

from core.uploads import DOCUMENTS, IMAGES, sniff
from tests.factories import DOCX_CONTENT_TYPES, DOCX_RELS, docx_bytes, jpeg_bytes

XLSX = DOCUMENTS["xlsx"]
DOCX = DOCUMENTS["docx"]


def refused(name, data, allowed=DOCUMENTS) -> str:
    with pytest.raises(ValidationError) as exc:
        sniff(SimpleUploadedFile(name, data), allowed)
    (message,) = exc.value.messages
    assert f"“{name}”" in message  # every refusal names the file
    return message


def zip_of(*parts, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in parts:
            z.writestr(name, data)
    return buf.getvalue()


def openpyxl_xlsx() -> bytes:
    wb = Workbook()
    wb.active.append(["名称", "统一社会信用代码"])
    wb.active.append(["成都市武侯社区发展基金会", "53510000MJ0000000X"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- Office files --------------------------------------------------------------------------


def test_a_workbook_made_by_openpyxl_is_accepted_unchanged():
    data = openpyxl_xlsx()
    upload = SimpleUploadedFile("名单.xlsx", data)
    assert sniff(upload, DOCUMENTS) == XLSX
    assert upload.read() == data
    assert load_workbook(io.BytesIO(data)).active["A2"].value == "成都市武侯社区发展基金会"


def test_a_minimal_word_document_is_accepted():
    assert sniff(SimpleUploadedFile("记录.docx", docx_bytes()), DOCUMENTS) == DOCX


def test_a_zip_holding_only_a_program_under_xl_is_refused():
    message = refused("台账.xlsx", zip_of(("xl/payload.exe", b"MZ\x90\x00" + b"\x00" * 200)))
    assert "[Content_Types].xml" in message


def test_a_program_inside_an_otherwise_sound_package_is_refused():
    types = DOCX_CONTENT_TYPES.replace(
        "</Types>", '<Default Extension="exe" ContentType="application/x"/></Types>'
    )
    data = zip_of(
        ("[Content_Types].xml", types),
        ("_rels/.rels", DOCX_RELS),
        ("word/document.xml", "<w:document/>"),
        ("word/payload.exe", b"MZ" + b"\x00" * 100),
    )
    assert "程序文件“word/payload.exe”" in refused("记录.docx", data)


def test_a_part_the_package_does_not_declare_is_refused():
    data = docx_bytes(extra=[("word/hidden.bin", b"\x00" * 10)])
    assert "不属于 Word/Excel 文档的内容“word/hidden.bin”" in refused("记录.docx", data)


def test_a_word_document_named_xlsx_is_refused():
    assert "没有声明 Excel（.xlsx） 文档的主体部分" in refused("表.xlsx", docx_bytes())


def test_a_declared_main_part_that_is_missing_is_refused():
    data = zip_of(("[Content_Types].xml", DOCX_CONTENT_TYPES), ("_rels/.rels", DOCX_RELS))
    assert "“word/document.xml”不存在" in refused("记录.docx", data)


def test_a_macro_workbook_renamed_xlsx_is_refused():
    data = openpyxl_xlsx()
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = [(i.filename, src.read(i)) for i in src.infolist()]
    types = dict(parts)["[Content_Types].xml"].replace(
        b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
    )
    parts = [(n, types if n == "[Content_Types].xml" else d) for n, d in parts] + [
        ("xl/vbaProject.bin", b"x")
    ]
    assert "含有宏" in refused("宏.xlsx", zip_of(*parts))


def test_a_high_ratio_part_is_refused_as_a_zip_bomb():
    bomb = docx_bytes(extra=[("word/media/padding.xml", b"\x00" * (20 * 1024 * 1024))])
    assert len(bomb) < 100 * 1024  # 20 MB that packs into a few dozen KB
    assert "压缩比异常" in refused("记录.docx", bomb)


def test_a_package_that_inflates_past_the_cap_is_refused_from_its_directory(settings):
    settings.UPLOAD_MAX_ZIP_RATIO = 10_000  # only the total is judged here
    settings.UPLOAD_MAX_UNZIPPED_BYTES = 5 * 1024 * 1024
    big = docx_bytes(extra=[("word/media/padding.xml", b"\x00" * (6 * 1024 * 1024))])
    assert "解压后共 6.0 MB，超过上限 5 MB" in refused("记录.docx", big)


def test_a_directory_that_understates_sizes_is_caught_while_reading(settings):
    # The directory says the big part is 1 KB; inflating stops there and the check finds the lie.
    settings.UPLOAD_MAX_ZIP_RATIO = 10_000
    name = b"word/media/padding.xml"
    data = bytearray(docx_bytes(extra=[(name.decode(), b"\x00" * (2 * 1024 * 1024))]))
    at = data.find(b"PK\x01\x02")  # central directory entries: signature, …, name at offset 46
    while data[at + 46 : at + 46 + len(name)] != name:
        at = data.find(b"PK\x01\x02", at + 4)
    struct.pack_into("<I", data, at + 24, 1024)  # uncompressed size
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        assert z.getinfo(name.decode()).file_size == 1024
    assert "压缩包已损坏" in refused("记录.docx", bytes(data))


def test_a_zip_that_is_not_one_is_refused():
    assert "压缩包已损坏" in refused("表.xlsx", b"PK\x03\x04" + b"\x00" * 100)


def test_a_text_file_named_docx_is_refused():
    assert "内容与扩展名 .docx 不符" in refused("a.docx", b"plain text")


# --- pictures ------------------------------------------------------------------------------


def exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    exif[0x010F] = "Camera maker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (30.0, 39.0, 0.0), "E", (104.0, 4.0, 0.0)
    return exif.tobytes()


def test_a_jpeg_comes_back_without_exif_gps_or_a_trailer_and_the_right_way_up():
    trailer = b"PK\x03\x04 hidden archive after the picture"
    original = jpeg_bytes(size=(40, 20), exif=exif_with_gps(), comment=b"secret") + trailer
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    upload = SimpleUploadedFile("现场.jpg", original)

    assert sniff(upload, IMAGES) == "image/jpeg"

    cleaned = upload.read()
    assert upload.size == len(cleaned) < len(original)
    assert trailer not in cleaned and b"secret" not in cleaned and b"Exif" not in cleaned
    assert cleaned.rstrip(b"\x00").endswith(b"\xff\xd9")  # ends where the JPEG ends
    picture = Image.open(io.BytesIO(cleaned))
    assert picture.format == "JPEG" and not picture.getexif() and "comment" not in picture.info
    assert picture.size == (20, 40)  # the orientation was applied before the EXIF went


def test_a_png_is_re_encoded_without_its_text_chunks_or_trailer():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "hidden")
    buf = io.BytesIO()
    Image.new("RGBA", (5, 5), (1, 2, 3, 128)).save(buf, "PNG", pnginfo=info)
    upload = SimpleUploadedFile("图.png", buf.getvalue() + b"TRAILER")
    assert sniff(upload, IMAGES) == "image/png"
    cleaned = upload.read()
    assert b"hidden" not in cleaned and b"TRAILER" not in cleaned
    assert Image.open(io.BytesIO(cleaned)).getpixel((0, 0)) == (1, 2, 3, 128)


def test_a_large_upload_spooled_to_disk_is_replaced_in_its_file(settings):
    # What storage moves into place for a big upload is the temporary file: it must be the clean one.
    upload = TemporaryUploadedFile("大.jpg", "image/jpeg", 0, None)
    upload.write(jpeg_bytes(size=(30, 30), exif=exif_with_gps()) + b"TRAILER")
    upload.size = upload.tell()
    assert sniff(upload, IMAGES) == "image/jpeg"
    with open(upload.temporary_file_path(), "rb") as fh:
        on_disk = fh.read()
    assert upload.size == len(on_disk) and b"TRAILER" not in on_disk and b"Exif" not in on_disk
    upload.close()


def huge_png(width: int, height: int) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    # A valid header claiming a huge picture; the pixel data is a few bytes (never decoded).
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(20_000, 20_000), (100_000, 100_000)])
def test_a_huge_picture_is_refused_before_it_is_decoded(size):
    message = refused("大图.png", huge_png(*size), IMAGES)
    assert "图片尺寸过大" in message


def test_a_broken_picture_is_refused():
    data = jpeg_bytes()[:40]
    assert "图片已损坏" in refused("坏.jpg", data, IMAGES)


# --- PDF -----------------------------------------------------------------------------------


def test_a_pdf_needs_its_header():
    assert sniff(SimpleUploadedFile("a.pdf", b"%PDF-1.7\n%%EOF\n"), DOCUMENTS) == "application/pdf"
    assert "内容与扩展名 .pdf 不符" in refused("a.pdf", b"<html>%PDF-1.7</html>")


@pytest.mark.parametrize("name", ["记录.docx", "现场.jpg", "图.png"])
def test_damaged_files_are_refused_with_a_message_never_an_error(name):
    # Bytes changed at random and files cut short: always a ValidationError naming the file.
    import random

    buf = io.BytesIO()
    Image.new("P", (30, 30)).save(buf, "PNG", transparency=0)
    exif = Image.Exif()
    exif[0x0112] = 6
    good = {
        "记录.docx": docx_bytes(),
        "现场.jpg": jpeg_bytes(size=(64, 48), exif=exif.tobytes()),
        "图.png": buf.getvalue(),
    }
    rnd = random.Random(20231)
    for _ in range(300):
        data = bytearray(good[name])
        for _ in range(rnd.randint(1, 8)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        if rnd.random() < 0.3:
            data = data[: rnd.randrange(1, len(data))]
        try:
            sniff(SimpleUploadedFile(name, bytes(data)), DOCUMENTS)
        except ValidationError as exc:
            assert f"“{name}”" in exc.messages[0]


def test_a_document_made_for_the_request_is_sent_as_a_private_download():
    from core.uploads import PRIVATE_FILE_CSP, made_file_response

    response = made_file_response(b"%PDF-1.7 ...", "证书 1.pdf", "application/pdf")
    assert response.content == b"%PDF-1.7 ..." and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "filename*=utf-8''" in response[
        "Content-Disposition"
    ].replace("UTF-8", "utf-8")
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == PRIVATE_FILE_CSP
