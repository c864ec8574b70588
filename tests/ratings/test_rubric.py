"""Rubric management: the admin (scoped, frozen versions read-only, copy action), the .xlsx
export/import (row-by-row errors, all or nothing, round trip) and the rubric pages."""

import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branches.models import AuditEntry
from ratings.models import (
    AdjustmentItem,
    Cycle,
    FinalScore,
    Indicator,
    IndicatorScore,
    InspectionScore,
    InspectorConflict,
    RatingSettings,
    Rubric,
    RubricCategory,
    StarBand,
    Status,
    Submission,
    VetoItem,
)
from ratings.rubric import services as rubric_services
from ratings.rubric import workbook, workbook_export, workbook_import
from ratings.rubric.data import create_default_rubric
from ratings.workflow import cycle_setup
from tests import factories
from tests.xlsx_checks import ESCAPED, PAYLOAD, cells_of

pytestmark = pytest.mark.django_db

XLSX = workbook.XLSX


def admin_url(model, view="changelist", *args):
    return reverse(f"admin:ratings_{model}_{view}", args=args)


def _rows(response):
    assert response.status_code == 200, response.status_code
    return list(response.context["cl"].result_list)


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _counts():
    return (
        Rubric.objects.count(),
        RubricCategory.objects.count(),
        Indicator.objects.count(),
        AdjustmentItem.objects.count(),
        VetoItem.objects.count(),
        StarBand.objects.count(),
    )


def _workbook(rubric):
    return load_workbook(io.BytesIO(workbook_export.export_rubric(rubric)))


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(content: bytes, name="rubric.xlsx"):
    return SimpleUploadedFile(name, content, content_type=XLSX)


@pytest.fixture
def default_rubric(committee):
    return create_default_rubric(committee)


@pytest.fixture
def other_rubric(other_committee):
    return create_default_rubric(other_committee)


# --- export -----------------------------------------------------------------------------------


def test_export_has_the_five_sheets_with_every_row(default_rubric):
    wb = _workbook(default_rubric)
    assert wb.sheetnames == ["指标", "加减分", "一票否决", "星级", "设置"]
    indicators = list(wb["指标"].iter_rows(values_only=True))
    assert indicators[0][:8] == (
        "一级指标编号",
        "一级指标",
        "二级指标编号",
        "二级指标",
        "分值",
        "须上传佐证",
        "佐证材料要求",
        "验收要点",
    )
    assert len(indicators) == 1 + 24
    assert indicators[1][:6] == ("1", "政治建设", "1.1", "制度化开展理论学习，有年度学习计划并落实", 5, "是")
    assert sum(Decimal(str(r[4])) for r in indicators[1:]) == 100
    assert list(wb["星级"].iter_rows(min_row=2, values_only=True)) == [
        (5, 95, None),
        (4, 85, None),
        (3, 75, None),
        (2, 65, None),
        (1, 60, None),
    ]
    assert len(list(wb["一票否决"].iter_rows(min_row=2))) == 5
    assert len(list(wb["加减分"].iter_rows(min_row=2))) == 6
    settings = {r[0]: r[1] for r in wb["设置"].iter_rows(min_row=2, values_only=True)}
    assert settings["加分上限"] == 5 and settings["减分上限"] == 10
    assert (
        settings["逐级晋升"] == "是"
        and settings["授牌最低星级"] == 3
        and settings["名额同分规则"] == "exclude"
    )


def test_export_then_import_gives_an_identical_new_version(default_rubric, committee, staff_user):
    StarBand.objects.filter(rubric=default_rubric, level=5).update(quota_percent=Decimal("10"))
    default_rubric.quota_tie_rule = Rubric.TieRule.INCLUDE
    default_rubric.promotion_limit = False
    default_rubric.save()
    imported = workbook_import.rubric_import(
        committee=committee, content=workbook_export.export_rubric(default_rubric), by=staff_user
    )
    assert imported.version == default_rubric.version + 1
    assert imported.committee == committee and imported.frozen_at is None
    assert workbook_export.rubric_content(imported) == workbook_export.rubric_content(default_rubric)
    # ...and the orders, so the new version lists everything the same way.
    assert list(
        Indicator.objects.filter(category__rubric=imported).values_list("category__order", "order")
    ) == list(
        Indicator.objects.filter(category__rubric=default_rubric).values_list("category__order", "order")
    )
    assert AuditEntry.objects.filter(
        action="rubric.import", target_id=str(imported.pk), committee=committee
    ).exists()


