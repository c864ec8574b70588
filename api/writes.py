"""The write endpoints: a secretary's self-assessment and an inspector's on-site acceptance.

Each one validates its input with the very form of the page (same messages), then calls the
same workflow service as the page (same transitions, locks, audit). A score is written with the
version it was based on (`If-Match` or `version`); a stale one gets 409 and the current value.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from branches import access
from ratings.models import Indicator, IndicatorScore, InspectionAssignment, InspectionScore, Submission
from ratings.views.forms import EvidenceUploadForm, SelfScoreForm
from ratings.views.forms_review import InspectionScoreForm, PhotoUploadForm
from ratings.workflow import onsite
from ratings.workflow import self_assessment as assessment
from ratings.workflow.selectors import SUBMISSION_PATHS
from ratings.workflow.versions import inspection_score_version, self_score_version

from . import serializers as s
from .inputs import ErrorSerializer, form_data, require_valid, version_of

ERRORS = dict.fromkeys((400, 401, 403, 404, 409), ErrorSerializer)
VERSION_HEADER = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The version the change is based on (or the body's `version`).",
)


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _("请注明修改所基于的版本（If-Match 请求头或 version 字段）。")
    default_code = "version_required"


def role_for(action: str):
    """403 for a user whose kind of actor may never do `action` (before any lookup)."""

    class HasRole(BasePermission):
        def has_permission(self, request, view):
            return access.has_role_for(request.user, action)

    return [IsAuthenticated, HasRole]


def _assignment(request, pk) -> InspectionAssignment:
    """The inspector's own assignment; another's, or a missing one, is a 404."""
    paths = access.Paths(
        committee="submission__cycle__committee",
        party_organization="submission__party_organization",
        inspector="inspector",
    )
    qs = access.scoped(InspectionAssignment.objects.all(), request.user, "rating.inspect", paths)
    return get_object_or_404(
        qs.select_related("submission__cycle", "submission__party_organization"),
        pk=pk,
        inspector=request.user,
    )


def _own_submission(request, pk) -> Submission:
    qs = access.scoped(Submission.objects.all(), request.user, "rating.self_assess", SUBMISSION_PATHS)
    return get_object_or_404(qs.select_related("cycle", "party_organization"), pk=pk)


def _indicator(submission, indicator_id) -> Indicator:
    return get_object_or_404(Indicator, pk=indicator_id, category__rubric_id=submission.cycle.rubric_id)


ScoreWrite = inline_serializer(
    "InspectionScoreWrite",
    {
        "score": serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, required=False),
        "finding": serializers.CharField(allow_blank=True, required=False, max_length=2000),
        "version": serializers.CharField(required=False),
    },
)
SelfScoreWrite = inline_serializer(
    "SelfScoreWrite",
    {
        "score": serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, required=False),
        "comment": serializers.CharField(allow_blank=True, required=False, max_length=2000),
        "version": serializers.CharField(required=False),
    },
)
FileWrite = inline_serializer(
    "FileUpload", {"indicator": serializers.IntegerField(), "file": serializers.FileField()}
)


# --- the inspector ------------------------------------------------------------------------------


class InspectionScoreView(APIView):
    """One indicator of an inspection: the inspector's score and finding, and their version."""

    permission_classes = role_for("rating.inspect")

    def _current(self, assignment, indicator):
        row = InspectionScore.objects.filter(assignment=assignment, indicator=indicator).first()
        if row is None:
            return {"indicator": indicator.pk, "score": None, "finding": "", "recorded_at": None,
                    "version": inspection_score_version(None)}  # fmt: skip
        return s.InspectionScoreSerializer(row).data

    @extend_schema(responses={200: s.InspectionScoreSerializer, **ERRORS})
    def get(self, request, pk, indicator_id):
        assignment = _assignment(request, pk)
        return Response(self._current(assignment, _indicator(assignment.submission, indicator_id)))

    @extend_schema(
        request=ScoreWrite,
        parameters=[VERSION_HEADER],
        responses={200: s.InspectionScoreSerializer, 428: ErrorSerializer, **ERRORS},
    )
    def put(self, request, pk, indicator_id):
        assignment = _assignment(request, pk)
        indicator = _indicator(assignment.submission, indicator_id)
        data = form_data(request, {"score", "finding", "version"})
        version = version_of(request, data)
        if version is None:
            raise PreconditionRequired
        form = require_valid(InspectionScoreForm({**data, "indicator": indicator.pk}))
        row = onsite.inspection_score_save(
            assignment=assignment,
            indicator_id=indicator.pk,
            score=form.cleaned_data["score"],
            finding=form.cleaned_data["finding"],
            by=request.user,
            if_version=version,
        )
        return Response(s.InspectionScoreSerializer(row).data)


