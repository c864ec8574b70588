"""What the API shows of each row. Read serializers only: writes go through the forms and services
of the pages (api/writes.py). Members and instructors: names and roles, no personal data."""

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from branches.models import Committee, Instructor, Member, PartyOrganization, SocialOrganization
from meetings.models import ComplianceSnapshot
from ratings.models import (
    Award,
    Cycle,
    Evidence,
    Indicator,
    IndicatorScore,
    InspectionAssignment,
    InspectionPhoto,
    InspectionScore,
    Rubric,
    RubricCategory,
    Submission,
    TallySnapshot,
    level_name,
)
from ratings.workflow.versions import inspection_score_version, self_score_version


class CommitteeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Committee
        fields = ["id", "name", "short_name"]


class OrganizationSerializer(serializers.ModelSerializer):
    has_party_org = serializers.BooleanField(read_only=True, help_text="组织覆盖：有正常运行的党组织")
    has_instructor = serializers.BooleanField(read_only=True, help_text="工作覆盖：有在岗的党建指导员")
    party_organizations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = SocialOrganization
        fields = [
            "id",
            "committee",
            "name",
            "uscc",
            "org_type",
            "is_trade_association",
            "division_code",
            "status",
            "has_party_org",
            "has_instructor",
            "party_organizations",
        ]


class PartyOrganizationSerializer(serializers.ModelSerializer):
    full_members = serializers.IntegerField(read_only=True)
    all_members = serializers.IntegerField(read_only=True)
    org_count = serializers.IntegerField(read_only=True)
    star_level = serializers.IntegerField(read_only=True, allow_null=True)
    organizations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = PartyOrganization
        fields = [
            "id",
            "committee",
            "kind",
            "name",
            "parent",
            "is_active",
            "organizations",
            "org_count",
            "full_members",
            "all_members",
            "star_level",
        ]


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "party_organization", "name", "membership", "role"]


class InstructorSerializer(serializers.ModelSerializer):
    organizations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Instructor
        fields = ["id", "committee", "name", "kind", "is_active", "organizations"]


class CycleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cycle
        fields = [
            "id",
            "committee",
            "year",
            "title",
            "rubric",
            "status",
            "self_assessment_deadline",
            "inspection_deadline",
            "review_deadline",
            "notice_starts_on",
            "notice_ends_on",
            "finalized_at",
        ]


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "title",
            "max_score",
            "evidence_required",
            "evidence_description",
            "guidance",
            "order",
        ]


class CategorySerializer(serializers.ModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = RubricCategory
        fields = ["id", "code", "title", "order", "indicators"]


class RubricSerializer(serializers.ModelSerializer):
    categories = CategorySerializer(many=True, read_only=True)

    class Meta:
        model = Rubric
        fields = ["id", "committee", "name", "version", "frozen_at", "categories"]


class SelfScoreSerializer(serializers.ModelSerializer):
    version = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)  # null: not scored yet

    class Meta:
        model = IndicatorScore
        fields = ["indicator", "score", "comment", "updated_at", "version"]

    def get_version(self, row) -> str:
        return self_score_version(row)


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "indicator", "original_name", "content_type", "size", "meeting", "uploaded_at"]


class InspectionScoreSerializer(serializers.ModelSerializer):
    version = serializers.SerializerMethodField()
    recorded_at = serializers.DateTimeField(read_only=True, allow_null=True)  # null: not scored yet

    class Meta:
        model = InspectionScore
        fields = ["indicator", "score", "finding", "recorded_at", "version"]

    def get_version(self, row) -> str:
        return inspection_score_version(row)


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionPhoto
        fields = ["id", "indicator", "original_name", "content_type", "size"]


class SubmissionSerializer(serializers.ModelSerializer):
    """A submission and its scores as the role may see them (the view says which: `see_*` in the
    context, from the access policy)."""

    party_organization_name = serializers.CharField(source="party_organization.name", read_only=True)
    self_scores = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "cycle",
            "party_organization",
            "party_organization_name",
            "status",
            "submitted_at",
            "deadline_extended_to",
            "self_scores",
            "evidence",
            "results",
        ]

    def get_self_scores(self, sub) -> list[dict]:
        return SelfScoreSerializer(sub.scores.all(), many=True).data

    def get_evidence(self, sub) -> list[dict]:
        return EvidenceSerializer(sub.evidence.all(), many=True).data

    def get_results(self, sub) -> dict | None:
        """The review's results for those who manage the rating; for the branch, once its cycle's
        results are published, what its 星级历史 page shows: the level (the final one once
        decided, else the proposed one), a veto, the indicators' total. Else null."""
        if sub.pk not in self.context.get("managed", set()):
            if sub.pk not in self.context.get("published", set()):
                return None
            return {
                "indicator_total": sub.indicator_total,
                "vetoed": sub.vetoed,
                "proposed_level": sub.proposed_level,
                "final_level": sub.final_level if sub.finalized_at else None,
            }
        return {
            "indicator_total": sub.indicator_total,
            "bonus_total": sub.bonus_total,
            "deduction_total": sub.deduction_total,
            "total": sub.total,
            "vetoed": sub.vetoed,
            "proposed_level": sub.proposed_level,
            "final_level": sub.final_level,
        }


