"""Deprecated: the rating's selectors live in ratings.workflow.selectors. Kept for the callers
outside this package that still import this path (ratings/apps.py, branches/views.py)."""

from .workflow.selectors import assignments_of, party_organization_ids_assigned_to

__all__ = ["assignments_of", "party_organization_ids_assigned_to"]
