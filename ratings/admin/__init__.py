"""Admin of the rating, one module per stage; importing them registers the models.

Rubrics are edited until a cycle uses them (then read-only; "复制为新版本" makes the next version).
Submissions and scores are read-only: they change only through ratings.services, from the rating
pages. The awards, objections, rectification and tally rows have no admin: their pages are the
rating site's. Every admin write is audited and kept in the row history (branches.audited_admin).
"""

from . import rubric, workflow  # noqa: F401
