from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import docs, errors, reads, writes

app_name = "api"

router = SimpleRouter()
router.register("committees", reads.CommitteeViewSet, basename="committee")
router.register("organizations", reads.OrganizationViewSet, basename="organization")
router.register("party-organizations", reads.PartyOrganizationViewSet, basename="party-organization")
router.register("members", reads.MemberViewSet, basename="member")
router.register("instructors", reads.InstructorViewSet, basename="instructor")
router.register("cycles", reads.CycleViewSet, basename="cycle")
router.register("rubrics", reads.RubricViewSet, basename="rubric")
router.register("submissions", reads.SubmissionViewSet, basename="submission")
router.register("inspections", reads.AssignmentViewSet, basename="inspection")
router.register("awards", reads.AwardViewSet, basename="award")
router.register("tallies", reads.TallyViewSet, basename="tally")
router.register("compliance-snapshots", reads.ComplianceSnapshotViewSet, basename="compliance-snapshot")
router.register("public/cycles", reads.PublicCycleViewSet, basename="public-cycle")

v1 = [
    *router.urls,
    path("public/certificates/", reads.PublicCertificateView.as_view(), name="public-certificate"),
    path(
        "public/cycles/<int:cycle_pk>/results/",
        reads.PublicResultViewSet.as_view({"get": "list"}),
        name="public-result-list",
    ),
    path(
        "inspections/<int:pk>/scores/<int:indicator_id>/",
        writes.InspectionScoreView.as_view(),
        name="inspection-score",
    ),
    path("inspections/<int:pk>/photos/", writes.InspectionPhotoView.as_view(), name="inspection-photos"),
    path(
        "inspections/<int:pk>/sign-off/", writes.InspectionSignOffView.as_view(), name="inspection-sign-off"
    ),
    path(
        "submissions/<int:pk>/self-scores/<int:indicator_id>/",
        writes.SelfScoreView.as_view(),
        name="self-score",
    ),
    path("submissions/<int:pk>/evidence/", writes.EvidenceView.as_view(), name="evidence"),
    path("submissions/<int:pk>/submit/", writes.SubmitView.as_view(), name="submit"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path(
        "schema/", SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]), name="schema"
    ),
    path("docs/", docs.swagger_ui, name="docs"),
    path("redoc/", docs.redoc, name="redoc"),
    # Whatever else under /api/ (an id that is not a number, say) is a JSON 404, not the site's page.
    re_path(r"^[\s\S]*$", errors.not_found, name="not-found"),  # any character, newlines too
]
