"""The type of a patient record derived from clinical records (no derivations imported).

Kept apart from :mod:`.build`, which makes records, so that ``lc.evaluate`` can tell
a derived record from a plain mapping without importing the code sets and derivations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fhir import Problem

__all__ = ["Record"]


class Record(dict[str, Any]):
    """A patient record derived from clinical records: a plain mapping for ``lc.evaluate``.

    Attributes:
        searched: for each derivable fact not found, what was searched (codes, window).
        invalid: for each fact whose record could not be read, the source and why.
        stated: the facts the caller stated (they beat derived ones).
        problems: resources that could not be read, with their ids and why.
    """

    searched: dict[str, str]
    invalid: dict[str, str]
    stated: tuple[str, ...]
    problems: tuple[Problem, ...]
