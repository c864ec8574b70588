"""Rating views: review."""
