"""Deprecated: moved to ratings.rubric.data. Kept for ratings/demo.py until it imports from there."""

from .rubric.data import create_default_rubric

__all__ = ["create_default_rubric"]
