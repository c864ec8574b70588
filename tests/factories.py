"""factory-boy factories for the register. Every organisation gets a USCC that passes the check."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from branches.models import (
    Committee,
    Instructor,
    InstructorKind,
    Member,
    MemberRole,
    Membership,
    OrgType,
    PartyOrganization,
    PartyOrgKind,
    Role,
    SocialOrganization,
    User,
)
from branches.uscc import make_uscc

PASSWORD = "correct-horse-battery"

# Position 2 of a civil-affairs (5…) code for each type.
TYPE_DIGIT = {
    OrgType.ASSOCIATION: "1",
    OrgType.PRIVATE_NON_ENTERPRISE: "2",
    OrgType.FOUNDATION: "3",
    OrgType.OTHER: "9",
}


def civil_affairs_uscc(n: int, org_type: str = OrgType.ASSOCIATION, division: str = "510107") -> str:
    """The n-th valid civil-affairs code of a type in a division (organisation code MJ + 7 digits)."""
    return make_uscc(f"5{TYPE_DIGIT[org_type]}{division}MJ{n:07d}")


class CommitteeFactory(DjangoModelFactory):
    class Meta:
        model = Committee

    name = factory.Sequence(lambda n: f"测试综合党委{n}")
    short_name = factory.Sequence(lambda n: f"测党委{n}")


class SocialOrganizationFactory(DjangoModelFactory):
    class Meta:
        model = SocialOrganization

    class Params:
        division = "510107"

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"成都市测试社会组织{n:05d}")
    org_type = OrgType.ASSOCIATION
    uscc = factory.LazyAttributeSequence(lambda o, n: civil_affairs_uscc(n, o.org_type, o.division))
    division_code = factory.LazyAttribute(lambda o: o.division)
    address = "成都市武侯区测试路1号"


class PartyOrganizationFactory(DjangoModelFactory):
    """A 党支部 by default. `organizations=[…]` sets what it covers; left out, a branch covers one
    new organisation of its committee and a joint branch two. `with_members=n` adds n full members,
    the first of them the secretary."""

    class Meta:
        model = PartyOrganization
        skip_postgeneration_save = True

    committee = factory.SubFactory(CommitteeFactory)
    kind = PartyOrgKind.BRANCH
    name = factory.Sequence(lambda n: f"测试党组织{n:05d}")
    founded_on = dt.date(2018, 7, 1)

    @factory.post_generation
    def organizations(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is not None:
            self.organizations.set(extracted)
            return
        count = {PartyOrgKind.JOINT_BRANCH: 2}.get(self.kind, 1)
        self.organizations.set(SocialOrganizationFactory.create_batch(count, committee=self.committee))

    @factory.post_generation
    def with_members(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for i in range(extracted):
            MemberFactory(
                party_organization=self,
                role=MemberRole.SECRETARY if i == 0 else MemberRole.MEMBER,
                membership=Membership.FULL,
            )


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    party_organization = factory.SubFactory(PartyOrganizationFactory)
    name = factory.Sequence(lambda n: f"党员{n:04d}")
    membership = Membership.FULL
    role = MemberRole.MEMBER
    joined_on = dt.date(2010, 7, 1)


class InstructorFactory(DjangoModelFactory):
    class Meta:
        model = Instructor
        skip_postgeneration_save = True

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"指导员{n:04d}")
    kind = InstructorKind.INSTRUCTOR
    phone = "028-12345678"

    @factory.post_generation
    def organizations(self, create, extracted, **kwargs):
        if create and extracted:
            self.organizations.set(extracted)


class UserFactory(DjangoModelFactory):
    """A login without a role."""

    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n:04d}")
    display_name = factory.LazyAttribute(lambda o: o.username)
    password = factory.django.Password(PASSWORD)
    role = ""


class StaffUserFactory(UserFactory):
    """综合党委工作人员: sees their whole committee, uses the admin."""

    role = Role.STAFF
    committee = factory.SubFactory(CommitteeFactory)
    is_staff = True


class SecretaryUserFactory(UserFactory):
    """支部书记: their own party organisation only."""

    role = Role.SECRETARY
    party_organization = factory.SubFactory(PartyOrganizationFactory)
    committee = factory.LazyAttribute(lambda o: o.party_organization.committee)


class InspectorUserFactory(UserFactory):
    """验收人员 of a committee."""

    role = Role.INSPECTOR
    committee = factory.SubFactory(CommitteeFactory)


# --- ratings --------------------------------------------------------------------------------
# Models are named "app.Model" and the few helpers import locally, so this section adds no
# imports at the top of the file.

STANDARD_BANDS = ((5, 95), (4, 85), (3, 75), (2, 65), (1, 60))
SMALL_INDICATORS = (("1.1", 40, True), ("1.2", 30, False), ("2.1", 30, True))


def _in_days(days):
    from django.utils import timezone

    return timezone.now() + dt.timedelta(days=days)


class RubricFactory(DjangoModelFactory):
    """An empty rubric version; `make_rubric()` builds a complete one."""

    class Meta:
        model = "ratings.Rubric"

    committee = factory.SubFactory(CommitteeFactory)
    version = factory.Sequence(lambda n: n + 1)


def make_rubric(committee, *, indicators=SMALL_INDICATORS, bands=STANDARD_BANDS, **fields):
    """A small complete rubric of `committee`: `indicators` as (code, max score, evidence required),
    grouped into categories by the part of the code before the dot; bonus item B1 (+3 each time),
    deduction item D1 (−2), veto items V1 and V2; `bands` as (level, min total[, quota %])."""
    from decimal import Decimal

    from ratings.models import AdjustmentItem, Rubric, StarBand, VetoItem

    last = Rubric.objects.filter(committee=committee).order_by("-version").first()
    fields.setdefault("version", last.version + 1 if last else 1)
    rubric = Rubric.objects.create(committee=committee, **fields)
    categories = {}
    for order, (code, max_score, evidence) in enumerate(indicators, start=1):
        prefix = code.split(".")[0]
        if prefix not in categories:
            categories[prefix] = rubric.categories.create(
                code=prefix, title=f"一级指标{prefix}", order=len(categories) + 1
            )
        categories[prefix].indicators.create(
            code=code,
            title=f"指标{code}",
            max_score=Decimal(str(max_score)),
            evidence_required=evidence,
            order=order,
            evidence_description=f"指标{code}的佐证",
        )
    AdjustmentItem.objects.create(
        rubric=rubric, kind="bonus", code="B1", title="获省级以上表彰", points=Decimal("3")
    )
    AdjustmentItem.objects.create(
        rubric=rubric, kind="deduction", code="D1", title="未按时报送材料", points=Decimal("2")
    )
    VetoItem.objects.create(rubric=rubric, code="V1", title="发生严重违纪违法案件", order=1)
    VetoItem.objects.create(rubric=rubric, code="V2", title="社会组织被撤销登记", order=2)
    for band in bands:
        level, min_total, quota = (*band, None) if len(band) == 2 else band
        StarBand.objects.create(
            rubric=rubric,
            level=level,
            min_total=Decimal(str(min_total)),
            quota_percent=None if quota is None else Decimal(str(quota)),
        )
    return rubric


class CycleFactory(DjangoModelFactory):
    """A cycle in preparation (DRAFT) whose self-assessment deadline is a month away."""

    class Meta:
        model = "ratings.Cycle"

    committee = factory.SubFactory(CommitteeFactory)
    year = factory.Sequence(lambda n: 2030 + n % 60)
    rubric = factory.LazyAttribute(lambda o: make_rubric(o.committee))
    self_assessment_deadline = factory.LazyFunction(lambda: _in_days(30))
    inspection_deadline = factory.LazyFunction(lambda: _in_days(60))
    review_deadline = factory.LazyFunction(lambda: _in_days(90))


class SubmissionFactory(DjangoModelFactory):
    """A submission created directly (for history such as last year's result); live ones come from
    `ratings.workflow.cycle_setup.cycle_open`."""

    class Meta:
        model = "ratings.Submission"

    cycle = factory.SubFactory(CycleFactory)
    party_organization = factory.SubFactory(
        PartyOrganizationFactory, committee=factory.SelfAttribute("..cycle.committee")
    )


def png_upload(name="photo.png"):
    """A real 1×1 PNG as an upload (passes the content check of core.uploads.sniff)."""
    import struct
    import zlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    body = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile(name, body, content_type="image/png")


DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)


def docx_bytes(text="会议记录", extra=()):
    """A minimal but valid Word document (the three parts Word needs), with `extra` (name, bytes) parts."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        z.writestr("_rels/.rels", DOCX_RELS)
        z.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
        for name, data in extra:
            z.writestr(name, data)
    return buf.getvalue()


def docx_upload(name="记录.docx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, docx_bytes())


def xlsx_upload(name="签到表.xlsx"):
    """A real workbook saved by openpyxl."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "签到"
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def jpeg_bytes(size=(8, 6), color=(200, 30, 30), **save_options):
    """A real JPEG made by Pillow; `save_options` go to Image.save (exif=…, comment=…)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", **save_options)
    return buf.getvalue()


def jpeg_upload(name="现场.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


# --- meetings (written by the meetings work; appended) ------------------------------------


def beijing(*args) -> dt.datetime:
    """An aware datetime in Asia/Shanghai (the committees' time zone)."""
    from zoneinfo import ZoneInfo

    return dt.datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


def meeting_type(committee, code):
    """The committee's meeting type with `code` (every committee is seeded with the defaults)."""
    from meetings.models import MeetingType

    return MeetingType.objects.get(committee=committee, code=code)


class MeetingFactory(DjangoModelFactory):
    """A held meeting written directly (no attendance, no quorum check): for lists and access
    tests. Use `meetings.services.meeting_create` where the rules matter. `type_code` picks the
    type of the branch's committee."""

    class Meta:
        model = "meetings.Meeting"

    class Params:
        type_code = "theme_day"

    party_organization = factory.SubFactory(PartyOrganizationFactory)
    meeting_type = factory.LazyAttribute(lambda o: meeting_type(o.party_organization.committee, o.type_code))
    starts_at = factory.LazyFunction(lambda: beijing(2023, 5, 10, 14, 30))
    place = "党员活动室"
    topic = factory.Sequence(lambda n: f"测试会议主题{n:04d}")
    status = "held"


# --- ratings part 2: 公示, awards, rectification (appended) --------------------------------------


def reviewed_submission(cycle, party_organization=None, *, by, scores=None, veto_code=None):
    """Write a REVIEWED submission of `cycle` directly (no self-assessment or inspection): final
    scores by indicator code (default full marks) and, with `veto_code`, a confirmed veto item.
    Call ratings.workflow.levels.cycle_recompute_levels afterwards to propose the star levels."""
    from django.utils import timezone

    from ratings.models import FinalScore, Submission, VetoDecision, VetoItem

    po = party_organization or PartyOrganizationFactory(committee=cycle.committee)
    sub, _created = Submission.objects.get_or_create(cycle=cycle, party_organization=po)
    for ind in cycle.rubric.indicators():
        FinalScore.objects.update_or_create(
            submission=sub,
            indicator=ind,
            defaults={"score": (scores or {}).get(ind.code, ind.max_score), "set_by": by},
        )
    if veto_code:
        VetoDecision.objects.create(
            submission=sub,
            item=VetoItem.objects.get(rubric=cycle.rubric, code=veto_code),
            state=VetoDecision.State.CONFIRMED,
            raised_by=by,
            decided_by=by,
            reason="查实",
            decided_at=timezone.now(),
        )
    sub.status, sub.reviewed_at = "reviewed", timezone.now()
    sub.save(update_fields=["status", "reviewed_at"])
    return sub


class ProvinceUserFactory(UserFactory):
    """A user of the province's 两新工委 (assign committees with `.province_committees.set`)."""

    role = "province"
