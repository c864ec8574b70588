"""The annual tally on a hand-computed example, its snapshot, the dashboard and its downloads."""

import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branches.models import Division, OrgType
from notifications.models import Kind, Notification
from ratings import tasks
from ratings.models import Cycle, Status, Submission, TallyRun, TallySnapshot
from ratings.reports.tally import compute_tally, tally_recompute
from ratings.rubric.data import create_default_rubric
from tests import factories
from tests.ratings.export_helpers import export_file
from tests.xlsx_checks import ESCAPED, PAYLOAD, cells_of


def _cycle(committee, rubric, year):
    at = timezone.make_aware(dt.datetime(year, 10, 1))
    return Cycle.objects.create(
        committee=committee,
        year=year,
        rubric=rubric,
        status=Cycle.Status.OPEN,
        self_assessment_deadline=at,
        inspection_deadline=at,
        review_deadline=at,
    )


@pytest.fixture
def example(committee):
    """Six party organisations over two cycles.

    2023: A 4★, B 3★, C 2★, D vetoed, E 5★ (F not yet founded)
    2024: A 5★ (promoted), B 2★ (demoted), C 2★ (same), D 3★ (promoted from vetoed),
          E still a draft (unrated), F 1★ (new)
    """
    rubric = create_default_rubric(committee)
    kinds = {
        "A": (OrgType.ASSOCIATION, "510107"),
        "B": (OrgType.ASSOCIATION, "510107"),
        "C": (OrgType.FOUNDATION, "510104"),
        "D": (OrgType.PRIVATE_NON_ENTERPRISE, "510000"),
        "E": (OrgType.PRIVATE_NON_ENTERPRISE, "510000"),
        "F": (OrgType.PRIVATE_NON_ENTERPRISE, "510000"),
    }
    pos = {}
    for key, (org_type, division) in kinds.items():
        org = factories.SocialOrganizationFactory(committee=committee, org_type=org_type, division=division)
        pos[key] = factories.PartyOrganizationFactory(
            committee=committee, name=f"党支部{key}", organizations=[org]
        )
    # an uncovered organisation, for the coverage figures at the time
    factories.SocialOrganizationFactory(committee=committee, division="510107")
    c23, c24 = _cycle(committee, rubric, 2023), _cycle(committee, rubric, 2024)
    reviewed = Status.REVIEWED
    for key, level, vetoed in [
        ("A", 4, False),
        ("B", 3, False),
        ("C", 2, False),
        ("D", None, True),
        ("E", 5, False),
    ]:
        Submission.objects.create(
            cycle=c23, party_organization=pos[key], status=reviewed, proposed_level=level, vetoed=vetoed
        )
    for key, status, level in [
        ("A", reviewed, 5),
        ("B", reviewed, 2),
        ("C", reviewed, 2),
        ("D", reviewed, 3),
        ("E", Status.DRAFT, None),
        ("F", reviewed, 1),
    ]:
        Submission.objects.create(cycle=c24, party_organization=pos[key], status=status, proposed_level=level)
    return c23, c24


def test_tally_on_a_hand_computed_example(example):
    _c23, c24 = example
    d = compute_tally(c24)
    assert d["participants"] == 6
    assert d["rated"] == 5 and d["unrated"] == 1 and d["vetoed"] == 0
    assert d["levels"] == {"5": 1, "4": 0, "3": 1, "2": 2, "1": 1, "0": 0}
    assert d["three_plus"] == 2 and d["three_plus_share"] == "40.0"
    assert d["change"] == {"promoted": 2, "same": 1, "demoted": 1, "new": 1}
    by_type = {g["key"]: g for g in d["by_type"]}
    assert by_type["association"]["levels"]["5"] == 1 and by_type["association"]["levels"]["2"] == 1
    assert (
        by_type["private_non_enterprise"]["unrated"] == 1 and by_type["private_non_enterprise"]["total"] == 3
    )
    by_region = {g["key"]: g for g in d["by_region"]}
    assert by_region["510104"]["levels"]["2"] == 1 and by_region["510000"]["three_plus"] == 1
    # 7 organisations, 6 with a party organisation, none with only an instructor
    assert d["coverage"]["total"] == 7 and d["coverage"]["org_rate"] == "85.7"


def test_vetoed_branches_count_apart_and_not_among_the_rated(example):
    c23, _c24 = example
    d = compute_tally(c23)
    assert d["vetoed"] == 1 and d["rated"] == 4 and d["three_plus"] == 3
    assert d["three_plus_share"] == "75.0"
    assert d["previous_year"] is None and d["change"]["new"] == 0


