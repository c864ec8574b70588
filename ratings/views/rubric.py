"""Rating views: rubric."""
