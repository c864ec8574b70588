"""Deprecated: moved to ratings.outcomes.awards. Kept for ratings/demo.py until it imports from there."""

from .outcomes.awards import award_revoke, plaque_update

__all__ = ["award_revoke", "plaque_update"]
