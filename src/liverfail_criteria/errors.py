"""The library's exceptions.

Every error a caller can cause with bad input is a :class:`CriteriaInputError`, a
subclass of :class:`ValueError`, whose message names the field, the value given and
what was expected. Errors in the definition of a criterion (comparing a concentration
with a pressure, combining a number with ``&``) are :class:`DefinitionError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "CriteriaInputError",
    "DefinitionError",
    "LiverfailError",
    "MissingDependencyError",
    "UnreadableSourceError",
    "UnwritableOutputError",
    "check_output_path",
    "did_you_mean",
]


class LiverfailError(Exception):
    """Base class of every exception this library raises on purpose."""


class CriteriaInputError(LiverfailError, ValueError):
    """A value given to the library cannot be used.

    Attributes:
        field: the name of the fact or parameter the value was given for (or ``None``
            when the error is not about one field).
        value: the value as it was given.
        expected: what would have been accepted, in words.
    """

    def __init__(self, field: str | None, value: object, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        where = f"{field}: " if field is not None else ""
        super().__init__(f"{where}got {value!r}; expected {expected}")


class UnreadableSourceError(CriteriaInputError):
    """A file that cannot be read completely and correctly: nothing is screened.

    Raised for a file that is not UTF-8 text, not a table (a 0-byte or blank file, a
    row with more or fewer cells than the header, blank lines between rows), not the
    format its name says (a CSV named ``.parquet``), or read as fewer or more rows
    than it holds. A subclass of :class:`CriteriaInputError`, so of ``ValueError``;
    the command line exits with status 3 for it.
    """


class UnwritableOutputError(CriteriaInputError):
    """An output (results, a figure) cannot be written where it was asked to go.

    Its folder is missing, the path is a folder, or it may not be written there. A
    subclass of :class:`CriteriaInputError`; the command line exits with status 4.
    """


def check_output_path(field: str, path: object, suffixes: tuple[str, ...]) -> None:
    """Refuse an output path that cannot be written before anything is computed.

    Raises:
        CriteriaInputError: for a path that is not text or a path, or whose extension
            is not one of ``suffixes``.
        UnwritableOutputError: for a path that is a folder or whose folder is missing.
    """
    import os
    from pathlib import Path

    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise CriteriaInputError(field, path, f"a file path ending in {', '.join(suffixes)}")
    target = Path(path)
    if target.is_dir():
        raise UnwritableOutputError(field, str(path), "a file path, not a folder")
    if target.suffix.lower() not in suffixes:
        raise CriteriaInputError(field, str(path), f"a file path ending in {', '.join(suffixes)}")
    folder = target.parent
    if not folder.is_dir():
        raise UnwritableOutputError(field, str(path), f"a path in an existing folder ({folder})")


class DefinitionError(LiverfailError, TypeError):
    """A criterion, ruleset or expression is defined in a way that cannot be evaluated."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest candidate, or ``""``.

    Compares whole names first, then the words of each name, so that a misspelt
    ``"wieght"`` still finds ``"body_weight"``.
    """
    names = list(candidates)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if not close:
        by_word = {word: n for n in reversed(names) for word in n.split("_") if len(word) > 3}
        words = difflib.get_close_matches(name.lower(), list(by_word), n=1, cutoff=0.7)
        close = [by_word[words[0]]] if words else []
    return f" (did you mean {close[0]!r}?)" if close else ""


class MissingDependencyError(LiverfailError, ImportError):
    """An optional feature was used without the extra that installs its dependencies.

    Attributes:
        extra: the extra to install (``pip install 'liverfail-criteria[extra]'``).
    """

    def __init__(self, feature: str, module: str, extra: str) -> None:
        self.extra = extra
        super().__init__(
            f"{feature} needs {module}, which is not installed; install the extra with "
            f"pip install 'liverfail-criteria[{extra}]'"
        )
