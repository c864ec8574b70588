"""Chinese first; English available through the language switch."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from branches import importing
from core import uploads
from ratings.rubric.workbook import RowError


def test_pages_are_chinese_by_default(staff_client):
    body = staff_client.get(reverse("home")).content.decode()
    assert ">社会组织<" in body and 'lang="zh-hans"' in body


def test_the_language_switch_turns_the_navigation_english(staff_client):
    r = staff_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert r.status_code == 302 and r.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    body = staff_client.get(reverse("home")).content.decode()
    assert ">Social organisations<" in body and 'lang="en"' in body


def test_service_and_file_messages_are_translated():
    upload = SimpleUploadedFile("证明.pdf", b"", content_type="application/pdf")
    error = RowError(sheet="指标", row=3, message="x")
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            uploads.sniff(upload, uploads.DOCUMENTS)
        assert exc.value.messages == ["The file “证明.pdf” is empty."]
        assert str(error) == "Sheet “指标”, row 3: x"
    with translation.override("zh-hans"):
        assert str(error) == "“指标”表第3行：x"


def test_import_row_errors_are_translated(committee):
    table = [["名称", "统一社会信用代码", "状态"], ["", "", "停业"]]
    with translation.override("en"):
        errors = importing.check_rows(table, committee).rows[0].errors
    assert "名称 (name): required, cannot be empty." in errors
    assert "状态 (status): “停业” is not recognised; use 正常, 列入活动异常名录 or 已注销." in errors