def test_import_accepts_reordered_columns_and_chinese_level_words(default_rubric, committee, staff_user):
    wb = _workbook(default_rubric)
    ws = wb["星级"]
    ws.insert_cols(1)
    for row in ws.iter_rows():
        row[0].value, row[1].value = row[1].value, None
    ws["A2"] = "五星"
    ws.delete_cols(2)
    imported = workbook_import.rubric_import(committee=committee, content=_save(wb), by=staff_user)
    assert (
        workbook_export.rubric_content(imported)["bands"]
        == workbook_export.rubric_content(default_rubric)["bands"]
    )


# --- import errors ----------------------------------------------------------------------------


def _errors(content, committee, staff_user):
    with pytest.raises(workbook.RubricImportError) as info:
        workbook_import.rubric_import(committee=committee, content=content, by=staff_user)
    return {(e.sheet, e.row, e.message) for e in info.value.errors}


def _has(errors, sheet, row, fragment):
    return any(s == sheet and r == row and fragment in m for s, r, m in errors)


def test_a_bad_file_lists_every_error_by_sheet_and_row_and_writes_nothing(
    default_rubric, committee, staff_user
):
    wb = _workbook(default_rubric)
    ind = wb["指标"]
    ind["C3"] = "1.1"  # row 3: duplicate indicator code (row 2 has 1.1)
    ind["E4"] = "五分"  # row 4: not a number
    ind["E5"] = 2.3  # row 5: not a 0.5 step
    ind["F6"] = "也许"  # row 6: not yes/no
    ind["A7"] = ""  # row 7: category code missing
    ind["B8"] = "别的名字"  # row 8: category 2 with another title
    adj = wb["加减分"]
    adj["A2"] = "奖励"  # unknown kind
    adj["D3"] = "x"  # points not a number
    wb["一票否决"]["B3"] = None  # veto without a title
    bands = wb["星级"]
    bands["B4"] = 90  # 3★ 90 ≥ 4★ 85: not strictly decreasing
    bands["C2"] = 120  # quota outside 0–100
    bands["A6"] = 7  # no such level
    settings = wb["设置"]
    settings["B7"] = "抽签"  # unknown tie rule (row 7 = 名额同分规则)
    settings["B5"] = "不一定"  # promotion limit not yes/no
    before = _counts()

    errors = _errors(_save(wb), committee, staff_user)

    assert _has(errors, "指标", 3, "二级指标编号“1.1”与第2行重复")
    assert _has(errors, "指标", 4, "“五分”不是数字")
    assert _has(errors, "指标", 5, "只能精确到0.5分")
    assert _has(errors, "指标", 6, "应填“是”或“否”")
    assert _has(errors, "指标", 7, "一级指标编号：必填")
    assert _has(errors, "指标", 8, "一级指标编号“2”在第")
    assert _has(errors, "加减分", 2, "应填“加分”或“减分”")
    assert _has(errors, "加减分", 3, "“x”不是数字")
    assert _has(errors, "一票否决", 3, "否决事项：必填")
    assert _has(errors, "星级", 4, "严格递减")
    assert _has(errors, "星级", 2, "应在 0 到 100 之间")
    assert _has(errors, "星级", 6, "应为 1 到 5 的整数")
    assert _has(errors, "设置", 7, "无法识别“抽签”")
    assert _has(errors, "设置", 5, "逐级晋升")
    assert _counts() == before


