"""Deprecated: moved to ratings.outcomes.rectification. Kept for ratings/demo.py until it imports from there."""

from .outcomes.rectification import (
    rectification_answer,
    rectification_create,
    rectification_send_back,
    rectification_verify,
)

__all__ = ["rectification_answer", "rectification_create", "rectification_send_back", "rectification_verify"]
