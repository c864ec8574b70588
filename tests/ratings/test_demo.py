"""The rating demo data tells the story of two rating years: 2023 completed with 30 branches at 3★ or
above, 2024 in progress with a submission in every state, and loading it twice changes nothing."""

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from branches import demo as register_demo
from branches.models import AuditEntry, PartyOrganization
from core.uploads import DOCUMENTS, sniff
from ratings import demo
from ratings.models import (
    Award,
    Cycle,
    Evidence,
    InspectionAssignment,
    ReturnReason,
    Rubric,
    Status,
    Submission,
)

pytestmark = pytest.mark.django_db


def _row_counts():
    models = list(apps.get_app_config("ratings").get_models()) + [AuditEntry]
    return {m._meta.label: m.objects.count() for m in models}


def _state_of_everything():
    return (
        _row_counts(),
        sorted(
            Submission.objects.values_list(
                "pk", "status", "total", "proposed_level", "final_level", "vetoed", "submitted_at"
            )
        ),
        sorted(Cycle.objects.values_list("pk", "status", "self_assessment_deadline", "opened_at")),
    )


def test_demo_files_are_real_pdf_and_png():
    assert (
        sniff(SimpleUploadedFile("a.pdf", demo.demo_pdf("Starfire (demo)")), DOCUMENTS) == "application/pdf"
    )
    assert sniff(SimpleUploadedFile("a.png", demo.demo_png()), DOCUMENTS) == "image/png"
    pdf = demo.demo_pdf("x")
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref_at = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[xref_at : xref_at + 4] == b"xref"


def test_demo_ratings_2023_completed_2024_in_progress_and_idempotent():
    register_demo.load_register()
    result = demo.load_ratings()
    assert result["created"] == [2023, 2024]
    committee = result["committee"]

    # 2023: completed, every party organisation reviewed through the procedure.
    c2023 = Cycle.objects.get(committee=committee, year=2023)
    assert c2023.status == Cycle.Status.FINAL
    assert c2023.self_assessment_deadline.year == c2023.review_deadline.year == 2023
    subs = list(Submission.objects.filter(cycle=c2023).select_related("party_organization"))
    assert len(subs) == PartyOrganization.objects.filter(committee=committee, is_active=True).count() == 34
    assert {s.status for s in subs} == {Status.REVIEWED}
    assert all(s.submitted_at.year == s.reviewed_at.year == 2023 for s in subs)
    three_plus = [s for s in subs if not s.vetoed and s.final_level is not None and s.final_level >= 3]
    assert len(three_plus) == 30
    assert sorted(s.final_level for s in subs if not s.vetoed and s.final_level < 3) == [1, 2, 2]
    vetoed = [s for s in subs if s.vetoed]
    assert len(vetoed) == 1 and vetoed[0].proposed_level is None and "一票否决" in vetoed[0].level_explanation
    wuhou = next(s for s in subs if s.party_organization.name == register_demo.WUHOU_BRANCH)
    assert wuhou.final_level == 5
    assert Award.objects.filter(cycle=c2023).count() == 30
    assert all(a.valid_from.year == 2023 for a in Award.objects.filter(cycle=c2023))
    assert all(s.assignments.count() == 2 and all(a.signed_off_at for a in s.assignments.all()) for s in subs)
    for ev in Evidence.objects.filter(submission__cycle=c2023)[:5]:
        with ev.file.open("rb") as fh:
            upload = SimpleUploadedFile(ev.original_name, fh.read())
        assert sniff(upload, DOCUMENTS) == ev.content_type

    # 2024: in progress on version 2 of the rubric, with a submission in every state.
    c2024 = Cycle.objects.get(committee=committee, year=2024)
    assert c2024.status == Cycle.Status.OPEN
    assert c2024.rubric.version == 2 and c2024.rubric.based_on == c2023.rubric
    assert Rubric.objects.get(pk=c2023.rubric_id).frozen_at is not None
    statuses = set(Submission.objects.filter(cycle=c2024).values_list("status", flat=True))
    assert statuses == set(Status.values)
    returned = Submission.objects.filter(cycle=c2024, status=Status.RETURNED)
    assert all(ReturnReason.objects.filter(submission=s).exists() for s in returned)
    accepted = InspectionAssignment.objects.filter(
        submission__cycle=c2024, submission__status=Status.ACCEPTED
    )
    signed = accepted.filter(signed_off_at__isnull=False).values_list("submission_id", flat=True)
    assert accepted.exists() and signed.exists()
    assert accepted.exclude(submission_id__in=signed).exists()  # some with nobody signed yet
    limited = Submission.objects.get(cycle=c2024, party_organization__name=demo.TWO_STAR_2023)
    assert limited.status == Status.REVIEWED and limited.proposed_level == 3
    assert "逐级晋升限制为三星" in limited.level_explanation
    assert c2024.exclusions.count() == 1

    # 2023 is final: 30 awards with delivered plaques, one objection rejected and one upheld,
    # rectification items in several states, one award revoked with its plaque returned.
    from ratings.models import Objection, Rectification

    assert c2023.status == Cycle.Status.FINAL
    awards = Award.objects.filter(cycle=c2023)
    assert awards.count() == 30 and not awards.filter(plaque__delivered_on=None).exists()
    assert sorted(Objection.objects.filter(submission__cycle=c2023).values_list("state", flat=True)) == [
        "rejected",
        "upheld",
    ]
    states = set(Rectification.objects.filter(submission__cycle=c2023).values_list("state", flat=True))
    assert {"open", "answered", "verified", "sent_back"} <= states
    revoked = awards.get(state=Award.State.REVOKED)
    assert revoked.plaque.returned_on is not None and revoked.events.filter(kind="revoked").exists()

    # Idempotent: loading again creates, changes and deletes nothing.
    before = _state_of_everything()
    again = demo.load_ratings()
    assert again["created"] == []
    assert _state_of_everything() == before
    assert any("30 个三星及以上" in line for line in again["cycles"])
