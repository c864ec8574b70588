"""Rating views: staff."""
