"""The world of the access matrix (tests/access_matrix.py): two committees, one actor per role, and
one row of every kind a URL can name, all belonging to the secretary's own branch where a row
belongs to a branch, else to the own committee.

Built once per test module (see tests/test_access_matrix.py); every request then runs in a
savepoint that is rolled back, so no request sees what another one did.
"""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from branches import import_batches
from branches.models import AuditEntry, Division, ImportBatch
from branches.tasks import check_import_batch
from meetings import services as meeting_services
from notifications.services import notify
from programme import cases as case_services
from programme import pairing as pairing_services
from programme import plans as plan_services
from programme.models import ProgrammeSettings
from ratings.models import (
    Award,
    AwardEvent,
    CycleExclusion,
    ExportJob,
    InspectionAssignment,
    InspectorConflict,
    Objection,
    ObjectionAttachment,
    RatingSettings,
    RectificationEvidence,
    Status,
    Submission,
    VetoDecision,
)
from ratings.outcomes import followup, promotion
from ratings.outcomes.awards import award_downgrade
from ratings.outcomes.rectification import rectification_answer, rectification_create
from ratings.reports import exports
from ratings.reports.tally import tally_recompute, tally_request
from ratings.workflow import cycle_setup, onsite
from tests import factories
from tests.ratings.conftest import RatingFlow, finalize_results, make_results_cycle

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# The roles of the matrix, in the order of the table's columns.
ROLES = (
    "anonymous",
    "no_role",  # logged in, with no role in any committee
    "secretary",  # of the own branch
    "other_secretary",  # of another branch of the same committee
    "inspector",  # assigned to the own branch's submission
    "other_inspector",  # of the same committee, not assigned
    "staff",  # of the own committee
    "other_staff",  # of the other committee
    "superuser",  # acting for the own committee
    "province",  # the province's 两新工委, assigned the own committee
)


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class World:
    """Attribute bag: w.committee, w.po, w.sub, w.award … and w.users[role]."""