class AssignmentSerializer(serializers.ModelSerializer):
    """One inspection with everything the inspector needs offline."""

    submission = serializers.SerializerMethodField()
    indicators = serializers.SerializerMethodField()
    self_scores = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    scores = InspectionScoreSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = InspectionAssignment
        fields = [
            "id",
            "submission",
            "visit_at",
            "signed_off_at",
            "indicators",
            "self_scores",
            "evidence",
            "scores",
            "photos",
        ]

    def get_submission(self, a) -> dict:
        sub = a.submission
        return {
            "id": sub.pk,
            "status": sub.status,
            "cycle": sub.cycle_id,
            "year": sub.cycle.year,
            "inspection_deadline": sub.cycle.inspection_deadline,
            "party_organization": sub.party_organization_id,
            "party_organization_name": sub.party_organization.name,
        }

    def get_indicators(self, a) -> list[dict]:
        indicators = self.context["indicators"].get(a.submission.cycle.rubric_id, [])
        return IndicatorSerializer(indicators, many=True).data

    def get_self_scores(self, a) -> list[dict]:
        return SelfScoreSerializer(a.submission.scores.all(), many=True).data

    def get_evidence(self, a) -> list[dict]:
        return EvidenceSerializer(a.submission.evidence.all(), many=True).data


class AwardSerializer(serializers.ModelSerializer):
    party_organization_name = serializers.CharField(source="party_organization.name", read_only=True)

    class Meta:
        model = Award
        fields = [
            "id",
            "cycle",
            "party_organization",
            "party_organization_name",
            "level",
            "awarded_level",
            "certificate_no",
            "state",
            "valid_from",
            "valid_until",
        ]


class TallySerializer(serializers.ModelSerializer):
    class Meta:
        model = TallySnapshot
        fields = ["id", "cycle", "computed_at", "data"]


class ComplianceSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplianceSnapshot
        fields = ["id", "committee", "year", "computed_at", "evaluated_on", "summary", "changed_at"]


class PublicCycleSerializer(serializers.ModelSerializer):
    committee_name = serializers.CharField(source="committee.name", read_only=True)

    class Meta:
        model = Cycle
        fields = ["id", "year", "title", "committee_name", "status", "notice_starts_on", "notice_ends_on"]


class PublicResultSerializer(serializers.ModelSerializer):
    """A line of the public 公示: exactly what the public page shows."""

    party_organization_name = serializers.CharField(source="party_organization.name", read_only=True)
    proposed_level_name = serializers.CharField(read_only=True)
    organizations = serializers.SerializerMethodField()
    adjusted_after_objection = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "party_organization_name",
            "proposed_level",
            "proposed_level_name",
            "organizations",
            "adjusted_after_objection",
        ]

    def get_organizations(self, sub) -> list[str]:
        return [o.name for o in sub.party_organization.organizations.all()]

    def get_adjusted_after_objection(self, sub) -> bool:
        return bool(sub.n_upheld)


class PublicCertificateSerializer(serializers.Serializer):
    """A certificate as the public verification page shows it: the branch, its organisations, the
    level named and the level in force, the certificate's state and the last follow-up check."""

    certificate_no = serializers.CharField()
    party_organization_name = serializers.CharField(source="party_organization.name")
    organizations = serializers.SerializerMethodField()
    committee = serializers.CharField(source="cycle.committee.name")
    year = serializers.IntegerField(source="cycle.year")
    awarded_level = serializers.IntegerField()
    awarded_level_name = serializers.SerializerMethodField()
    level = serializers.IntegerField()
    level_name = serializers.SerializerMethodField()
    state = serializers.CharField(source="public_state")
    state_label = serializers.SerializerMethodField()
    followup = serializers.SerializerMethodField()

    def get_organizations(self, award) -> list[str]:
        return [o.name for o in award.party_organization.organizations.all()]

    def get_awarded_level_name(self, award) -> str:
        return str(level_name(award.awarded_level))

    def get_level_name(self, award) -> str:
        return str(level_name(award.level))

    def get_state_label(self, award) -> str:
        return str(award.public_state_label)

    @extend_schema_field(
        inline_serializer(
            "CertificateFollowUp",
            {
                "state": serializers.CharField(),
                "state_label": serializers.CharField(),
                "closed_at": serializers.DateTimeField(allow_null=True),
            },
            allow_null=True,
        )
    )
    def get_followup(self, award):
        check = self.context.get("followup")
        if check is None:
            return None
        return {
            "state": check.state,
            "state_label": str(check.get_state_display()),
            "closed_at": check.closed_at,
        }