def test_recompute_replaces_the_snapshot_whole(example):
    _c23, c24 = example
    first = tally_recompute(cycle_id=c24.pk)
    Submission.objects.filter(cycle=c24, party_organization__name="党支部E").update(
        status=Status.REVIEWED, proposed_level=4
    )
    second = tally_recompute(cycle_id=c24.pk)
    assert TallySnapshot.objects.filter(cycle=c24).count() == 1
    assert first.pk == second.pk
    assert second.data["three_plus"] == 3 and second.data["unrated"] == 0


def test_a_failing_recompute_is_recorded_and_keeps_the_old_snapshot(example, monkeypatch):
    _c23, c24 = example
    old = tally_recompute(cycle_id=c24.pk)
    run = TallyRun.objects.create(cycle=c24)

    def broken(cycle):
        raise RuntimeError("division table unavailable")

    monkeypatch.setattr("ratings.reports.tally.compute_tally", broken)
    with pytest.raises(RuntimeError):
        tally_recompute(cycle_id=c24.pk, run=run)
    run.refresh_from_db()
    assert run.state == TallyRun.State.FAILED and "division table unavailable" in run.error
    assert TallySnapshot.objects.get(cycle=c24).data == old.data


def test_the_tally_notice_comes_once_a_day_and_only_when_a_figure_changed(example, staff_user, monkeypatch):
    _c23, c24 = example
    for _ in range(2):
        tasks.recompute_tally(TallyRun.objects.create(cycle=c24).pk)
    notices = Notification.objects.filter(recipient=staff_user, kind=Kind.TALLY_READY)
    assert notices.count() == 1
    assert "三星及以上 2 个（占 40.0%）" in notices.get().body

    # more reviews the same day: the unread notice is brought up to date, no new one
    Submission.objects.filter(cycle=c24, party_organization__name="党支部E").update(
        status=Status.REVIEWED, proposed_level=3
    )
    tasks.recompute_tally(TallyRun.objects.create(cycle=c24).pk)
    assert notices.count() == 1
    assert "三星及以上 3 个" in notices.get().body

    # the next day: nothing changed, nothing said; a change gives the day's one notice
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: tomorrow)
    tasks.recompute_tally(TallyRun.objects.create(cycle=c24).pk)
    assert notices.count() == 1
    Submission.objects.filter(cycle=c24, party_organization__name="党支部E").update(proposed_level=2)
    tasks.recompute_tally(TallyRun.objects.create(cycle=c24).pk)
    assert notices.count() == 2


def test_the_nightly_job_is_idempotent(example, staff_user):
    tasks.recompute_all_tallies()
    snapshots = list(TallySnapshot.objects.order_by("cycle_id").values_list("cycle_id", "data"))
    notices = Notification.objects.count()
    tasks.recompute_all_tallies()
    assert list(TallySnapshot.objects.order_by("cycle_id").values_list("cycle_id", "data")) == snapshots
    assert Notification.objects.count() == notices


# --- dashboard and downloads ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["ratings:dashboard", "ratings:export-coverage"])
def test_dashboard_pages_need_login_and_staff(name, example, login, secretary_user, inspector_user):
    url = reverse(name)
    r = login(None).get(url)
    assert r.status_code == 302 and reverse("login") in r["Location"]
    assert login(secretary_user).get(url).status_code == 403
    assert login(inspector_user).get(url).status_code == 403


@pytest.mark.parametrize("kind", ["results_xlsx", "tally_xlsx", "report_pdf"])
def test_another_committees_cycle_is_404(kind, example, login, other_staff_user):
    _c23, c24 = example
    tally_recompute(cycle_id=c24.pk)
    assert (
        login(other_staff_user).post(reverse("ratings:export-start", args=[c24.pk, kind])).status_code == 404
    )
    assert login(other_staff_user).get(reverse("ratings:dashboard") + f"?cycle={c24.pk}").status_code == 404


def test_staff_trigger_a_recomputation_and_see_the_figures(
    example, staff_client, django_capture_on_commit_callbacks
):
    _c23, c24 = example
    with django_capture_on_commit_callbacks(execute=True):
        r = staff_client.post(reverse("ratings:tally-recompute", args=[c24.pk]))
    assert r.status_code == 302
    run = TallyRun.objects.get(cycle=c24)
    assert run.state == TallyRun.State.DONE  # eager in tests
    page = staff_client.get(reverse("ratings:dashboard") + f"?cycle={c24.pk}").content.decode()
    assert 'id="three-plus">2<' in page
    assert "<svg" in page and "星级分布" in page
    status = staff_client.get(reverse("ratings:tally-run-status", args=[run.pk])).json()
    assert status["state"] == "done"


