"""Notes that apps above the rating put beside an indicator on the self-assessment page (last
cycle's improvement plan, say), without the rating importing them.

An app registers a source in its AppConfig.ready(): `source(submission)` returns
{indicator code: [IndicatorNote, …]} for that submission's branch, in a fixed number of queries.
Codes are matched because a new rubric version copies last year's codes."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class IndicatorNote:
    heading: str
    text: str
    detail: str = ""
    url: str = ""


_sources: list[Callable] = []


def register_indicator_note_source(source: Callable) -> None:
    if source not in _sources:
        _sources.append(source)


def indicator_notes(submission) -> dict[str, list[IndicatorNote]]:
    notes: dict[str, list[IndicatorNote]] = defaultdict(list)
    for source in _sources:
        for code, items in source(submission).items():
            notes[code].extend(items)
    return notes
