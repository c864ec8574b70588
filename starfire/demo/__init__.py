"""Demo data of the 星火 rating for 四川省社会组织第二综合党委: a committee with one rating year behind
it and one under way, so that every page has something true to show.

* 2023, completed: every party organisation of the demo register took part and was reviewed;
  30 of them end at 3★ or above (成都市武侯社区发展基金会党支部 at 5★), two at 2★, one at 1★
  and one vetoed. The results were published, made final and the plaques handed over.
* 2024, in progress on version 2 of the rubric (copied from 2023): submissions in every state.

Everything goes through the real services (ratings.services, ratings.publication,
ratings.awards) with the demo users, so audit entries, files and scores look like real use.

Dates. The services check deadlines against the current time, so the 2023 cycle is built with
deadlines in the future and afterwards moved to its real 2023 dates by queryset updates
(deadlines, opening, submission/inspection/review times, awards). Audit entries keep the time
the demo was loaded. Notices that replaying 2023 produced (e.g. "the cycle is open, submit by…")
are removed: they were not news when the demo was loaded. The 2024 cycle is live, so its
deadlines are set relative to the day the demo is loaded (self-assessment in three weeks) and
branches can still submit.

Live on any day. 2023 is the most recent finished cycle: its awards were named on 11 December
2023 and are valid until the next cycle's awards are named (the committee's default setting), so
they show as valid whatever day the demo is loaded, and downgrade and revoke stay possible; the
2024 cycle is open with every deadline after the day of loading.

Idempotent: a cycle that already exists is left alone, so running it again changes nothing.
"""

from .files import demo_pdf, demo_png
from .rating import load_ratings, summary
from .rating_common import (
    ONE_STAR_2023,
    TWO_STAR_2023,
    TWO_STAR_DEDUCTED_2023,
    VETO_CLEARED_2023,
    VETOED_2023,
    WUHOU,
)

__all__ = [
    "ONE_STAR_2023",
    "TWO_STAR_2023",
    "TWO_STAR_DEDUCTED_2023",
    "VETO_CLEARED_2023",
    "VETOED_2023",
    "WUHOU",
    "demo_pdf",
    "demo_png",
    "load_ratings",
    "summary",
]
