"""A file left behind by a rolled-back outer transaction is found and removed by the sweep; files that
rows name, and files younger than the grace period, are kept."""

import datetime as dt
import os

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import transaction

from core import orphans
from core.tasks import sweep_orphaned_files
from ratings.models import Evidence
from ratings.workflow import self_assessment
from tests.ratings.test_procedure_defects import _pdf

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def _age(name, hours):
    path = default_storage.path(name)
    then = (dt.datetime.now() - dt.timedelta(hours=hours)).timestamp()
    os.utime(path, (then, then))


def _upload(submission, user):
    indicator = submission.cycle.rubric.categories.first().indicators.first()
    return self_assessment.evidence_add(
        submission=submission, indicator_id=indicator.pk, upload=_pdf(), by=user
    )


def test_a_file_of_a_rolled_back_outer_transaction_is_swept_and_a_kept_one_is_not(
    rating_submission, secretary_user
):
    kept = _upload(rating_submission, secretary_user)
    with pytest.raises(Rollback), transaction.atomic():
        lost = _upload(rating_submission, secretary_user)
        lost_name = lost.file.name
        raise Rollback
    assert not Evidence.objects.filter(file=lost_name).exists()
    assert default_storage.exists(lost_name)  # written, but no row names it

    # young files are left alone: the upload may still be on its way to a commit
    assert orphans.orphaned_files() == []
    _age(lost_name, 25)
    _age(kept.file.name, 25)
    assert orphans.orphaned_files() == [lost_name]
    assert orphans.sweep_orphaned_files(dry_run=True) == [lost_name]
    assert default_storage.exists(lost_name)

    assert sweep_orphaned_files() == 1
    assert not default_storage.exists(lost_name)
    assert default_storage.exists(kept.file.name)
    assert sweep_orphaned_files() == 0


def test_the_command_lists_what_it_deletes_and_refuses_a_negative_age(
    rating_submission, secretary_user, capsys
):
    with pytest.raises(Rollback), transaction.atomic():
        name = _upload(rating_submission, secretary_user).file.name
        raise Rollback
    call_command("sweep_orphaned_files", "--hours=0", "--dry-run")
    out = capsys.readouterr().out
    assert name in out and default_storage.exists(name)
    call_command("sweep_orphaned_files", "--hours=0")
    assert not default_storage.exists(name)
    with pytest.raises(CommandError):
        call_command("sweep_orphaned_files", "--hours=-1")


def test_an_empty_storage_has_no_orphans(db):
    assert orphans.orphaned_files() == []


@pytest.mark.usefixtures("private_storage_backend")
def test_the_sweep_works_on_every_backend(rating_submission, secretary_user):
    """The same sweep on the local folder and on object storage: listed, dated and deleted through the
    storage API (the clock is moved instead of the files' times, which object storage cannot change)."""
    storage = Evidence._meta.get_field("file").storage
    kept = _upload(rating_submission, secretary_user)
    with pytest.raises(Rollback), transaction.atomic():
        lost = _upload(rating_submission, secretary_user).file.name
        raise Rollback
    assert storage.exists(lost) and storage.exists(kept.file.name)
    assert orphans.orphaned_files() == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    assert orphans.orphaned_files(now=later) == [lost]
    assert orphans.sweep_orphaned_files(now=later) == [lost]
    assert not storage.exists(lost)
    assert storage.exists(kept.file.name)
    with storage.open(kept.file.name, "rb") as fh:
        assert fh.read().startswith(b"%PDF")