@pytest.mark.parametrize(
    "mutate, sheet, row, fragment",
    [
        (lambda wb: wb["指标"].delete_rows(2, 30), "指标", None, "没有任何二级指标"),
        (lambda wb: wb["星级"].delete_rows(2, 10), "星级", None, "没有设置星级分数线"),
        (lambda wb: wb["星级"].__setitem__("B2", 130), "星级", 2, "超过了可能的最高总分"),
        (lambda wb: wb["星级"].__setitem__("A3", 5), "星级", 3, "与第2行重复"),
        (lambda wb: wb["星级"].__setitem__("C3", "-5"), "星级", 3, "应在 0 到 100 之间"),
        (lambda wb: wb["设置"].delete_rows(3, 1), "设置", None, "缺少项目“加分上限”"),
        (lambda wb: wb["设置"].__setitem__("B6", 6), "设置", 6, "授牌最低星级"),
        (lambda wb: wb["设置"].__setitem__("A6", "奖牌"), "设置", 6, "无法识别“奖牌”"),
        (lambda wb: wb["加减分"].__setitem__("E6", 0.5), "加减分", 6, "不能小于每次分值"),
        (lambda wb: wb["加减分"].__setitem__("B3", "B1"), "加减分", 3, "与第2行重复"),
        (lambda wb: wb["一票否决"].__setitem__("A3", "V1"), "一票否决", 3, "与第2行重复"),
        (lambda wb: wb["指标"].__setitem__("E2", 0), "指标", 2, "应大于0"),
        (lambda wb: wb["指标"].__setitem__("D2", "长" * 301), "指标", 2, "不能超过300个字符"),
        (lambda wb: wb["指标"].__setitem__("H2", "长" * 5001), "指标", 2, "验收要点：不能超过5000个字符"),
        (lambda wb: wb["指标"].__setitem__("G3", "长" * 5001), "指标", 3, "佐证材料要求：不能超过5000个字符"),
    ],
)
def test_each_kind_of_error_is_reported_where_it_is(
    default_rubric, committee, staff_user, mutate, sheet, row, fragment
):
    wb = _workbook(default_rubric)
    mutate(wb)
    before = _counts()
    errors = _errors(_save(wb), committee, staff_user)
    assert _has(errors, sheet, row, fragment), errors
    assert _counts() == before


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"not a spreadsheet", "无法作为 Excel"),
        (b"PK\x03\x04garbage", "无法作为 Excel"),
    ],
)
def test_an_unreadable_file_is_refused_as_a_whole(committee, staff_user, content, fragment):
    with pytest.raises(workbook.RubricFileError, match=fragment):
        workbook_import.rubric_import(committee=committee, content=content, by=staff_user)


def test_a_workbook_without_a_sheet_or_column_is_refused(default_rubric, committee, staff_user):
    wb = _workbook(default_rubric)
    del wb["一票否决"]
    with pytest.raises(workbook.RubricFileError, match="缺少工作表：“一票否决”"):
        workbook_import.rubric_import(committee=committee, content=_save(wb), by=staff_user)
    wb = _workbook(default_rubric)
    wb["指标"]["E1"] = "满分"
    with pytest.raises(workbook.RubricFileError, match="“指标”表第1行缺少列：“分值”"):
        workbook_import.rubric_import(committee=committee, content=_save(wb), by=staff_user)


def test_import_is_one_transaction(default_rubric, committee, staff_user, monkeypatch):
    """A failure after the first rows are written leaves nothing behind."""
    content = workbook_export.export_rubric(default_rubric)
    before = _counts()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(StarBand.objects, "bulk_create", boom)
    with pytest.raises(RuntimeError):
        workbook_import.rubric_import(committee=committee, content=content, by=staff_user)
    assert _counts() == before