def test_recompute_is_post_only(example, staff_client):
    _c23, c24 = example
    assert staff_client.get(reverse("ratings:tally-recompute", args=[c24.pk])).status_code == 405
    assert not TallyRun.objects.exists()


def test_dashboard_query_count_does_not_grow_with_rows(
    example, staff_client, django_assert_max_num_queries, committee, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _c23, c24 = example
    tally_recompute(cycle_id=c24.pk)
    url = reverse("ratings:dashboard") + f"?cycle={c24.pk}"
    staff_client.get(url)  # the first visit stores the meeting compliance snapshot
    with CaptureQueriesContext(connection) as small:
        staff_client.get(url)
    with django_capture_on_commit_callbacks(execute=True):  # committed: the snapshot is refreshed
        for _ in range(15):
            po = factories.PartyOrganizationFactory(committee=committee)
            Submission.objects.create(cycle=c24, party_organization=po, status=Status.DRAFT)
    tally_recompute(cycle_id=c24.pk)
    with CaptureQueriesContext(connection) as large:
        staff_client.get(url)
    assert len(large) == len(small)


def test_results_tally_and_coverage_downloads_open_as_workbooks(
    example, staff_client, django_capture_on_commit_callbacks
):
    _c23, c24 = example
    tally_recompute(cycle_id=c24.pk)
    capture = django_capture_on_commit_callbacks
    wb = load_workbook(io.BytesIO(export_file(staff_client, c24, "results_xlsx", capture)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == "党组织" and len(rows) == 7
    wb = load_workbook(io.BytesIO(export_file(staff_client, c24, "tally_xlsx", capture)))
    overall = dict(list(wb["总体"].iter_rows(values_only=True))[1:])
    assert overall["三星及以上"] == 2 and overall["降级"] == 1
    wb = load_workbook(io.BytesIO(staff_client.get(reverse("ratings:export-coverage")).content))
    assert list(wb.active.iter_rows(values_only=True))[1][1] == 7


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_annual_report_pdf_is_in_chinese(
    example, staff_client, tmp_path, django_capture_on_commit_callbacks
):
    _c23, c24 = example
    tally_recompute(cycle_id=c24.pk)
    content = export_file(staff_client, c24, "report_pdf", django_capture_on_commit_callbacks)
    assert content.startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "2024年度星火党组织评星星级统计报告" in text.replace(" ", "")
    assert "三星及以上" in text


def test_dashboard_without_a_started_cycle_says_so(staff_client):
    r = staff_client.get(reverse("ratings:dashboard"))
    assert r.status_code == 200
    assert 'id="no-cycle"' in r.content.decode()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_annual_report_opens_with_a_narrative_from_the_figures_and_has_no_blank_page(
    example, staff_client, tmp_path, django_capture_on_commit_callbacks
):
    _c23, c24 = example
    tally_recompute(cycle_id=c24.pk)
    pdf = tmp_path / "report.pdf"
    staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    pdf.write_bytes(export_file(staff_client, c24, "report_pdf", django_capture_on_commit_callbacks))
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = pages.replace(" ", "").replace("\n", "")
    assert "Organisational" not in text  # charts too stay Chinese when the interface is English
    # by hand from the example: 6 take part, E unrated; A 5★ and D 3★ of 5 rated; A and D up, B down,
    # C same, F new
    assert "总体情况" in text
    assert "共有6个党组织参加“星火”评星，其中5个完成评定、1个未评定" in text
    assert "评定为三星及以上的2个，占已评定的40.0%" in text
    assert "与2023年相比，2个党组织星级上升，1个持平，1个下降，1个为首次评定" in text
    for page in pages.split("\f")[:-1]:
        assert page.strip(), "a blank page in the report"


def test_no_download_carries_a_live_formula(
    example, staff_client, committee, django_capture_on_commit_callbacks
):
    _c23, c24 = example
    c24.title = PAYLOAD
    c24.save()
    po = c24.submissions.get(status=Status.REVIEWED, proposed_level=5).party_organization
    po.name = PAYLOAD
    po.save()
    po.organizations.update(name=PAYLOAD + "协会")
    Division.objects.update_or_create(code="510107", defaults={"name": PAYLOAD})
    tally_recompute(cycle_id=c24.pk)

    capture = django_capture_on_commit_callbacks
    results = cells_of(export_file(staff_client, c24, "results_xlsx", capture))
    assert ESCAPED in results and ESCAPED + "协会" in results
    tally = cells_of(export_file(staff_client, c24, "tally_xlsx", capture))
    assert ESCAPED in tally  # the cycle's title
    coverage = cells_of(staff_client.get(reverse("ratings:export-coverage")).content)
    assert ESCAPED in coverage
