"""Whole-cycle downloads built in the background (ratings.reports.exports): the job's life, its
progress, joining a job at work, failures, who may download, the notice, expiry, query counts."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branches.models import AuditEntry
from notifications.models import Kind, Notification
from ratings.models import ExportJob, Status, Submission, TallySnapshot
from ratings.reports import exports, xlsx
from ratings.reports.tally import tally_recompute
from starfire.celery import app as celery_app
from tests import factories

pytestmark = pytest.mark.django_db

State = ExportJob.State


def _request(cycle, by, kind="results_xlsx"):
    return exports.export_request(kind=kind, cycle=cycle, by=by)


def _stored(job) -> bool:
    return bool(job.file.name) and default_storage.exists(job.file.name)


@pytest.mark.usefixtures("private_storage_backend")  # the local folder and an S3 bucket
def test_a_job_goes_from_queued_through_running_to_done_and_keeps_its_file(results_cycle, staff_user):
    cycle = results_cycle.cycle
    job, created = _request(cycle, staff_user)
    assert created and job.state == State.QUEUED and job.committee_id == cycle.committee_id
    assert job.requested_by == staff_user and job.filename == f"starfire-results-{cycle.year}.xlsx"
    assert AuditEntry.objects.filter(action="export.request", target_id=str(job.pk)).exists()

    assert exports.export_build(job_id=job.pk) == State.DONE
    job.refresh_from_db()
    assert job.state == State.DONE and job.started_at and job.finished_at
    assert job.expires_at == job.finished_at + exports.KEEP
    assert _stored(job) and job.file.name.startswith("exports/")
    with job.file.open("rb") as fh:
        rows = list(load_workbook(io.BytesIO(fh.read())).active.iter_rows(values_only=True))
    assert len(rows) == 1 + Submission.objects.filter(cycle=cycle).count()
    states = list(job.history.order_by("history_id").values_list("state", flat=True))
    assert states[0] == State.QUEUED and State.RUNNING in states and states[-1] == State.DONE


def test_progress_is_recorded_every_chunk_of_rows(results_cycle, staff_user, monkeypatch):
    monkeypatch.setattr(xlsx, "CHUNK", 2)
    cycle = results_cycle.cycle
    total = Submission.objects.filter(cycle=cycle).count()
    assert total == 6
    job, _ = _request(cycle, staff_user)
    exports.export_build(job_id=job.pk)
    running = job.history.filter(state=State.RUNNING).order_by("history_id")
    assert list(running.values_list("progress_done", "progress_total"))[-4:] == [
        (0, 6),
        (2, 6),
        (4, 6),
        (6, 6),
    ]
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.percent) == (6, 6, 100)


def test_a_second_request_joins_the_job_at_work_instead_of_starting_another(
    results_cycle, staff_user, committee
):
    colleague = factories.StaffUserFactory(committee=committee)
    first, created = _request(results_cycle.cycle, staff_user)
    again, created_again = _request(results_cycle.cycle, colleague)
    assert created and not created_again and again.pk == first.pk
    tally_recompute(cycle_id=results_cycle.cycle.pk)
    other_kind, created_other = _request(results_cycle.cycle, staff_user, kind="tally_xlsx")
    assert created_other and other_kind.pk != first.pk  # another file of the cycle is another job
    assert ExportJob.objects.filter(kind="results_xlsx").count() == 1
    exports.export_build(job_id=first.pk)
    later, created_later = _request(results_cycle.cycle, colleague)  # done: a new request builds afresh
    assert created_later and later.pk != first.pk


def test_the_page_sends_a_repeated_request_to_the_same_job(results_cycle, staff_client):
    url = reverse("ratings:export-start", args=[results_cycle.cycle.pk, "results_xlsx"])
    first = staff_client.post(url)
    second = staff_client.post(url, follow=True)
    job = ExportJob.objects.get()
    assert first["Location"] == reverse("ratings:export-job", args=[job.pk])
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "同一文件正在生成" in second.content.decode()


def test_a_job_lost_at_work_is_given_up_and_replaced(results_cycle, staff_user):
    job, _ = _request(results_cycle.cycle, staff_user)
    ExportJob.objects.filter(pk=job.pk).update(
        state=State.RUNNING, created_at=timezone.now() - dt.timedelta(hours=7)
    )
    fresh, created = _request(results_cycle.cycle, staff_user)
    job.refresh_from_db()
    assert created and fresh.pk != job.pk
    assert job.state == State.FAILED and "重新发起" in job.error


def test_running_the_task_again_changes_nothing_once_done(results_cycle, staff_user):
    job, _ = _request(results_cycle.cycle, staff_user)
    exports.export_build(job_id=job.pk)
    job.refresh_from_db()
    name, history = job.file.name, job.history.count()
    assert exports.export_build(job_id=job.pk) == State.DONE
    job.refresh_from_db()
    assert job.file.name == name and job.history.count() == history


def test_a_task_redelivered_while_running_builds_again_and_keeps_one_file(results_cycle, staff_user):
    job, _ = _request(results_cycle.cycle, staff_user)
    ExportJob.objects.filter(pk=job.pk).update(state=State.RUNNING)  # the first worker was lost
    assert exports.export_build(job_id=job.pk) == State.DONE
    job.refresh_from_db()
    assert _stored(job)
    _dirs, files = default_storage.listdir(job.file.name.rsplit("/", 1)[0])
    assert len(files) == 1


def test_a_failure_is_recorded_in_words_keeps_no_file_and_tells_the_requester(
    results_cycle, staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(job, out, progress):
        out.write(b"half a file")
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(exports.BUILDERS, ExportJob.Kind.RESULTS_XLSX, broken)
    job, _ = _request(results_cycle.cycle, staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.export_build(job_id=job.pk) == State.FAILED
    job.refresh_from_db()
    assert job.state == State.FAILED and not job.file and job.finished_at
    assert "生成文件时出错" in job.error and "disk on fire" not in job.error
    assert not default_storage.exists("exports")  # the half-written file never reached storage
    notice = Notification.objects.get(recipient=staff_user, kind=Kind.EXPORT_READY)
    assert "生成失败" in notice.title and notice.body == job.error
    page = exports_page(staff_user, job)
    assert 'id="export-error"' in page and "生成文件时出错" in page


def exports_page(user, job):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.get(reverse("ratings:export-job", args=[job.pk])).content.decode()


def test_a_refusal_of_the_builder_says_why(results_cycle, staff_user):
    tally_recompute(cycle_id=results_cycle.cycle.pk)
    job, _ = _request(results_cycle.cycle, staff_user, kind="tally_xlsx")
    TallySnapshot.objects.filter(cycle=results_cycle.cycle).delete()  # gone before the task ran
    assert exports.export_build(job_id=job.pk) == State.FAILED
    job.refresh_from_db()
    assert "还没有统计结果" in job.error


def test_an_export_with_nothing_to_put_in_it_is_refused_at_once(results_cycle, staff_user, staff_client):
    with pytest.raises(ValidationError):
        _request(results_cycle.cycle, staff_user, kind="tally_xlsx")
    response = staff_client.post(
        reverse("ratings:export-start", args=[results_cycle.cycle.pk, "report_pdf"]), follow=True
    )
    assert "还没有统计结果" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_the_requester_gets_a_notice_and_an_email_when_the_file_is_ready(
    results_cycle, staff_user, committee, django_capture_on_commit_callbacks
):
    staff_user.email = "staff@example.org"
    staff_user.save()
    colleague = factories.StaffUserFactory(committee=committee, email="colleague@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = _request(results_cycle.cycle, staff_user)
    job.refresh_from_db()
    assert job.state == State.DONE  # tasks run in-process after commit
    notice = Notification.objects.get(kind=Kind.EXPORT_READY)
    assert notice.recipient == staff_user and notice.url == reverse("ratings:export-job", args=[job.pk])
    assert "可以下载" in notice.title
    assert not Notification.objects.filter(recipient=colleague).exists()
    assert [m.to for m in mail.outbox] == [["staff@example.org"]]


def test_staff_of_another_committee_cannot_see_or_download_the_file(
    results_cycle, staff_user, login, other_staff_user
):
    job, _ = _request(results_cycle.cycle, staff_user)
    exports.export_build(job_id=job.pk)
    client = login(other_staff_user)
    for name in ("ratings:export-job", "ratings:export-job-status", "ratings:export-download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404, name
    listed = client.get(reverse("ratings:export-list")).content.decode()
    assert reverse("ratings:export-job", args=[job.pk]) not in listed and 'id="no-exports"' in listed


@pytest.mark.usefixtures("private_storage_backend")  # the local folder and an S3 bucket
def test_a_colleague_of_the_same_committee_may_download_it(results_cycle, staff_user, committee, login):
    job, _ = _request(results_cycle.cycle, staff_user)
    exports.export_build(job_id=job.pk)
    colleague = factories.StaffUserFactory(committee=committee)
    response = login(colleague).get(reverse("ratings:export-download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == exports.CONTENT_TYPES["results_xlsx"]
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


def test_the_status_endpoint_and_the_page_follow_the_job(results_cycle, staff_client, staff_user):
    job, _ = _request(results_cycle.cycle, staff_user)
    status = staff_client.get(reverse("ratings:export-job-status", args=[job.pk])).json()
    assert status["state"] == "queued" and status["download"] is None
    page = staff_client.get(reverse("ratings:export-job", args=[job.pk])).content.decode()
    assert 'id="export-refresh"' in page and "js/exports.js" in page and 'id="export-ready" hidden' in page
    exports.export_build(job_id=job.pk)
    status = staff_client.get(reverse("ratings:export-job-status", args=[job.pk])).json()
    assert status["state"] == "done" and status["percent"] == 100
    assert status["download"] == reverse("ratings:export-download", args=[job.pk])
    page = staff_client.get(reverse("ratings:export-job", args=[job.pk])).content.decode()
    assert 'id="export-refresh"' not in page and status["download"] in page


def test_a_file_past_its_time_is_deleted_and_the_job_says_so(
    results_cycle, staff_user, staff_client, django_capture_on_commit_callbacks
):
    job, _ = _request(results_cycle.cycle, staff_user)
    exports.export_build(job_id=job.pk)
    job.refresh_from_db()
    name = job.file.name
    assert exports.exports_expire() == 0  # not yet
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the row says so
        assert exports.exports_expire(now=job.expires_at + dt.timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert job.state == State.EXPIRED and not job.file and not default_storage.exists(name)
    response = staff_client.get(reverse("ratings:export-download", args=[job.pk]), follow=True)
    assert "已过期" in response.content.decode()


def test_the_nightly_schedule_expires_old_exports():
    tasks = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "ratings.tasks.expire_exports" in tasks


def test_my_exports_lists_only_my_own(results_cycle, staff_user, staff_client, committee):
    colleague = factories.StaffUserFactory(committee=committee)
    mine, _ = _request(results_cycle.cycle, staff_user)
    exports.export_build(job_id=mine.pk)
    theirs, _ = _request(results_cycle.cycle, colleague)
    page = staff_client.get(reverse("ratings:export-list")).content.decode()
    assert reverse("ratings:export-job", args=[mine.pk]) in page
    assert reverse("ratings:export-job", args=[theirs.pk]) not in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_job_pages_take_the_same_queries_whatever_the_size(
    results_cycle, staff_user, staff_client, committee
):
    cycle = results_cycle.cycle
    job, _ = _request(cycle, staff_user)
    exports.export_build(job_id=job.pk)
    urls = [
        reverse("ratings:export-job", args=[job.pk]),
        reverse("ratings:export-job-status", args=[job.pk]),
        reverse("ratings:export-list"),
    ]
    for url in urls:
        staff_client.get(url)  # warm the session
    small = [_queries(staff_client, url) for url in urls]
    for _ in range(20):
        po = factories.PartyOrganizationFactory(committee=committee)
        Submission.objects.create(cycle=cycle, party_organization=po, status=Status.DRAFT)
    for _ in range(5):  # more jobs of mine in the list, the big one done again
        extra, _ = _request(cycle, staff_user)
        exports.export_build(job_id=extra.pk)
    job = extra
    urls[:2] = [
        reverse("ratings:export-job", args=[job.pk]),
        reverse("ratings:export-job-status", args=[job.pk]),
    ]
    job.refresh_from_db()
    assert job.progress_total == 26
    assert [_queries(staff_client, url) for url in urls] == small


def test_the_results_workbook_names_every_organisation_of_a_joint_branch(
    results_cycle, staff_user, committee
):
    po = results_cycle.four.party_organization
    po.organizations.add(factories.SocialOrganizationFactory(committee=committee, name="乙联合协会"))
    names = sorted(po.organizations.values_list("name", flat=True))
    job, _ = _request(results_cycle.cycle, staff_user)
    exports.export_build(job_id=job.pk)
    job.refresh_from_db()
    with job.file.open("rb") as fh:
        rows = {r[0]: r[1] for r in load_workbook(io.BytesIO(fh.read())).active.iter_rows(values_only=True)}
    assert sorted(rows[po.name].split("、")) == names
