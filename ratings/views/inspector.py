"""Rating views: inspector."""
