"""Defects of the procedure, one test each: the promotion limit after a downgrade or revocation,
sign-offs after reopening, deadline extensions, and files of a failed upload."""

import datetime as dt
import os
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ratings.models import Award, Evidence, InspectionAssignment, Status
from ratings.outcomes.awards import award_downgrade, award_revoke
from ratings.outcomes.publication import cycle_publish, results_finalize
from ratings.workflow import panel, precheck, self_assessment
from ratings.workflow.levels import previous_levels
from tests import factories


def test_the_promotion_limit_reads_last_cycles_level_after_a_downgrade_or_revocation(
    results_cycle, staff_user, committee
):
    cycle = cycle_publish(cycle=results_cycle.cycle, by=staff_user)
    results_finalize(cycle=cycle, by=staff_user, today=cycle.notice_ends_on + dt.timedelta(days=1))
    five = Award.objects.get(submission=results_cycle.five)
    four = Award.objects.get(submission=results_cycle.four)
    award_downgrade(award=five, to_level=3, grounds="other", reason="整改不到位", by=staff_user)
    award_revoke(award=four, grounds="other", reason="发生严重问题", by=staff_user)
    this_year = factories.CycleFactory(
        committee=committee, rubric=results_cycle.cycle.rubric, year=results_cycle.cycle.year + 1
    )
    levels = previous_levels(this_year)
    assert levels[results_cycle.five.party_organization_id] == 3  # not the 5 proposed last year
    assert levels[results_cycle.four.party_organization_id] == 0
    assert levels[results_cycle.three.party_organization_id] == 3
    assert levels[results_cycle.vetoed.party_organization_id] == 0


def test_reopening_an_accepted_submission_clears_the_inspectors_sign_offs(
    rating_flow, rating_submission, staff_user
):
    submission = rating_flow.drive(rating_submission, Status.ACCEPTED)
    assert InspectionAssignment.objects.filter(submission=submission).exclude(signed_off_at=None).exists()
    panel.submission_reopen(submission=submission, by=staff_user, reason="初核材料需补充")
    assert not InspectionAssignment.objects.filter(submission=submission).exclude(signed_off_at=None).exists()


def test_a_deadline_extension_must_lie_after_the_current_deadline(rating_flow, rating_submission, staff_user):
    submission = rating_flow.drive(rating_submission, Status.DRAFT)
    earlier = submission.deadline - dt.timedelta(days=1)
    assert earlier > timezone.now()
    with pytest.raises(ValidationError) as info:
        precheck.submission_extend_deadline(
            submission=submission, until=earlier, reason="延期", by=staff_user
        )
    assert "until" in info.value.message_dict
    precheck.submission_extend_deadline(
        submission=submission, until=submission.deadline + dt.timedelta(days=3), reason="延期", by=staff_user
    )


def _files(root):
    return sorted(os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files)


def test_an_upload_that_fails_half_way_leaves_no_file(rating_submission, secretary_user):
    indicator = rating_submission.cycle.rubric.categories.first().indicators.first()
    root = Evidence._meta.get_field("file").storage.location
    before = _files(root)
    with (
        mock.patch.object(self_assessment, "audit", side_effect=RuntimeError("audit down")),
        pytest.raises(RuntimeError),
    ):
        self_assessment.evidence_add(
            submission=rating_submission,
            indicator_id=indicator.pk,
            upload=_pdf(),
            by=secretary_user,
        )
    assert not Evidence.objects.exists()
    assert _files(root) == before


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile("evidence.pdf", body, content_type="application/pdf")


def test_reading_settings_writes_no_row(staff_client, committee, rating_submission):
    from meetings.models import MeetingSettings
    from meetings.services import meeting_settings_for
    from ratings.models import RatingSettings

    RatingSettings.objects.filter(committee=committee).delete()
    MeetingSettings.objects.filter(committee=committee).delete()
    assert RatingSettings.for_committee(committee.pk).notice_min_working_days == 5
    assert meeting_settings_for(committee.pk).pk is None
    staff_client.get(reverse("ratings:submission-detail", args=[rating_submission.pk]))
    assert not RatingSettings.objects.filter(committee=committee).exists()
    assert not MeetingSettings.objects.filter(committee=committee).exists()