class InspectionPhotoView(APIView):
    """A photo taken on site, for one indicator (multipart: `indicator`, `file`)."""

    permission_classes = role_for("rating.inspect")
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": FileWrite}, responses={201: s.PhotoSerializer, **ERRORS})
    def post(self, request, pk):
        assignment = _assignment(request, pk)
        form_data(request, {"indicator", "file"})
        form = require_valid(PhotoUploadForm(request.POST))
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": [_("请先拍照或选择照片，再点“上传照片”。")]})
        photo = onsite.inspection_photo_add(
            assignment=assignment, indicator_id=form.cleaned_data["indicator"], upload=upload, by=request.user
        )
        return Response(s.PhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


class InspectionSignOffView(APIView):
    """Sign the inspection off: refused (409) unless the submission awaits it, 400 while an
    indicator has no score."""

    permission_classes = role_for("rating.inspect")
    parser_classes = [JSONParser, FormParser, MultiPartParser]  # no body; an empty form too

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "SignedOff", {"id": serializers.IntegerField(), "signed_off": serializers.BooleanField()}
            ),
            **ERRORS,
        },
    )
    def post(self, request, pk):
        assignment = _assignment(request, pk)
        form_data(request, set())
        onsite.inspection_sign_off(assignment=assignment, by=request.user)
        return Response({"id": assignment.pk, "signed_off": True})


# --- the secretary ------------------------------------------------------------------------------


class SelfScoreView(APIView):
    """One indicator of the own branch's self-assessment: score, comment and their version."""

    permission_classes = role_for("rating.self_assess")

    def _current(self, submission, indicator):
        row = IndicatorScore.objects.filter(submission=submission, indicator=indicator).first()
        if row is None:
            return {"indicator": indicator.pk, "score": None, "comment": "", "updated_at": None,
                    "version": self_score_version(None)}  # fmt: skip
        return s.SelfScoreSerializer(row).data

    @extend_schema(responses={200: s.SelfScoreSerializer, **ERRORS})
    def get(self, request, pk, indicator_id):
        submission = _own_submission(request, pk)
        return Response(self._current(submission, _indicator(submission, indicator_id)))

    @extend_schema(
        request=SelfScoreWrite,
        parameters=[VERSION_HEADER],
        responses={200: s.SelfScoreSerializer, 428: ErrorSerializer, **ERRORS},
    )
    def put(self, request, pk, indicator_id):
        submission = _own_submission(request, pk)
        indicator = _indicator(submission, indicator_id)
        data = form_data(request, {"score", "comment", "version"})
        version = version_of(request, data)
        if version is None:
            raise PreconditionRequired
        form = require_valid(SelfScoreForm(data))
        row = assessment.self_score_save(
            submission=submission,
            indicator_id=indicator.pk,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
            by=request.user,
            if_version=version,
        )
        return Response(s.SelfScoreSerializer(row).data)


class EvidenceView(APIView):
    """Upload a file of evidence for one indicator (multipart: `indicator`, `file`)."""

    permission_classes = role_for("rating.self_assess")
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": FileWrite}, responses={201: s.EvidenceSerializer, **ERRORS}
    )
    def post(self, request, pk):
        submission = _own_submission(request, pk)
        form_data(request, {"indicator", "file"})
        indicator = require_valid(PhotoUploadForm(request.POST)).cleaned_data["indicator"]
        form = require_valid(EvidenceUploadForm(request.POST, request.FILES))
        evidence = assessment.evidence_add(
            submission=submission, indicator_id=indicator, upload=form.cleaned_data["file"], by=request.user
        )
        return Response(s.EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class SubmitView(APIView):
    """Hand the self-assessment to the committee: 409 unless the branch holds it, 400 with what is
    missing while it is incomplete."""

    permission_classes = role_for("rating.self_assess")
    parser_classes = [JSONParser, FormParser, MultiPartParser]  # no body; an empty form too

    @extend_schema(request=None, responses={200: s.SubmissionSerializer, **ERRORS})
    def post(self, request, pk):
        submission = _own_submission(request, pk)
        form_data(request, set())
        assessment.submission_submit(submission=submission, by=request.user)
        fresh = Submission.objects.select_related("party_organization").prefetch_related(
            Prefetch("scores", IndicatorScore.objects.order_by("indicator_id")), "evidence"
        )
        return Response(s.SubmissionSerializer(fresh.get(pk=submission.pk), context={"managed": set()}).data)