def build_world() -> World:
    w = World()
    w.committee = factories.CommitteeFactory(name="四川省社会组织第二综合党委")
    w.other_committee = factories.CommitteeFactory(name="四川省社会组织第一综合党委")
    w.staff = factories.StaffUserFactory(committee=w.committee, username="staff")
    other_staff = factories.StaffUserFactory(committee=w.other_committee, username="other-staff")
    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    province = factories.UserFactory(username="province", role="province")
    province.province_committees.set([w.committee])

    # Last year's cycle, published and final: awards, an objection, a downgrade, rectification.
    results = finalize_results(make_results_cycle(w.committee, w.staff), w.staff)
    w.results_cycle = results.cycle
    w.results_sub = results.four
    w.po = w.results_sub.party_organization
    w.org = w.po.organizations.first()
    w.secretary = factories.SecretaryUserFactory(party_organization=w.po, username="secretary")
    other_po = factories.PartyOrganizationFactory(committee=w.committee, with_members=3)
    other_secretary = factories.SecretaryUserFactory(party_organization=other_po, username="other-secretary")
    w.objection = Objection.objects.create(
        submission=w.results_sub, reference="YY-MATRIX-1", reason="理由", contact="13800138000", name="王五"
    )
    w.objection_attachment = ObjectionAttachment(
        objection=w.objection, original_name="证据.pdf", content_type="application/pdf", size=len(PDF)
    )
    w.objection_attachment.file.save("e.pdf", pdf("e.pdf"), save=False)
    w.objection_attachment.save()
    w.award = Award.objects.get(submission=w.results_sub)
    award_downgrade(
        award=w.award, to_level=2, grounds="veto", reason="违纪", by=w.staff, evidence=pdf("决定.pdf")
    )
    w.award.refresh_from_db()
    w.award_event = AwardEvent.objects.get(award=w.award, kind="downgraded")
    w.item = rectification_create(
        submission=w.results_sub,
        by=w.staff,
        problem="记录不全",
        requirement="补齐",
        due_on=timezone.localdate() + dt.timedelta(days=10),
    )
    rectification_answer(item=w.item, by=w.secretary, answer="已补齐", files=[pdf("台账.pdf")])
    w.rectification_evidence = RectificationEvidence.objects.get(rectification=w.item)
    w.exclusion = CycleExclusion.objects.filter(cycle=w.results_cycle).first()
    w.followup_check = followup.followup_check_open(award=w.award, trigger="abnormal", note="矩阵")
    w.speaker = promotion.promotion_speaker_add(
        cycle=w.results_cycle, by=w.staff, party_organization=w.po, speaker="王书记", topic="经验交流"
    )
    w.vetoed_sub = results.vetoed
    w.veto = VetoDecision.objects.filter(submission=w.vetoed_sub).first()

    # This year's open cycle: the own branch's submission accepted, evidence attached, two
    # inspectors assigned (the first signed; the second, the matrix's "inspector", still at work),
    # a photo taken.
    inspectors = [
        factories.InspectorUserFactory(committee=w.committee, username="first-inspector"),
        factories.InspectorUserFactory(committee=w.committee, username="inspector"),
    ]
    other_inspector = factories.InspectorUserFactory(committee=w.committee, username="other-inspector")
    w.rubric = w.results_cycle.rubric
    cycle = factories.CycleFactory(committee=w.committee, rubric=w.rubric, year=timezone.localdate().year)
    w.cycle = cycle_setup.cycle_open(cycle=cycle, by=w.staff)
    w.sub = RatingFlow(w.staff, inspectors).drive(
        Submission.objects.get(cycle=w.cycle, party_organization=w.po), Status.ACCEPTED
    )
    w.indicator = w.rubric.indicators().filter(evidence_required=True).first()
    w.evidence = w.sub.evidence.first()
    w.assignment = InspectionAssignment.objects.get(submission=w.sub, inspector=inspectors[1])
    w.photo = onsite.inspection_photo_add(
        assignment=w.assignment, indicator_id=w.indicator.pk, upload=factories.png_upload(), by=inspectors[1]
    )
    followup.followup_schedule(  # the follow-up visit, the matrix's "inspector" assigned to score it
        check=w.followup_check,
        by=w.staff,
        visit_on=timezone.localdate(),
        inspector=inspectors[1],
        indicators=[w.indicator],
    )
    w.tally_run = tally_request(cycle=w.results_cycle, by=w.staff)
    tally_recompute(cycle_id=w.results_cycle.pk, run=w.tally_run)
    w.export_job, _created = exports.export_request(kind="tally_xlsx", cycle=w.results_cycle, by=w.staff)
    exports.export_build(job_id=w.export_job.pk)
    w.queued_export_job = ExportJob.objects.create(
        kind="report_pdf", cycle=w.results_cycle, committee=w.committee, requested_by=w.staff
    )

    # Meetings, a notice, an import batch.
    w.meeting = factories.MeetingFactory(party_organization=w.po)
    meeting_services.meeting_attachment_add(
        meeting=w.meeting, upload=factories.png_upload("合影.png"), by=None
    )
    w.meeting_attachment = w.meeting.attachments.first()
    w.notification = notify(
        recipients=[w.secretary], kind="submission_returned", key="matrix", title="通知", body="正文", url="/"
    )[0]
    csv = f"名称,统一社会信用代码\n某协会,{factories.civil_affairs_uscc(999_001)}\n"
    batch, error = import_batches.import_batch_create(
        committee=w.committee,
        by=w.staff,
        upload=SimpleUploadedFile("orgs.csv", csv.encode("utf-8-sig"), content_type="text/csv"),
    )
    assert not error, error
    check_import_batch(batch.pk)  # the dry run, as a worker runs it after the upload commits
    w.import_batch = ImportBatch.objects.get(pk=batch.pk)
    w.audit_entry = AuditEntry.objects.filter(committee=w.committee).first()

    # The programme: the own branch (2★ after the downgrade) led by last year's 5★ branch.
    today = timezone.localdate()
    w.pairing = pairing_services.pairing_create(
        cycle=w.results_cycle,
        strong=results.five.party_organization,
        weak=w.po,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=300),
        goals="共建共学",
        by=w.staff,
    )
    # With the target at 5★, last year's 4★ result of the own branch gets a plan; its secretary
    # committed one action.
    w.programme_settings = ProgrammeSettings.for_committee(w.committee.pk)
    w.programme_settings.target_level = 5
    w.programme_settings.save()
    plan_services.plans_generate(cycle=w.results_cycle, by=w.staff)
    w.plan = w.po.improvement_plans.get(cycle=w.results_cycle)
    w.plan_action = plan_services.plan_action_add(
        plan=w.plan, by=w.secretary, text="规范台账", owner="王", due_on=today + dt.timedelta(days=20)
    )
    plan_services.plan_commit(plan=w.plan, by=w.secretary)
    # A published case of the own branch with a photo, and a draft with one.
    w.case, w.draft_case = (
        case_services.case_create(
            committee_id=w.committee.pk,
            party_organization=w.po,
            title=title,
            text="做法与成效",
            indicators=[w.indicator],
            by=w.staff,
        )
        for title in ("“三会一课”规范化", "草稿")
    )
    w.case_photo = case_services.case_photo_add(case=w.case, upload=factories.png_upload(), by=w.staff)
    w.draft_case_photo = case_services.case_photo_add(
        case=w.draft_case, upload=factories.png_upload(), by=w.staff
    )
    for edge in ("submit", "publish"):
        case_services.case_transition(case=w.case, edge=edge, by=w.staff)

    # What else the admin shows a page for.
    w.division = Division.objects.get_or_create(code="510107", defaults={"name": "武侯区"})[0]
    w.instructor = factories.InstructorFactory(committee=w.committee, organizations=[w.org])
    w.rating_settings = RatingSettings.objects.get_or_create(committee=w.committee)[0]
    w.conflict = InspectorConflict.objects.create(inspector=other_inspector, organization=w.org)
    w.meeting_settings = meeting_services.meeting_settings_for(w.committee.pk)

    # Rows of others: another branch's submission, the other committee's branch and meeting, a
    # notice to someone else.
    w.other_sub = Submission.objects.get(cycle=w.cycle, party_organization=other_po)
    w.other_committee_po = factories.PartyOrganizationFactory(committee=w.other_committee, with_members=3)
    w.other_org = w.other_committee_po.organizations.first()
    w.other_meeting = factories.MeetingFactory(party_organization=w.other_committee_po)
    meeting_services.meeting_attachment_add(
        meeting=w.other_meeting, upload=factories.png_upload("合影.png"), by=None
    )
    w.other_meeting_attachment = w.other_meeting.attachments.first()
    w.staff_notification = notify(
        recipients=[w.staff],
        kind="submission_returned",
        key="matrix-staff",
        title="通知",
        body="正文",
        url="/",
    )[0]

    w.users = {
        "anonymous": None,
        "no_role": factories.UserFactory(username="no-role"),
        "secretary": w.secretary,
        "other_secretary": other_secretary,
        "inspector": inspectors[1],
        "other_inspector": other_inspector,
        "staff": w.staff,
        "other_staff": other_staff,
        "superuser": superuser,
        "province": province,
    }
    return w