def test_only_committee_staff_may_import(default_rubric, committee, secretary_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        workbook_import.rubric_import(
            committee=committee, content=workbook_export.export_rubric(default_rubric), by=secretary_user
        )


# --- pages ----------------------------------------------------------------------------------


def _urls(rubric):
    return [
        ("get", reverse("ratings:rubric-list")),
        ("get", reverse("ratings:rubric-detail", args=[rubric.pk])),
        ("get", reverse("ratings:rubric-export", args=[rubric.pk])),
        ("get", reverse("ratings:rubric-import")),
        ("post", reverse("ratings:rubric-copy", args=[rubric.pk])),
    ]


def test_anonymous_users_are_sent_to_login(client, default_rubric):
    for method, url in _urls(default_rubric):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_secretaries_and_inspectors_get_403(login, default_rubric, secretary_user, inspector_user):
    for user in (secretary_user, inspector_user):
        c = login(user)
        for method, url in _urls(default_rubric):
            assert getattr(c, method)(url).status_code == 403, (user, url)
    assert Rubric.objects.count() == 1


def test_another_committees_rubric_is_404(login, other_rubric, default_rubric, staff_user):
    c = login(staff_user)
    for method, url in _urls(other_rubric)[1:]:
        if "import" in url:
            continue
        assert getattr(c, method)(url).status_code == 404, url
    assert Rubric.objects.filter(committee=other_rubric.committee).count() == 1
    listed = c.get(reverse("ratings:rubric-list")).context["rubrics"]
    assert [r.pk for r in listed] == [default_rubric.pk]


def test_list_and_detail_show_the_version(staff_client, default_rubric):
    response = staff_client.get(reverse("ratings:rubric-list"))
    assert response.status_code == 200
    assert response.context["rubrics"][0].max_total_value == 100
    assert response.context["rubrics"][0].indicator_count == 24
    response = staff_client.get(reverse("ratings:rubric-detail", args=[default_rubric.pk]))
    assert response.status_code == 200
    totals = {c.title: c.total for c in response.context["categories"]}
    assert totals == {
        "政治建设": 15,
        "组织建设": 20,
        "制度建设": 20,
        "阵地建设": 10,
        "保障机制": 10,
        "作用发挥": 25,
    }
    assert response.context["total"] == 100
    body = response.content.decode()
    assert "95" in body and "一票否决" in body and "社会组织被撤销登记或注销" in body
    assert response.context["problems"] == []


def test_rubric_list_queries_do_not_grow_with_versions(staff_client, committee, staff_user, default_rubric):
    with CaptureQueriesContext(connection) as one:
        staff_client.get(reverse("ratings:rubric-list"))
    for _i in range(3):
        rubric_services.rubric_copy(rubric=default_rubric, by=staff_user)
    with CaptureQueriesContext(connection) as four:
        staff_client.get(reverse("ratings:rubric-list"))
    assert len(four) == len(one)


def test_detail_queries_do_not_grow_with_indicators(staff_client, committee):
    small = factories.make_rubric(committee)
    big = create_default_rubric(committee, version=small.version + 1)
    with CaptureQueriesContext(connection) as q_small:
        staff_client.get(reverse("ratings:rubric-detail", args=[small.pk]))
    with CaptureQueriesContext(connection) as q_big:
        staff_client.get(reverse("ratings:rubric-detail", args=[big.pk]))
    assert len(q_big) == len(q_small)


def test_export_downloads_an_xlsx(staff_client, default_rubric):
    response = staff_client.get(reverse("ratings:rubric-export", args=[default_rubric.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "rubric-v1.xlsx" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content)).sheetnames[0] == "指标"


def test_import_page_creates_a_new_version_for_the_staff_members_committee(
    staff_client, committee, default_rubric, other_rubric
):
    response = staff_client.post(
        reverse("ratings:rubric-import"), {"file": _upload(workbook_export.export_rubric(default_rubric))}
    )
    new = Rubric.objects.get(committee=committee, version=2)
    assert response.status_code == 302 and response["Location"] == reverse(
        "ratings:rubric-detail", args=[new.pk]
    )
    assert Rubric.objects.filter(committee=other_rubric.committee).count() == 1


def test_import_page_shows_row_errors_and_writes_nothing(staff_client, default_rubric):
    wb = _workbook(default_rubric)
    wb["指标"]["E3"] = "很多"
    wb["星级"]["B3"] = 99
    before = _counts()
    response = staff_client.post(reverse("ratings:rubric-import"), {"file": _upload(_save(wb))})
    assert response.status_code == 200
    body = response.content.decode()
    assert "未写入任何数据" in body
    errors = response.context["errors"]
    assert {(e.sheet, e.row) for e in errors} >= {("指标", 3), ("星级", 3)}
    assert _counts() == before


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("rubric.csv", b"a,b", "只支持 .xlsx"),
        ("rubric.xlsx", b"hello", "无法作为 Excel"),
    ],
)
def test_import_page_refuses_a_bad_file_next_to_the_field(staff_client, name, content, fragment):
    response = staff_client.post(reverse("ratings:rubric-import"), {"file": _upload(content, name)})
    assert response.status_code == 200
    assert fragment in " ".join(response.context["form"].errors["file"])
    assert Rubric.objects.count() == 0


