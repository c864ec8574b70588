"""The read endpoints: every queryset comes from the scoped selectors of the apps (the access
policy, branches.access), with its related rows fetched in a fixed number of queries per page."""

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from branches import access
from branches import selectors as register
from branches.models import Committee, Instructor, Member, PartyOrganization, SocialOrganization
from meetings.models import ComplianceSnapshot
from ratings.models import (
    Award,
    Cycle,
    Indicator,
    IndicatorScore,
    InspectionAssignment,
    Objection,
    Rubric,
    RubricCategory,
    Submission,
    TallySnapshot,
)
from ratings.outcomes.publication import listed_results
from ratings.views.public import PUBLIC_STATES, certificate_by_number, last_followup
from ratings.workflow import onsite
from ratings.workflow import selectors as rating

from . import serializers as s
from .inputs import ErrorSerializer

RATING_MANAGE = access.Paths(committee="committee")


class ReadOnly(viewsets.ReadOnlyModelViewSet):
    """A list (filtered, ordered, paged) and a detail; 404 for a row outside the user's scope."""

    ordering = ["pk"]
    lookup_value_regex = r"\d+"


# --- the register -----------------------------------------------------------------------------


class CommitteeViewSet(ReadOnly):
    """The committees the user works in (a superuser: every one)."""

    queryset = Committee.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.CommitteeSerializer
    ordering_fields = ["name", "pk"]

    def get_queryset(self):
        user = self.request.user
        return Committee.objects.filter(
            Q(pk__in=register.party_organizations_visible_to(user).values("committee"))
            | Q(pk__in=rating.submissions_visible_to(user).values("cycle__committee"))
            | Q(pk__in=rating.cycles_visible_to(user).values("committee"))
        )


class OrganizationFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")
    has_party_org = filters.BooleanFilter()
    has_instructor = filters.BooleanFilter()

    class Meta:
        model = SocialOrganization
        fields = ["name", "org_type", "status", "division_code", "is_trade_association", "uscc"]


class OrganizationViewSet(ReadOnly):
    queryset = SocialOrganization.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.OrganizationSerializer
    filterset_class = OrganizationFilter
    ordering_fields = ["name", "uscc", "pk"]

    def get_queryset(self):
        return (
            register.organizations_visible_to(self.request.user)
            .with_coverage()
            .prefetch_related(Prefetch("party_organizations", PartyOrganization.objects.only("pk")))
        )


class PartyOrganizationFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = PartyOrganization
        fields = ["name", "kind", "is_active", "parent"]


class PartyOrganizationViewSet(ReadOnly):
    queryset = PartyOrganization.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.PartyOrganizationSerializer
    filterset_class = PartyOrganizationFilter
    ordering_fields = ["name", "pk"]

    def get_queryset(self):
        qs = register.party_organizations_visible_to(self.request.user).annotate(
            full_members=Count("members", filter=Q(members__membership="full"), distinct=True),
            all_members=Count("members", distinct=True),
            org_count=Count("organizations", distinct=True),
        )
        return register.with_star_level(qs).prefetch_related(
            Prefetch("organizations", SocialOrganization.objects.only("pk"))
        )


class MemberViewSet(ReadOnly):
    """Names and roles only."""

    queryset = Member.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.MemberSerializer
    filterset_fields = ["party_organization", "membership", "role"]
    ordering_fields = ["name", "pk"]

    def get_queryset(self):
        return register.members_visible_to(self.request.user).only(
            "pk", "party_organization_id", "name", "membership", "role"
        )


class InstructorViewSet(ReadOnly):
    queryset = Instructor.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.InstructorSerializer
    filterset_fields = ["kind", "is_active"]
    ordering_fields = ["name", "pk"]

    def get_queryset(self):
        return register.instructors_visible_to(self.request.user).prefetch_related(
            Prefetch("organizations", SocialOrganization.objects.only("pk"))
        )


# --- the rating ---------------------------------------------------------------------------------


