"""Rating views: secretary."""