def test_import_page_without_a_file_says_so(staff_client):
    response = staff_client.post(reverse("ratings:rubric-import"), {})
    assert response.status_code == 200 and response.context["form"].errors["file"]


def test_copy_button_makes_the_next_version(staff_client, default_rubric, staff_user):
    assert staff_client.get(reverse("ratings:rubric-copy", args=[default_rubric.pk])).status_code == 405
    response = staff_client.post(reverse("ratings:rubric-copy", args=[default_rubric.pk]))
    new = Rubric.objects.get(version=2)
    assert response["Location"] == reverse("ratings:rubric-detail", args=[new.pk])
    assert new.based_on == default_rubric
    assert workbook_export.rubric_content(new) == workbook_export.rubric_content(default_rubric)


def test_copy_last_year_uses_the_latest_cycles_rubric(staff_client, committee, default_rubric, staff_user):
    newer = rubric_services.rubric_copy(rubric=default_rubric, by=staff_user)
    factories.CycleFactory(committee=committee, rubric=default_rubric, year=2023)
    response = staff_client.get(reverse("ratings:rubric-list"))
    assert response.context["copy_source"] == default_rubric
    assert newer.version == 2


# --- admin ----------------------------------------------------------------------------------


@pytest.fixture
def two_committees(committee, other_committee, staff_user, other_staff_user, default_rubric, other_rubric):
    """In both committees: a rubric, settings, an open cycle with one submission scored by an
    inspector, a final score and a conflict entry."""
    data = {}
    for c, staff, rubric in (
        (committee, staff_user, default_rubric),
        (other_committee, other_staff_user, other_rubric),
    ):
        po = factories.PartyOrganizationFactory(committee=c, with_members=3)
        RatingSettings.objects.get_or_create(committee_id=c.pk)
        cycle = cycle_setup.cycle_open(
            cycle=factories.CycleFactory(committee=c, rubric=rubric, year=2024), by=staff
        )
        sub = Submission.objects.get(cycle=cycle, party_organization=po)
        inspector = factories.InspectorUserFactory(committee=c)
        ind = rubric.indicators().first()
        IndicatorScore.objects.create(submission=sub, indicator=ind, score=3)
        assignment = sub.assignments.create(inspector=inspector, assigned_by=staff)
        InspectionScore.objects.create(assignment=assignment, indicator=ind, score=3)
        FinalScore.objects.create(submission=sub, indicator=ind, score=3, set_by=staff)
        conflict = InspectorConflict.objects.create(
            inspector=inspector, organization=po.organizations.first()
        )
        data[c.pk] = {
            "rubric": rubric,
            "cycle": cycle,
            "submission": sub,
            "inspector": inspector,
            "conflict": conflict,
            "po": po,
        }
    return data


ADMIN_MODELS = [
    ("rubric", lambda o: o.committee_id),
    ("rubriccategory", lambda o: o.rubric.committee_id),
    ("indicator", lambda o: o.category.rubric.committee_id),
    ("ratingsettings", lambda o: o.committee_id),
    ("cycle", lambda o: o.committee_id),
    ("inspectorconflict", lambda o: o.inspector.committee_id),
    ("submission", lambda o: o.cycle.committee_id),
    ("indicatorscore", lambda o: o.submission.cycle.committee_id),
    ("inspectionscore", lambda o: o.assignment.submission.cycle.committee_id),
    ("finalscore", lambda o: o.submission.cycle.committee_id),
]


@pytest.mark.parametrize("model, committee_of", ADMIN_MODELS)
def test_admin_changelists_show_only_the_staff_members_committee(
    login, staff_user, other_staff_user, two_committees, model, committee_of
):
    for user in (staff_user, other_staff_user):
        rows = _rows(login(user).get(admin_url(model)))
        assert rows, model
        assert {committee_of(o) for o in rows} == {user.committee_id}


@pytest.mark.parametrize("model, committee_of", ADMIN_MODELS)
def test_admin_pages_of_another_committees_rows_are_not_found(
    login, staff_user, other_committee, two_committees, model, committee_of
):
    foreign = next(o for o in _model(model).objects.all() if committee_of(o) == other_committee.pk)
    c = login(staff_user)
    for view in ("change", "delete", "history"):
        response = c.get(admin_url(model, view, foreign.pk))
        missing = c.get(admin_url(model, view, 987654321))
        # Exactly what a row that does not exist gets: a redirect to the index, or 403 where the
        # view is closed to everyone (deleting read-only rows).
        assert response.status_code == missing.status_code in (302, 403), (model, view)
        assert response.get("Location") == missing.get("Location"), (model, view)
        if response.status_code == 302:
            assert response["Location"] == reverse("admin:index")


