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
