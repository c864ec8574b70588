from django.urls import path  # noqa: F401

from .views import (  # noqa: F401
    awards,
    dashboard,
    exports,
    followup,
    history,
    inspector,
    objections,
    offline,
    promotion,
    public,
    publication,
    rectifications,
    review,
    review_sessions,
    rubric,
    secretary,
    staff,
)

app_name = "ratings"

urlpatterns = [
    # --- secretary (self-assessment) ---
    path("my/", secretary.my_cycles, name="my-cycles"),
    path("my/<int:pk>/", secretary.self_assessment, name="self-assessment"),
    path("my/<int:pk>/scores/<int:indicator_id>/", secretary.self_score_save, name="self-score-save"),
    path("my/<int:pk>/evidence/<int:indicator_id>/", secretary.evidence_upload, name="evidence-upload"),
    path(
        "my/<int:pk>/evidence/<int:indicator_id>/meeting/",
        secretary.evidence_attach_meeting,
        name="evidence-attach-meeting",
    ),
    path("my/<int:pk>/submit/", secretary.submission_submit, name="submission-submit"),
    path("my/evidence/<int:pk>/delete/", secretary.evidence_delete, name="evidence-delete"),
    path("files/evidence/<int:pk>/", secretary.evidence_file, name="evidence-file"),
    # --- staff (cycles, queue, preliminary check, assignment) ---
    path("cycles/", staff.cycle_list, name="cycle-list"),
    path("cycles/new/", staff.cycle_create, name="cycle-create"),
    path("cycles/<int:pk>/", staff.cycle_detail, name="cycle-detail"),
    path("cycles/<int:pk>/open/", staff.cycle_open, name="cycle-open"),
    path("cycles/<int:pk>/exclusions/", staff.cycle_exclude, name="cycle-exclude"),
    path(
        "cycles/<int:pk>/exclusions/<int:exclusion_pk>/remove/",
        staff.cycle_exclusion_remove,
        name="cycle-exclusion-remove",
    ),
    path("cycles/<int:pk>/queue/", staff.queue, name="queue"),
    path("submissions/<int:pk>/", staff.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/return/", staff.submission_return, name="submission-return"),
    path("submissions/<int:pk>/accept/", staff.submission_accept, name="submission-accept"),
    path("submissions/<int:pk>/extend/", staff.submission_extend, name="submission-extend"),
    path("submissions/<int:pk>/inspectors/", staff.assign_inspector, name="assign-inspector"),
    path("inspector-assignments/<int:pk>/unassign/", staff.unassign_inspector, name="unassign-inspector"),
    # --- inspector (on-site acceptance) ---
    path("inspections/", inspector.inspections, name="inspections"),
    path("inspections/manifest.webmanifest", offline.manifest, name="inspector-manifest"),
    path("inspections/sw.js", offline.service_worker, name="inspector-service-worker"),
    path("inspections/<int:pk>/", inspector.inspection, name="inspection"),
    path("inspections/<int:pk>/score/", inspector.inspection_score_save, name="inspection-score-save"),
    path("inspections/<int:pk>/photos/", inspector.inspection_photo_upload, name="inspection-photo-upload"),
    path(
        "inspection-photos/<int:pk>/remove/",
        inspector.inspection_photo_remove,
        name="inspection-photo-remove",
    ),
    path("inspections/<int:pk>/sign-off/", inspector.inspection_sign_off, name="inspection-sign-off"),
    path("inspections/<int:pk>/veto/", inspector.inspection_veto_raise, name="inspection-veto-raise"),
    # --- review (central review, audit log, private files) ---
    path("review/<int:pk>/", review.review, name="review"),
    path("review/<int:pk>/final-score/", review.review_final_score, name="review-final-score"),
    path("review/<int:pk>/adjustment/", review.review_adjustment, name="review-adjustment"),
    path("review/<int:pk>/veto/", review.review_veto_raise, name="review-veto-raise"),
    path("review/<int:pk>/veto/<int:veto_pk>/decide/", review.review_veto_decide, name="review-veto-decide"),
    path("review/<int:pk>/complete/", review.review_complete, name="review-complete"),
    path("cycles/<int:pk>/review-sessions/", review_sessions.review_session_list, name="review-sessions"),
    path("review-sessions/<int:pk>/", review_sessions.review_session_detail, name="review-session"),
    path("review/<int:pk>/reopen/", review.submission_reopen, name="submission-reopen"),
    path("review/<int:pk>/audit/", review.audit_log, name="audit-log"),
    path("files/photos/<int:pk>/", review.photo_file, name="photo-file"),
    # --- dashboard (tally, charts, downloads) ---
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("cycles/<int:pk>/tally/recompute/", dashboard.tally_recompute, name="tally-recompute"),
    path("tally-runs/<int:pk>/", dashboard.tally_run_status, name="tally-run-status"),
    # whole-cycle downloads, built in the background
    path("cycles/<int:pk>/exports/<str:kind>/", exports.export_start, name="export-start"),
    path("exports/", exports.export_list, name="export-list"),
    path("exports/<int:pk>/", exports.export_job, name="export-job"),
    path("exports/<int:pk>/status/", exports.export_job_status, name="export-job-status"),
    path("exports/<int:pk>/download/", exports.export_download, name="export-download"),
    path("coverage.xlsx", dashboard.export_coverage, name="export-coverage"),
    # --- rubric (export/import/copy) ---
    path("rubrics/", rubric.rubric_list, name="rubric-list"),
    path("rubrics/import/", rubric.rubric_import, name="rubric-import"),
    path("rubrics/<int:pk>/", rubric.rubric_detail, name="rubric-detail"),
    path("rubrics/<int:pk>/export.xlsx", rubric.rubric_export, name="rubric-export"),
    path("rubrics/<int:pk>/copy/", rubric.rubric_copy, name="rubric-copy"),
    # --- part 2: 公示, awards, rectification ---
    # public, no login
    path("public/notice/<int:pk>/", public.public_notice, name="public-notice"),
    path(
        "public/notice/<int:pk>/objection/<int:submission_pk>/",
        public.public_objection,
        name="public-objection",
    ),
    path("public/objection/received/", public.public_objection_received, name="public-objection-received"),
    path("public/objection/status/", public.public_objection_status, name="public-objection-status"),
    path("public/verify/", public.verify_lookup, name="verify-lookup"),
    path("public/verify/<str:token>/", public.verify, name="verify"),
    # staff: 公示, 确定结果, 异议复核
    path("results/", publication.results_index, name="results-index"),
    path("results/<int:pk>/", publication.cycle_results, name="cycle-results"),
    path("results/<int:pk>/publish/", publication.cycle_publish, name="cycle-publish"),
    path("results/<int:pk>/finalize/", publication.results_finalize, name="results-finalize"),
    path("results/<int:pk>/objections/", objections.objection_list, name="objection-list"),
    path("objections/<int:pk>/", objections.objection_detail, name="objection-detail"),
    path("objections/<int:pk>/investigate/", objections.objection_investigate, name="objection-investigate"),
    path("objections/<int:pk>/reject/", objections.objection_reject, name="objection-reject"),
    path("objections/<int:pk>/uphold/", objections.objection_uphold, name="objection-uphold"),
    path("files/objections/<int:pk>/", objections.objection_attachment, name="objection-attachment"),
    # awards, certificates, plaques
    path("awards/", awards.award_list, name="award-list"),
    path("awards/<int:pk>/", awards.award_detail, name="award-detail"),
    path("awards/<int:pk>/downgrade/", awards.award_downgrade, name="award-downgrade"),
    path("awards/<int:pk>/revoke/", awards.award_revoke, name="award-revoke"),
    path("awards/<int:pk>/plaque/", awards.plaque_update, name="plaque-update"),
    path("awards/<int:pk>/certificate.pdf", awards.certificate_pdf, name="certificate-pdf"),
    # 动态管理: follow-up during an award's validity
    path("results/<int:pk>/followup/", followup.followup_list, name="followup"),
    path("followup/<int:pk>/", followup.followup_check, name="followup-check"),
    path("followup/<int:pk>/visit/", followup.followup_visit, name="followup-visit"),
    path("awards/<int:pk>/report-event/", followup.followup_report, name="followup-report"),
    # 推进会: the promotion meeting's pack
    path("results/<int:pk>/promotion/", promotion.promotion_page, name="promotion"),
    path("results/<int:pk>/promotion/speakers/", promotion.speaker_add, name="promotion-speaker-add"),
    path("promotion-speakers/<int:pk>/move/", promotion.speaker_move, name="promotion-speaker-move"),
    path("promotion-speakers/<int:pk>/remove/", promotion.speaker_remove, name="promotion-speaker-remove"),
    path("awards/<int:pk>/hand-over/", promotion.plaque_hand_over, name="promotion-hand-over"),
    path("results/<int:pk>/promotion.pdf", promotion.pack_pdf, name="promotion-pdf"),
    path("results/<int:pk>/commendation.docx", promotion.commendation_docx, name="promotion-docx"),
    path("files/award-events/<int:pk>/", awards.award_evidence, name="award-evidence"),
    # rectification (staff and secretary)
    path("rectification/", rectifications.rectification_list, name="rectification-list"),
    path(
        "review/<int:pk>/rectification/new/", rectifications.rectification_create, name="rectification-create"
    ),
    path("rectification/<int:pk>/", rectifications.rectification_detail, name="rectification-detail"),
    path("rectification/<int:pk>/answer/", rectifications.rectification_answer, name="rectification-answer"),
    path("rectification/<int:pk>/verify/", rectifications.rectification_verify, name="rectification-verify"),
    path(
        "rectification/<int:pk>/send-back/",
        rectifications.rectification_send_back,
        name="rectification-send-back",
    ),
    path(
        "files/rectification/<int:pk>/", rectifications.rectification_evidence, name="rectification-evidence"
    ),
    # star history of a party organisation (staff and its secretary)
    path("branches/<int:pk>/history/", history.branch_history, name="branch-history"),
]