class CycleViewSet(ReadOnly):
    """Staff: their committee's cycles; a secretary: the cycles of their branch's submissions; an
    inspector: those of the submissions assigned to them."""

    queryset = Cycle.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.CycleSerializer
    filterset_fields = ["year", "status"]
    ordering_fields = ["year", "pk"]

    def get_queryset(self):
        return rating.cycles_worked_in_by(self.request.user)


def indicators_prefetch(path="categories"):
    return Prefetch(
        path,
        RubricCategory.objects.order_by("order", "pk").prefetch_related(
            Prefetch("indicators", Indicator.objects.order_by("order", "pk"))
        ),
    )


class RubricViewSet(ReadOnly):
    """Rubric versions with their categories and indicators: staff their committee's; a secretary
    or an inspector those of the cycles they work in (to self-assess, to inspect)."""

    queryset = Rubric.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.RubricSerializer
    ordering_fields = ["version", "pk"]

    def get_queryset(self):
        return rating.rubrics_worked_with_by(self.request.user).prefetch_related(indicators_prefetch())


class SubmissionFilter(filters.FilterSet):
    year = filters.NumberFilter(field_name="cycle__year")

    class Meta:
        model = Submission
        fields = ["cycle", "status", "party_organization", "year"]


def scores_prefetch():
    return (
        Prefetch("scores", IndicatorScore.objects.order_by("indicator_id")),
        Prefetch("evidence"),
    )