def _model(name):
    from django.apps import apps

    return apps.get_model("ratings", name)


def test_admin_is_closed_to_secretaries_and_inspectors(login, secretary_user, inspector_user, two_committees):
    for user in (secretary_user, inspector_user):
        response = login(user).get(admin_url("rubric"))
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_a_frozen_rubric_is_read_only_in_the_admin(staff_client, two_committees, committee):
    rubric = two_committees[committee.pk]["rubric"]
    rubric.refresh_from_db()
    assert rubric.frozen_at is not None
    response = staff_client.get(admin_url("rubric", "change", rubric.pk))
    assert response.status_code == 200
    assert any("复制为新版本" in m for m in _messages(response))
    assert response.context["has_change_permission"] is False
    name = rubric.name
    response = staff_client.post(
        admin_url("rubric", "change", rubric.pk), {"name": "改掉", "bonus_cap": "50"}
    )
    assert response.status_code == 403
    rubric.refresh_from_db()
    assert rubric.name == name and rubric.bonus_cap == 5
    assert staff_client.post(admin_url("rubric", "delete", rubric.pk), {"post": "yes"}).status_code == 403
    assert Rubric.objects.filter(pk=rubric.pk).exists()


def test_a_frozen_rubrics_categories_and_indicators_are_read_only(staff_client, two_committees, committee):
    rubric = two_committees[committee.pk]["rubric"]
    category = rubric.categories.first()
    indicator = rubric.indicators().first()
    for model, obj in (("rubriccategory", category), ("indicator", indicator)):
        response = staff_client.get(admin_url(model, "change", obj.pk))
        assert response.status_code == 200
        assert response.context["has_change_permission"] is False
        assert any("被评星周期使用后冻结" in m for m in _messages(response))
        assert staff_client.post(admin_url(model, "change", obj.pk), {"title": "改掉"}).status_code == 403
    category.refresh_from_db()
    indicator.refresh_from_db()
    assert category.title != "改掉" and indicator.title != "改掉"
    # A new indicator cannot be put into a frozen rubric's category either.
    form = staff_client.get(admin_url("indicator", "add")).context["adminform"].form
    assert not form.fields["category"].queryset.filter(rubric=rubric).exists()
    response = staff_client.post(
        admin_url("indicator", "add"),
        {"category": category.pk, "code": "9.9", "title": "新指标", "max_score": "1", "order": "0"},
    )
    assert response.status_code == 200
    assert not Indicator.objects.filter(code="9.9").exists()


