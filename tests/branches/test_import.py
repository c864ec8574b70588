"""Import of organisations: a dry run that shows every row with its errors, then all or nothing.

Both run as Celery tasks queued when the request's transaction commits. The test's own transaction
never commits, so `after_commit()` runs what a request queued once it has answered, as a worker
would (Celery is eager in the tests)."""

import csv
import io
import re
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.query import QuerySet
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from branches import importing, tasks
from branches.models import AuditEntry, ImportBatch, ImportRows, OrgStatus, OrgType, SocialOrganization
from branches.uscc import make_uscc
from tests import factories
from tests.formtoken import token_in
from tests.xlsx_checks import cells_of

pytestmark = pytest.mark.django_db

HEADER = ["名称", "统一社会信用代码", "组织类型", "行业协会商会", "行政区划代码", "住所", "状态"]
CODE = {n: make_uscc(f"51510107MK{n:07d}") for n in range(1, 10)}  # 社会团体, 武侯区 (not a factory code)
FOUNDATION = make_uscc("53510104MJ0000001")  # 基金会, 锦江区
MARKET = "91350100M000100Y43"  # not civil affairs: the type must be given


def clean_rows():
    return [
        ["成都市软件行业协会", CODE[1], "", "是", "", "武侯区一号", "正常"],
        ["成都市武侯社区发展基金会", FOUNDATION, "基金会", "否", "", "", ""],
        ["福建某服务中心", MARKET, "民办非企业单位（社会服务机构）", "", "", "", "活动异常"],
        ["成都市老年协会", f" {CODE[2].lower()} ", "社会团体", "", "510100", "", ""],
    ]


def bad_rows(existing_code):
    return [
        ["正确的协会", CODE[3], "", "", "", "", ""],  # row 2
        [
            "校验码错误的协会",
            CODE[4][:17] + ("0" if CODE[4][17] != "0" else "1"),
            "",
            "",
            "",
            "",
            "",
        ],  # row 3
        ["与第二行重复", CODE[3], "", "", "", "", ""],  # row 4
        ["库里已有的协会", existing_code, "", "", "", "", ""],  # row 5
        ["类型不认识", MARKET, "公司", "", "", "", ""],  # row 6
        ["", CODE[5], "", "", "", "", ""],  # row 7: no name
        ["类型与代码不符", CODE[6], "基金会", "", "", "", ""],  # row 8
        ["长度不对", "5151010", "", "", "", "", ""],  # row 9
        ["非民政代码缺类型", make_uscc("92510107MJ0000001"), "", "", "", "", ""],  # row 10
    ]


def xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, encoding, header=HEADER) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


class _Queued:
    capture = None


@pytest.fixture(autouse=True)
def _tasks_run_after_each_request(django_capture_on_commit_callbacks):
    _Queued.capture = django_capture_on_commit_callbacks
    yield
    _Queued.capture = None


def after_commit():
    return _Queued.capture(execute=True)


def upload(client, name, content):
    with after_commit():
        return client.post(reverse("branches:import"), {"file": SimpleUploadedFile(name, content)})