class SubmissionViewSet(ReadOnly):
    """Submissions with their self scores and evidence; the review's results for those who manage
    the rating, and for a secretary their branch's result once published (as 星级历史 shows it).
    An inspector's own scores are under /inspections/."""

    queryset = Submission.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.SubmissionSerializer
    filterset_class = SubmissionFilter
    ordering_fields = ["status", "submitted_at", "pk"]

    def get_queryset(self):
        return (
            rating.submissions_visible_to(self.request.user)
            .select_related("party_organization")
            .prefetch_related(*scores_prefetch())
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        managed = access.scoped(
            Submission.objects.all(), self.request.user, "rating.manage", rating.SUBMISSION_PATHS
        )
        context["managed"] = _ManagedIds(managed)
        context["published"] = _ManagedIds(rating.results_shown_to_branch(self.request.user))
        return context


class _ManagedIds:
    """The ids of the submissions the user manages, asked once per request, only when needed."""

    def __init__(self, qs):
        self.qs, self.ids = qs, None

    def __contains__(self, pk):
        if self.ids is None:
            self.ids = set(self.qs.values_list("pk", flat=True))
        return pk in self.ids


class AwardViewSet(ReadOnly):
    queryset = Award.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.AwardSerializer
    filterset_fields = ["cycle", "state", "level", "party_organization"]
    ordering_fields = ["level", "certificate_no", "pk"]

    def get_queryset(self):
        paths = access.Paths(committee="cycle__committee", party_organization="party_organization")
        return access.scoped(Award.objects.all(), self.request.user, "outcome.view", paths).select_related(
            "party_organization"
        )


class TallyViewSet(ReadOnly):
    queryset = TallySnapshot.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.TallySerializer
    filterset_fields = ["cycle"]
    ordering_fields = ["computed_at", "pk"]

    def get_queryset(self):
        paths = access.Paths(committee="cycle__committee")
        return access.scoped(TallySnapshot.objects.all(), self.request.user, "rating.manage", paths)


class ComplianceSnapshotViewSet(ReadOnly):
    queryset = ComplianceSnapshot.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.ComplianceSnapshotSerializer
    filterset_fields = ["year"]
    ordering_fields = ["year", "pk"]

    def get_queryset(self):
        return access.scoped(
            ComplianceSnapshot.objects.defer("branches"), self.request.user, "register.manage", RATING_MANAGE
        )


# --- the public 公示 ----------------------------------------------------------------------------


class PublicCycleViewSet(ReadOnly):
    """Published cycles, as on the public pages (no login)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    queryset = Cycle.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.PublicCycleSerializer
    filterset_fields = ["year"]
    ordering_fields = ["year", "pk"]

    def get_queryset(self):
        return Cycle.objects.filter(status__in=PUBLIC_STATES).select_related("committee")


class PublicResultViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The lines of a published cycle's 公示: what the public page lists, nothing more."""

    permission_classes = [AllowAny]
    authentication_classes = []
    queryset = Submission.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.PublicResultSerializer
    filter_backends = []

    def get_queryset(self):
        cycle = Cycle.objects.filter(status__in=PUBLIC_STATES, pk=self.kwargs["cycle_pk"]).first()
        if cycle is None:
            return Submission.objects.none()
        return listed_results(cycle).annotate(
            n_upheld=Count("objections", filter=Q(objections__state=Objection.State.UPHELD), distinct=True)
        )


class PublicCertificateView(APIView):
    """A certificate looked up by its number, as the public verification page shows it (no login):
    404 for a number that names no certificate, as on the page."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "no",
                str,
                required=True,
                description="The certificate number, e.g. 川社二党委星〔2023〕第001号",
            )
        ],
        responses={200: s.PublicCertificateSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request):
        raw = request.query_params.get("no", "")
        if not raw.strip():
            raise serializers.ValidationError({"no": [_("请输入证书编号。")]})
        award = certificate_by_number(raw)
        if award is None:
            raise exceptions.NotFound()
        return Response(s.PublicCertificateSerializer(award, context={"followup": last_followup(award)}).data)


class AssignmentFilter(filters.FilterSet):
    open = filters.BooleanFilter(
        method="filter_open",
        label="Only the visits still open (true) or only the ended ones (false): open = not signed "
        "off and the submission still accepted for inspection.",
    )

    class Meta:
        model = InspectionAssignment
        fields = ["signed_off_at", "open"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(onsite.OPEN_VISIT) if value else queryset.exclude(onsite.OPEN_VISIT)


class AssignmentViewSet(ReadOnly):
    """The inspector's assignments with everything needed offline: the rubric's indicators, the
    self-assessment (scores, comments, evidence list), the inspector's scores and their versions,
    the photos taken."""

    queryset = InspectionAssignment.objects.none()  # the model, for the schema; get_queryset scopes
    serializer_class = s.AssignmentSerializer
    filterset_class = AssignmentFilter
    ordering_fields = ["pk"]

    def get_queryset(self):
        return (
            access.scoped(
                InspectionAssignment.objects.filter(inspector_id=self.request.user.pk),
                self.request.user,
                "rating.inspect",
                access.Paths(
                    committee="submission__cycle__committee",
                    party_organization="submission__party_organization",
                    inspector="inspector",
                ),
            )
            .select_related("submission__cycle", "submission__party_organization")
            .prefetch_related(
                *(Prefetch(f"submission__{p.prefetch_through}", p.queryset) for p in scores_prefetch()),
                "scores",
                "photos",
            )
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.indicators.load({a.submission.cycle.rubric_id for a in page or []})
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["indicators"] = self.indicators
        return context

    @property
    def indicators(self):
        if not hasattr(self, "_indicators"):
            self._indicators = RubricIndicators()
        return self._indicators


class RubricIndicators(dict):
    """The indicators of the rubrics of a page, read in one query; a rubric not loaded yet (a
    detail) is read when asked for."""

    def load(self, rubric_ids) -> None:
        wanted = set(rubric_ids) - set(self)
        if not wanted:
            return
        for rubric_id in wanted:
            self[rubric_id] = []
        rows = Indicator.objects.filter(category__rubric_id__in=wanted).select_related("category")
        for ind in rows.order_by("category__order", "order", "pk"):
            self[ind.category.rubric_id].append(ind)

    def get(self, rubric_id, default=None):
        self.load({rubric_id})
        return self[rubric_id]
