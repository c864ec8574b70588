"""Deprecated: moved to ratings.outcomes.publication and ratings.outcomes.objections. Kept for
ratings/demo.py until it imports from there."""

from .outcomes.objections import objection_file, objection_reject, objection_uphold
from .outcomes.publication import cycle_publish, listed_results, results_finalize

__all__ = [
    "cycle_publish",
    "listed_results",
    "objection_file",
    "objection_reject",
    "objection_uphold",
    "results_finalize",
]