def dry_run(client, name, content):
    response = upload(client, name, content)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    batch = ImportBatch.objects.latest("pk")
    assert response["Location"] == reverse("branches:import-batch", args=[batch.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    return batch, page


def confirm(client, batch):
    with after_commit():
        return client.post(reverse("branches:import-confirm", args=[batch.pk]))


def batch_page(client, batch, **params):
    return client.get(reverse("branches:import-batch", args=[batch.pk]), params)


FILES = {
    "xlsx": lambda rows: ("组织.xlsx", xlsx(rows)),
    "csv-utf8-bom": lambda rows: ("组织.csv", csv_bytes(rows, "utf-8-sig")),
    "csv-gbk": lambda rows: ("组织.csv", csv_bytes(rows, "gbk")),
    "csv-gb18030": lambda rows: ("组织.csv", csv_bytes(rows, "gb18030")),
}


def test_the_encodings_really_differ():
    rows = clean_rows()
    assert csv_bytes(rows, "utf-8-sig").startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        csv_bytes(rows, "gbk").decode("utf-8")


@pytest.mark.parametrize("kind", list(FILES))
def test_the_dry_run_shows_every_row_with_its_errors(staff_client, committee, other_committee, kind):
    existing = factories.SocialOrganizationFactory(committee=other_committee)
    before = SocialOrganization.objects.count()
    name, content = FILES[kind](bad_rows(existing.uscc))
    batch, page = dry_run(staff_client, name, content)

    result = page.context["result"]
    errors = {row.number: row.errors for row in result.rows}
    assert list(errors) == list(range(2, 11))  # every row, numbered as in the spreadsheet
    assert errors[2] == []
    wrong_check = CODE[4][:17] + ("0" if CODE[4][17] != "0" else "1")
    assert errors[3] == [
        f"统一社会信用代码校验码错误：按前17位计算，第18位应为“{CODE[4][17]}”，实际为“{wrong_check[17]}”。"
    ]
    assert errors[4] == ["统一社会信用代码与第2行重复。"]
    assert errors[5] == ["该统一社会信用代码不能在此导入，请联系登记管理部门。"]  # another committee's
    assert errors[6] == [
        "组织类型：无法识别“公司”，应为社会团体、民办非企业单位（社会服务机构）、基金会或其他。"
    ]
    assert errors[7] == ["名称：必填，不能为空。"]
    assert errors[8] == ["组织类型：“基金会”与统一社会信用代码第2位（1）表示的“社会团体”不符。"]
    assert errors[9] == ["统一社会信用代码应为18位，当前为7位。"]
    assert errors[10] == ["组织类型：统一社会信用代码不由民政部门登记，必须填写组织类型。"]
    assert not result.ok

    html = page.content.decode()
    assert "共 9 行，其中 8 行有错误。" in html
    for messages in errors.values():
        for message in messages:
            assert message.replace("“", "&ldquo;") in html or message in html
    assert 'id="confirm-import"' not in html  # no confirm button with errors

    # nothing written by the dry run
    assert SocialOrganization.objects.count() == before
    batch.refresh_from_db()
    assert (batch.status, batch.row_count, batch.error_count) == (ImportBatch.Status.CHECKED, 9, 8)


def test_only_the_error_rows_on_request(staff_client, committee):
    batch, _page = dry_run(staff_client, "组织.xlsx", xlsx(bad_rows(CODE[9])))
    page = staff_client.get(reverse("branches:import-batch", args=[batch.pk]), {"errors": "1"})
    assert [r.number for r in page.context["page"]] == [3, 4, 6, 7, 8, 9, 10]


def test_the_rows_of_a_large_file_are_paged_and_the_error_filter_is_kept(staff_client, committee):
    from branches.views import IMPORT_ROWS_PER_PAGE

    n = IMPORT_ROWS_PER_PAGE + 20
    rows = [[f"分页测试协会{i:04d}", "5151010700000000X", "", "", "", "", ""] for i in range(n)]
    batch, page = dry_run(staff_client, "组织.xlsx", xlsx(rows))  # every row has a bad code
    assert len(page.context["page"].object_list) == IMPORT_ROWS_PER_PAGE
    url = reverse("branches:import-batch", args=[batch.pk])
    assert "?errors=1&page=2" in staff_client.get(url, {"errors": "1"}).content.decode()
    second = staff_client.get(url, {"errors": "1", "page": 2})
    assert [r.number for r in second.context["page"]] == list(range(IMPORT_ROWS_PER_PAGE + 2, n + 2))


def test_confirming_a_file_with_errors_writes_nothing(staff_client, committee):
    batch, _page = dry_run(staff_client, "组织.xlsx", xlsx(bad_rows(CODE[9])))
    response = confirm(staff_client, batch)
    assert response.status_code == 302
    assert not SocialOrganization.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED


@pytest.mark.parametrize("kind", list(FILES))
def test_confirming_a_clean_file_writes_every_row(staff_client, staff_user, committee, kind):
    name, content = FILES[kind](clean_rows())
    batch, page = dry_run(staff_client, name, content)
    assert page.context["result"].ok
    assert 'id="confirm-import"' in page.content.decode()
    assert not SocialOrganization.objects.exists()

    response = confirm(staff_client, batch)
    assert response.status_code == 302
    assert response["Location"] == reverse("branches:import-batch", args=[batch.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["正在导入，完成后本页显示结果。"]
    assert "导入 4 行" in batch_page(staff_client, batch).content.decode()  # the task has run

    orgs = {o.name: o for o in SocialOrganization.objects.filter(committee=committee)}
    assert len(orgs) == SocialOrganization.objects.count() == 4
    software = orgs["成都市软件行业协会"]
    assert (
        software.uscc,
        software.org_type,
        software.division_code,
        software.is_trade_association,
        software.address,
        software.status,
    ) == (CODE[1], OrgType.ASSOCIATION, "510107", True, "武侯区一号", OrgStatus.ACTIVE)
    foundation = orgs["成都市武侯社区发展基金会"]
    assert (foundation.org_type, foundation.division_code) == (OrgType.FOUNDATION, "510104")
    market = orgs["福建某服务中心"]
    assert (market.org_type, market.division_code, market.status) == (
        OrgType.PRIVATE_NON_ENTERPRISE,
        "350100",
        OrgStatus.ABNORMAL,
    )
    elderly = orgs["成都市老年协会"]
    assert (elderly.uscc, elderly.division_code) == (CODE[2], "510100")  # normalised code, given division
    # each row with its creation record, by whoever confirmed, holding the values stored
    for org in orgs.values():
        [created] = org.history.all()
        assert (created.history_type, created.history_user, created.name, created.uscc) == (
            "+",
            staff_user,
            org.name,
            org.uscc,
        )

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED and batch.imported_at is not None
    entry = AuditEntry.objects.get(action="organization.import")
    assert (entry.actor, entry.committee_id, entry.after, entry.target_id) == (
        staff_user,
        committee.pk,
        {"rows": 4},
        str(batch.pk),
    )


def test_confirm_rechecks_the_database(staff_client, committee, other_committee):
    batch, page = dry_run(staff_client, "组织.xlsx", xlsx(clean_rows()))
    assert page.context["result"].ok
    # Someone registers one of the codes between the dry run and the confirmation.
    factories.SocialOrganizationFactory(
        committee=other_committee, uscc=FOUNDATION, org_type=OrgType.FOUNDATION
    )
    response = confirm(staff_client, batch)
    assert response.status_code == 302
    assert response["Location"] == reverse("branches:import-batch", args=[batch.pk])
    assert SocialOrganization.objects.filter(committee=committee).count() == 0
    batch.refresh_from_db()
    assert (batch.status, batch.error_count) == (ImportBatch.Status.CHECKED, 1)
    html = batch_page(staff_client, batch).content.decode()
    assert "文件中有错误，未导入任何数据" in html
    assert "该统一社会信用代码不能在此导入，请联系登记管理部门。" in html
    assert 'id="confirm-import"' not in html


def test_confirming_twice_is_refused(staff_client, committee):
    batch, _page = dry_run(staff_client, "组织.xlsx", xlsx(clean_rows()))
    confirm(staff_client, batch)
    assert SocialOrganization.objects.count() == 4
    response = confirm(staff_client, batch)
    assert response["Location"] == reverse("branches:import-batch", args=[batch.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)][-1] == "该文件已经处理过，不能重复导入。"
    assert SocialOrganization.objects.count() == 4
    assert AuditEntry.objects.filter(action="organization.import").count() == 1
    assert "已于" in staff_client.get(reverse("branches:import-batch", args=[batch.pk])).content.decode()


def test_a_failure_in_the_middle_of_the_write_writes_nothing(staff_client, committee, monkeypatch):
    rows = [[f"协会{n}", make_uscc(f"51510107MJ{n:07d}"), "", "", "", "", ""] for n in range(100, 130)]
    batch, page = dry_run(staff_client, "组织.xlsx", xlsx(rows))
    assert page.context["result"].ok
    original = QuerySet.bulk_create
    calls = []

    def half_then_fail(self, objs, *args, **kwargs):
        objs = list(objs)
        original(self, objs[: len(objs) // 2], *args, **kwargs)  # really written, inside the transaction
        calls.append(SocialOrganization.objects.count())
        raise RuntimeError("disk full")

    monkeypatch.setattr(QuerySet, "bulk_create", half_then_fail)
    confirm(staff_client, batch)
    assert calls == [15]
    assert SocialOrganization.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED  # can be confirmed again
    assert "导入时出错，未写入任何数据" in batch_page(staff_client, batch).content.decode()
    assert not AuditEntry.objects.filter(action="organization.import").exists()


# --- files that cannot be read ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("组织.xlsx", b"PK\x03\x04 this is not really a workbook", "文件无法作为 Excel (.xlsx) 读取"),
        ("组织.xlsx", b"\x00\x01\x02" * 100, "文件无法作为 Excel (.xlsx) 读取"),
        ("组织.xlsx", csv_bytes(clean_rows(), "utf-8"), "文件无法作为 Excel (.xlsx) 读取"),
        ("组织.txt", csv_bytes(clean_rows(), "utf-8"), "只支持 .xlsx 或 .csv 文件"),
        ("组织.xls", b"\xd0\xcf\x11\xe0", "只支持 .xlsx 或 .csv 文件"),
        ("组织.csv", b"", "所提交的是空文件"),
        ("组织.csv", b"\n\n\n", "文件是空的"),
        ("组织.csv", b"\xff\xfe\x00\x00\x81\x30\x81", "CSV"),
    ],
)
def test_an_unreadable_file_is_a_form_error(staff_client, name, content, message):
    response = upload(staff_client, name, content)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("file", []))
    assert message in errors
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


@override_settings(UPLOAD_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused(staff_client):
    content = csv_bytes(clean_rows() * 20, "utf-8-sig")
    assert len(content) > 1000
    response = upload(staff_client, "组织.csv", content)
    assert response.status_code == 200
    assert "文件太大" in " ".join(response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists()


@override_settings(IMPORT_MAX_ROWS=3)
def test_a_file_with_too_many_rows_is_refused(staff_client):
    response = upload(staff_client, "组织.xlsx", xlsx(clean_rows()))
    assert response.status_code == 200
    assert "文件超过 3 行" in " ".join(response.context["form"].errors["file"])


def test_missing_required_headers_are_named(staff_client):
    batch, page = dry_run(
        staff_client, "组织.csv", csv_bytes([["某协会", "510107"]], "utf-8-sig", header=["组织名", "区划"])
    )
    assert page.context["result"].missing_headers == ["名称", "统一社会信用代码"]
    assert "表头缺少必需的列：名称、统一社会信用代码" in page.content.decode()
    assert confirm(staff_client, batch).status_code == 302
    assert not SocialOrganization.objects.exists()


def test_header_aliases_and_blank_lines(staff_client):
    text = csv_bytes(
        [["某协会", CODE[7]], [], ["", ""], ["另一协会", CODE[8]]],
        "utf-8",
        header=["社会组织名称", "信用代码"],
    ).decode()
    _batch, page = dry_run(staff_client, "组织.csv", ("\r\n" + text).encode("utf-8-sig"))
    assert [(r.number, r.values["name"]) for r in page.context["result"].rows] == [
        (3, "某协会"),
        (6, "另一协会"),
    ]


@pytest.mark.parametrize(
    "row, error",
    [
        (["某协会", CODE[7], "", "也许", "", "", ""], "行业协会商会：应填“是”或“否”，而不是“也许”。"),
        (["某协会", CODE[7], "", "", "5101", "", ""], "行政区划代码：应为6位数字，而不是“5101”。"),
        (["某协会", CODE[7], "", "", "", "", "休眠"], "状态：无法识别“休眠”"),
        (["某协会", CODE[7], "", "", "", "地" * 301, ""], "住所：不能超过300个字符。"),
        (["某" * 201, CODE[7], "", "", "", "", ""], "名称：不能超过200个字符。"),
        (["某协会", "", "", "", "", "", ""], "统一社会信用代码：必填，不能为空。"),
        (["某协会", CODE[7][:8] + "I" + CODE[7][9:], "", "", "", "", ""], "第9位“I”不是合法字符"),
    ],
)
def test_other_row_errors(committee, row, error):
    result = importing.check_rows([HEADER, row], committee)
    assert any(error in e for e in result.rows[0].errors), result.rows[0].errors


def test_candidate_vetting_only_for_trade_associations(committee):
    header = HEADER + ["负责人人选审核"]
    result = importing.check_rows(
        [
            header,
            ["行业协会", CODE[1], "", "是", "", "", "", "是"],
            ["普通协会", CODE[2], "", "否", "", "", "", "是"],
            ["普通协会2", CODE[3], "", "否", "", "", "", ""],
        ],
        committee,
    )
    assert [r.errors for r in result.rows] == [[], ["负责人人选审核：只有行业协会商会填写。"], []]
    assert [r.values["candidates_vetted"] for r in result.rows] == [True, True, None]


def test_a_code_whose_positions_3_to_8_are_not_a_division_needs_one(committee, staff_user):
    code = make_uscc("51ABCDEFMJ0000001")  # a valid code: positions 3–8 may be letters
    result = importing.check_rows([HEADER, ["字母区划协会", code, "", "", "", "", ""]], committee)
    assert result.rows[0].errors and "行政区划代码" in result.rows[0].errors[0]
    result = importing.check_rows([HEADER, ["字母区划协会", code, "", "", "510107", "", ""]], committee)
    assert result.rows[0].errors == []


# --- the template ------------------------------------------------------------------------------------


def test_the_template_opens_with_openpyxl_and_has_the_header(staff_client):
    response = staff_client.get(reverse("branches:import-template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == [label for _f, label, _a in importing.COLUMNS]
    assert rows[0][:2] == ("名称", "统一社会信用代码")
    assert "填写说明" in wb.sheetnames


def test_the_template_itself_passes_the_dry_run(staff_client):
    content = staff_client.get(reverse("branches:import-template")).content
    _batch, page = dry_run(staff_client, "template.xlsx", content)
    result = page.context["result"]
    assert result.ok and len(result.rows) == 1


def test_a_double_submitted_confirmation_imports_once(staff_client, committee):
    batch, page = dry_run(staff_client, "组织.xlsx", xlsx(clean_rows()))
    token = token_in(page)
    url = reverse("branches:import-confirm", args=[batch.pk])
    with after_commit():
        first = staff_client.post(url, {"form_token": token})
    count = SocialOrganization.objects.count()
    with after_commit():
        second = staff_client.post(url, {"form_token": token})
    assert first.url == second.url == reverse("branches:import-batch", args=[batch.pk])
    assert count > 0 and SocialOrganization.objects.count() == count
    assert "该表单已经提交过" in " ".join(str(m) for m in get_messages(second.wsgi_request))


# --- codes registered elsewhere ---------------------------------------------------------------------


def test_a_code_of_another_committee_is_refused_without_saying_it_exists(
    staff_client, committee, other_committee
):
    theirs = factories.SocialOrganizationFactory(committee=other_committee, name="别的党委的协会")
    ours = factories.SocialOrganizationFactory(committee=committee)
    _batch, page = dry_run(
        staff_client,
        "组织.xlsx",
        xlsx([["甲协会", theirs.uscc, "", "", "", "", ""], ["乙协会", ours.uscc, "", "", "", "", ""]]),
    )
    errors = {row.number: row.errors for row in page.context["result"].rows}
    assert errors[2] == ["该统一社会信用代码不能在此导入，请联系登记管理部门。"]
    assert errors[3] == [f"统一社会信用代码 {ours.uscc} 已在本综合党委登记，不能重复导入。"]
    html = page.content.decode()
    for hint in ("已登记", "别的党委的协会", other_committee.name, "其他综合党委"):
        assert hint not in html.replace("已在本综合党委登记", "")


def test_the_other_committee_sees_the_same_code_as_its_own(
    login, committee, other_committee, other_staff_user
):
    ours = factories.SocialOrganizationFactory(committee=committee)
    _batch, page = dry_run(
        login(other_staff_user), "组织.xlsx", xlsx([["甲协会", ours.uscc, "", "", "", "", ""]])
    )
    assert page.context["result"].rows[0].errors == ["该统一社会信用代码不能在此导入，请联系登记管理部门。"]


def test_the_template_has_no_formula(staff_client):
    values = cells_of(staff_client.get(reverse("branches:import-template")).content)
    assert "名称" in values


# --- bounded, and off the request ---------------------------------------------------------------------


def with_dimension(content: bytes, ref: str | None) -> bytes:
    """The workbook with its sheet's declared range (``<dimension ref=…/>``) replaced, or removed."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                new = b"" if ref is None else f'<dimension ref="{ref}"/>'.encode()
                data, found = re.subn(rb'<dimension ref="[^"]*"\s*/>', new, data)
                assert found == 1
            target.writestr(item, data)
    return out.getvalue()


def wide(columns, rows=3):
    header = HEADER + [f"备注{i}" for i in range(columns - len(HEADER))]
    return xlsx([[f"值{r}-{c}" for c in range(columns)] for r in range(rows)], header=header)


def test_a_sheet_declared_too_wide_is_refused_at_upload_unread(staff_client):
    response = upload(staff_client, "组织.xlsx", wide(100))
    assert response.status_code == 200
    assert "工作表有 100 列，超过上限 50 列" in " ".join(response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists()


@override_settings(IMPORT_MAX_CELLS=30)
def test_a_sheet_declared_with_too_many_cells_is_refused_at_upload(staff_client):
    response = upload(staff_client, "组织.xlsx", xlsx(clean_rows()))  # 7 columns × 5 rows
    assert "文件超过 30 个单元格" in " ".join(response.context["form"].errors["file"])


@pytest.mark.parametrize(
    "settings_, ref, message",
    [
        ({"IMPORT_MAX_COLUMNS": 10}, None, "第 2 行有 11 列，超过上限 10 列"),
        ({"IMPORT_MAX_COLUMNS": 10}, "A1:B2", "第 2 行有 11 列，超过上限 10 列"),
        ({"IMPORT_MAX_ROWS": 2}, None, "文件超过 2 行"),
        ({"IMPORT_MAX_CELLS": 25}, "A1", "文件超过 25 个单元格"),
    ],
)
def test_a_sheet_that_hides_its_size_is_refused_while_it_is_read(staff_client, settings_, ref, message):
    rows = clean_rows()
    rows[0] = rows[0] + ["", "", "", "多出的一列"]  # 11 columns in row 2
    with override_settings(**settings_):
        batch, page = dry_run(staff_client, "组织.xlsx", with_dimension(xlsx(rows, header=HEADER), ref))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert message in batch.message and message in page.content.decode()
    assert not ImportRows.objects.filter(batch=batch).exists()
    assert not SocialOrganization.objects.exists()


def test_rows_past_a_declared_range_are_read_not_dropped(staff_client):
    _batch, page = dry_run(staff_client, "组织.xlsx", with_dimension(xlsx(clean_rows()), "A1:B2"))
    result = page.context["result"]
    assert result.ok and [r.values["address"] for r in result.rows][0] == "武侯区一号"
    assert len(result.rows) == 4


@pytest.mark.parametrize(
    "settings_, content, message",
    [
        ({"IMPORT_MAX_CELLS": 20}, csv_bytes(clean_rows(), "utf-8"), "文件超过 20 个单元格"),
        ({}, csv_bytes([["某协会", "x" * 200_000]], "utf-8"), "CSV 文件第 2 行无法读取"),
    ],
)
def test_a_csv_over_a_limit_is_refused_while_it_is_read(staff_client, settings_, content, message):
    with override_settings(**settings_):
        batch, page = dry_run(staff_client, "组织.csv", content)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and message in batch.message


def test_the_page_shows_the_progress_until_the_dry_run_has_run(staff_client):
    response = staff_client.post(  # the dry run is queued, not run: no worker has picked it up yet
        reverse("branches:import"), {"file": SimpleUploadedFile("组织.xlsx", xlsx(clean_rows()))}
    )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("branches:import-batch", args=[batch.pk])
    assert (batch.status, batch.progress_done, batch.progress_total) == (ImportBatch.Status.CHECKING, 0, 4)
    html = batch_page(staff_client, batch).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html  # refreshes itself, no script
    assert "预检中" in html and "已处理 0 / 4 行" in html and 'id="confirm-import"' not in html

    tasks.check_import_batch(batch.pk)
    html = batch_page(staff_client, batch).content.decode()
    assert 'http-equiv="refresh"' not in html
    assert 'id="confirm-import"' in html and "共 4 行，其中 0 行有错误。" in html


def test_the_tasks_do_nothing_more_when_run_twice(staff_client, staff_user, committee):
    batch, _page = dry_run(staff_client, "组织.xlsx", xlsx(clean_rows()))
    history = batch.history.count()
    tasks.check_import_batch(batch.pk)
    assert batch.history.count() == history
    confirm(staff_client, batch)
    assert tasks.write_import_batch(batch.pk, staff_user.pk) == 0
    assert SocialOrganization.objects.count() == 4
    assert AuditEntry.objects.filter(action="organization.import").count() == 1


@pytest.mark.usefixtures("private_storage_backend")
def test_showing_and_importing_a_batch_never_read_the_file_again(staff_client, committee):
    batch, _page = dry_run(staff_client, "组织.xlsx", xlsx(clean_rows()))
    batch.file.storage.delete(batch.file.name)  # anything that still read the file would fail now
    page = batch_page(staff_client, batch)
    assert page.context["result"].ok and len(page.context["rows"]) == 4
    confirm(staff_client, batch)
    assert SocialOrganization.objects.filter(committee=committee).count() == 4


def test_the_rows_are_shown_a_page_at_a_time(staff_client, monkeypatch):
    from branches import views

    monkeypatch.setattr(views, "IMPORT_ROWS_PER_PAGE", 3)
    batch, page = dry_run(staff_client, "组织.xlsx", xlsx(bad_rows(CODE[9])))
    assert [r.number for r in page.context["rows"]] == [2, 3, 4]
    second = batch_page(staff_client, batch, page=2)
    assert [r.number for r in second.context["rows"]] == [5, 6, 7]
    assert "共 9 行，其中 7 行有错误。" in second.content.decode()


@pytest.mark.usefixtures("private_storage_backend")
@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_tasks_run_in_the_request(client, committee):
    """The embedded default: each task runs as soon as its request's transaction commits."""
    staff = factories.StaffUserFactory(committee=committee, username="staff-eager")
    client.force_login(staff)
    response = client.post(
        reverse("branches:import"), {"file": SimpleUploadedFile("组织.csv", csv_bytes(clean_rows(), "utf-8"))}
    )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.CHECKED and batch.row_count == 4
    page = client.get(response["Location"])
    response = client.post(
        reverse("branches:import-confirm", args=[batch.pk]), {"form_token": token_in(page)}
    )
    assert response["Location"] == reverse("branches:organization-list")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["已导入 4 个社会组织。"]
    assert SocialOrganization.objects.filter(committee=committee).count() == 4


@override_settings(IMPORT_MAX_CELLS=100)
def test_a_sheet_too_big_unpacked_is_refused_before_it_is_opened(staff_client):
    # Without a declared range openpyxl reads the whole sheet on opening it: its size decides first.
    content = with_dimension(xlsx([[f"协会{n}"] for n in range(40_000)], header=["名称"]), None)
    assert len(content) < 1024 * 1024
    response = upload(staff_client, "组织.xlsx", content)
    assert "超过 100 个单元格所需" in " ".join(response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists()


def test_the_preview_shows_type_and_division_names_not_codes(staff_client, committee):
    rows = [["某某基金会", FOUNDATION, "", "", "", "", ""]]
    _batch, page = dry_run(staff_client, "组织.xlsx", xlsx(rows))
    html = page.content.decode()
    assert "基金会</td>" in html and ">foundation<" not in html
    assert "锦江区" in html  # 510104, from the code
