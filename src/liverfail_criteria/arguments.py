"""Checks of the arguments callers pass: each bad one a named library error.

A mapping where a mapping is expected, names where names are expected: a ``TypeError``
from deep inside (``'int' object is not iterable``) names neither the argument nor
what it should have been, so every public function checks its arguments here first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .errors import CriteriaInputError

__all__ = ["as_flag", "as_mapping", "as_names", "as_texts"]


def as_mapping(field: str, value: object, *, text_values: bool = False) -> dict[str, object]:
    """``value`` (a mapping of names, or ``None``) as a dict.

    Raises:
        CriteriaInputError: for anything but a mapping whose keys are texts (and, with
            ``text_values``, whose values are texts).
    """
    if value is None:
        return {}
    what = "texts" if text_values else "values"
    if not isinstance(value, Mapping):
        raise CriteriaInputError(field, value, f"a mapping of names to {what}, such as a dict")
    for key, item in value.items():
        if not isinstance(key, str):
            raise CriteriaInputError(field, key, "names (texts) as the mapping's keys")
        if text_values and not isinstance(item, str):
            raise CriteriaInputError(f"{field}[{key!r}]", item, "a text")
    return dict(value)


def as_texts(field: str, value: object) -> dict[str, str]:
    """``value`` (a mapping of names to texts, or ``None``) as a dict."""
    checked = as_mapping(field, value, text_values=True)
    return {key: str(item) for key, item in checked.items()}


def as_names(field: str, value: object) -> tuple[str, ...]:
    """``value`` (one name, or an iterable of names) as a tuple of names.

    Raises:
        CriteriaInputError: for anything but a text or an iterable of texts.
    """
    if isinstance(value, str):
        return (value,)
    if value is None or isinstance(value, (Mapping, bytes)) or not isinstance(value, Iterable):
        raise CriteriaInputError(field, value, "a list of names (texts)")
    names = tuple(value)
    for name in names:
        if not isinstance(name, str):
            raise CriteriaInputError(field, name, "names (texts)")
    return names


def as_flag(field: str, value: object) -> bool:
    """``value`` checked to be ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise CriteriaInputError(field, value, "True or False")
    return value
