"""Deprecated: the services of the rating now live in their stage packages (ratings.rubric,
ratings.workflow). Only ratings/admin.py and ratings/demo.py still import this module; it goes once
they import from the stages. It also makes sure the stage signal receivers are connected."""

from . import tasks  # noqa: F401  (connects the reports stage's receivers of workflow signals)
from .rubric.services import rubric_check, rubric_copy
from .workflow.cycle_setup import cycle_create, cycle_exclusion_set, cycle_open
from .workflow.levels import cycle_recompute_levels, inspector_averages
from .workflow.onsite import inspection_score_save, inspection_sign_off, inspector_assign
from .workflow.panel import adjustment_set, final_score_set, submission_review, veto_decide, veto_raise
from .workflow.precheck import submission_accept, submission_return
from .workflow.self_assessment import evidence_add, self_score_save, submission_submit

__all__ = [
    "adjustment_set",
    "cycle_create",
    "cycle_exclusion_set",
    "cycle_open",
    "cycle_recompute_levels",
    "evidence_add",
    "final_score_set",
    "inspection_score_save",
    "inspection_sign_off",
    "inspector_assign",
    "inspector_averages",
    "rubric_check",
    "rubric_copy",
    "self_score_save",
    "submission_accept",
    "submission_return",
    "submission_review",
    "submission_submit",
    "veto_decide",
    "veto_raise",
]