def test_an_unfrozen_rubric_is_editable_with_its_inlines(staff_client, committee, staff_user, default_rubric):
    new = rubric_services.rubric_copy(rubric=default_rubric, by=staff_user)
    response = staff_client.get(admin_url("rubric", "change", new.pk))
    assert response.context["has_change_permission"] is True
    inline_perms = [f.has_add_permission for f in response.context["inline_admin_formsets"]]
    assert inline_perms == [True, True, True, True]
    category = new.categories.get(code="1")
    response = staff_client.post(
        admin_url("rubriccategory", "change", category.pk),
        {
            "rubric": new.pk,
            "code": "1",
            "title": "政治建设（修订）",
            "order": "1",
            **_inline_management("indicators", category.indicators.count(), 0, 0),
            **{
                f"indicators-{i}-{k}": v
                for i, ind in enumerate(category.indicators.order_by("order"))
                for k, v in (
                    ("id", ind.pk),
                    ("category", category.pk),
                    ("code", ind.code),
                    ("title", ind.title),
                    ("max_score", ind.max_score),
                    ("evidence_required", "on" if ind.evidence_required else ""),
                    ("order", ind.order),
                    ("evidence_description", ""),
                    ("guidance", ""),
                )
            },
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    category.refresh_from_db()
    assert category.title == "政治建设（修订）"
    entry = AuditEntry.objects.filter(action="rubriccategory.update").latest("pk")
    assert entry.committee_id == committee.pk and entry.after == {"title": "政治建设（修订）"}


def _inline_management(prefix, initial, total_extra, min_num):
    return {
        f"{prefix}-TOTAL_FORMS": str(initial + total_extra),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": str(min_num),
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_admin_add_rubric_numbers_the_version_and_sets_the_committee(staff_client, committee, default_rubric):
    data = {
        "name": "新标准",
        "bonus_cap": "5",
        "deduction_cap": "10",
        "promotion_limit": "on",
        "plaque_min_level": "3",
        "quota_tie_rule": "exclude",
    }
    for prefix in ("categories", "adjustments", "vetoes", "bands"):
        data.update(_inline_management(prefix, 0, 0, 0))
    response = staff_client.post(admin_url("rubric", "add"), data)
    assert response.status_code == 302
    new = Rubric.objects.get(name="新标准")
    assert new.committee == committee and new.version == 2


def test_admin_band_inline_refuses_bands_that_do_not_decrease(
    staff_client, committee, staff_user, default_rubric
):
    new = rubric_services.rubric_copy(rubric=default_rubric, by=staff_user)
    bands = list(new.bands.order_by("-level"))
    data = {
        "name": new.name,
        "bonus_cap": "5",
        "deduction_cap": "10",
        "promotion_limit": "on",
        "plaque_min_level": "3",
        "quota_tie_rule": "exclude",
    }
    for prefix in ("categories", "adjustments", "vetoes"):
        data.update(_inline_management(prefix, 0, 0, 0))
    data.update(_inline_management("bands", len(bands), 0, 0))
    for i, b in enumerate(bands):
        data.update(
            {
                f"bands-{i}-id": b.pk,
                f"bands-{i}-rubric": new.pk,
                f"bands-{i}-level": b.level,
                f"bands-{i}-min_total": "90" if b.level == 3 else b.min_total,
                f"bands-{i}-quota_percent": "",
            }
        )
    response = staff_client.post(admin_url("rubric", "change", new.pk), data)
    assert response.status_code == 200
    assert "严格递减" in response.content.decode()
    assert new.bands.get(level=3).min_total == 75


def test_admin_copy_action_makes_a_new_version(staff_client, two_committees, committee):
    rubric = two_committees[committee.pk]["rubric"]
    response = staff_client.post(
        admin_url("rubric"), {"action": "copy_as_new_version", "_selected_action": [rubric.pk]}, follow=True
    )
    assert response.status_code == 200
    new = Rubric.objects.get(committee=committee, version=2)
    assert new.based_on == rubric and new.frozen_at is None
    assert workbook_export.rubric_content(new) == workbook_export.rubric_content(rubric)


def test_conflict_register_offers_only_the_committees_inspectors(
    staff_client, two_committees, committee, other_committee, secretary_user
):
    form = staff_client.get(admin_url("inspectorconflict", "add")).context["adminform"].form
    offered = set(form.fields["inspector"].queryset)
    assert offered == {two_committees[committee.pk]["inspector"]}
    foreign = two_committees[other_committee.pk]
    response = staff_client.post(
        admin_url("inspectorconflict", "add"),
        {
            "inspector": foreign["inspector"].pk,
            "organization": foreign["po"].organizations.first().pk,
            "kind": "other",
            "note": "x",
        },
    )
    assert response.status_code == 200
    assert InspectorConflict.objects.count() == 2


def test_conflict_register_records_an_entry(staff_client, two_committees, committee):
    mine = two_committees[committee.pk]
    org = factories.SocialOrganizationFactory(committee=committee)
    response = staff_client.post(
        admin_url("inspectorconflict", "add"),
        {"inspector": mine["inspector"].pk, "organization": org.pk, "kind": "relative", "note": "配偶任理事"},
    )
    assert response.status_code == 302
    assert InspectorConflict.objects.filter(
        inspector=mine["inspector"], organization=org, kind="relative"
    ).exists()
    assert AuditEntry.objects.filter(action="inspectorconflict.create", committee=committee).exists()


def test_submissions_and_scores_are_read_only_in_the_admin(staff_client, two_committees, committee):
    sub = two_committees[committee.pk]["submission"]
    response = staff_client.get(admin_url("submission", "change", sub.pk))
    assert response.status_code == 200 and response.context["has_change_permission"] is False
    response = staff_client.post(admin_url("submission", "change", sub.pk), {"status": Status.REVIEWED})
    assert response.status_code == 403
    sub.refresh_from_db()
    assert sub.status == Status.DRAFT
    assert staff_client.get(admin_url("submission", "add")).status_code == 403
    for model in ("indicatorscore", "inspectionscore", "finalscore"):
        assert staff_client.get(admin_url(model, "add")).status_code == 403
        obj = (
            _model(model)
            .objects.filter(pk__in=[r.pk for r in _rows(staff_client.get(admin_url(model)))])
            .first()
        )
        assert staff_client.post(admin_url(model, "change", obj.pk), {"score": "0"}).status_code == 403


def test_cycle_admin_keeps_status_out_of_the_form_and_opens_through_the_service(
    staff_client, committee, default_rubric
):
    form = staff_client.get(admin_url("cycle", "add")).context["adminform"].form
    assert "status" not in form.fields
    now = timezone.now()
    data = {
        "year": "2025",
        "title": "",
        "rubric": default_rubric.pk,
        "notice_days": "7",
        "self_assessment_deadline_0": (now + timezone.timedelta(days=30)).strftime("%Y-%m-%d"),
        "self_assessment_deadline_1": "18:00:00",
        "inspection_deadline_0": (now + timezone.timedelta(days=60)).strftime("%Y-%m-%d"),
        "inspection_deadline_1": "18:00:00",
        "review_deadline_0": (now + timezone.timedelta(days=90)).strftime("%Y-%m-%d"),
        "review_deadline_1": "18:00:00",
        **_inline_management("exclusions", 0, 0, 0),
    }
    response = staff_client.post(admin_url("cycle", "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    cycle = Cycle.objects.get(year=2025)
    assert cycle.committee == committee and cycle.status == Cycle.Status.DRAFT
    # The same year again is a form error, not a crash.
    response = staff_client.post(admin_url("cycle", "add"), data)
    assert response.status_code == 200
    factories.PartyOrganizationFactory(committee=committee)
    staff_client.post(admin_url("cycle"), {"action": "open_cycle", "_selected_action": [cycle.pk]})
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN and cycle.submissions.count() == 1
    default_rubric.refresh_from_db()
    assert default_rubric.frozen_at is not None


def _autocomplete(client, model_name, field_name, term=""):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "ratings",
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )
    assert response.status_code == 200
    return {int(r["id"]) for r in response.json()["results"]}


def test_indicator_category_autocomplete_offers_only_own_unfrozen_categories(
    staff_client, two_committees, committee, staff_user
):
    frozen = two_committees[committee.pk]["rubric"]
    editable = rubric_services.rubric_copy(rubric=frozen, by=staff_user)
    ids = _autocomplete(staff_client, "indicator", "category")
    assert ids == set(editable.categories.values_list("pk", flat=True))


def test_cycle_exclusion_and_conflict_autocomplete_stay_in_the_committee(
    staff_client, two_committees, committee
):
    assert _autocomplete(staff_client, "cycleexclusion", "party_organization") <= set(
        factories.PartyOrganizationFactory._meta.model.objects.filter(committee=committee).values_list(
            "pk", flat=True
        )
    )
    ids = _autocomplete(staff_client, "inspectorconflict", "organization")
    assert ids and ids <= set(
        factories.SocialOrganizationFactory._meta.model.objects.filter(committee=committee).values_list(
            "pk", flat=True
        )
    )


def test_the_export_writes_formula_like_texts_as_text_and_reads_them_back(
    default_rubric, committee, staff_user
):
    indicator = Indicator.objects.filter(category__rubric=default_rubric).first()
    indicator.title = PAYLOAD
    indicator.guidance = "-先看台账"
    indicator.save()
    content = workbook_export.export_rubric(default_rubric)
    values = cells_of(content)
    assert ESCAPED in values and "'-先看台账" in values
    imported = workbook_import.rubric_import(committee=committee, content=content, by=staff_user)
    assert workbook_export.rubric_content(imported) == workbook_export.rubric_content(default_rubric)
    assert Indicator.objects.filter(category__rubric=imported, title=PAYLOAD).exists()
