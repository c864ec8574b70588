"""Views of the rating procedure, one module per kind of user: secretary, staff, inspector, review."""
