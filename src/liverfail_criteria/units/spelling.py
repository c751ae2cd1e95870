"""Unit spellings: UCUM codes and laboratory habits rewritten into pint's grammar.

pint reads ``"10*9/L"`` as 90 per litre and does not know ``mm[Hg]`` or ``{INR}``.
:func:`to_pint` rewrites every spelling this library accepts into an expression pint
reads as UCUM means it, and rejects text that would be evaluated as arithmetic.
"""

from __future__ import annotations

import re

from ..whitespace import strip

__all__ = ["to_pint"]

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_SUPERSCRIPT_RUN = re.compile(r"[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
# UCUM square-bracket units and other whole-token spellings, mapped to registry names.
_TOKENS = {
    "mm[Hg]": "mmHg",
    "[lb_av]": "lb",
    "cmm": "mm**3",
}
# Whole spellings that laboratory systems print, each meaning what it says: "G/L" is
# giga (10⁹) per litre in China and Europe, "K/uL" thousands per microlitre in the US,
# "mm Hg" the millimetre of mercury. Matched as the whole unit text only, and case
# matters ("g/L" is grams per litre; "K" alone would be the kelvin).
_WHOLE = {
    "G/L": "1e9/L",
    "K/uL": "1e3/uL",
    "mm Hg": "mmHg",
}
# "10*9", "10^9", "x10^9", "× 10⁹" as a power-of-ten factor ("10E9" is refused).
_POWER_OF_TEN = re.compile(r"(?:(?<![\w.])[x×]\s*|(?<![\w.]))10\s*(?:\*\*|\*|\^)\s*([+-]?\d+)")
_ANNOTATION = re.compile(r"\{[^{}]*\}")
# A unit symbol followed directly by an exponent, as UCUM writes them: "mm3", "m-2".
_UCUM_EXPONENT = re.compile(r"(?<![\w.])([A-Za-zµμ_]+)(-?\d+)(?![\w.])")
# What may remain after rewriting: unit names, *, /, ** exponents, parentheses, %.
_ALLOWED = re.compile(r"^[\w\s%/*()µμ]*(?:\*\*-?\d+[\w\s%/*()µμ]*)*$")
_LEADING_FACTOR = re.compile(r"^(?:1e[+-]?\d+|1)(?![\w.])")
#: Control characters that are not whitespace (U+001C to U+001F among them).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_STRAY_NUMBER = re.compile(r"(?<!\*\*)(?<!\*\*-)(?<![\d])\d")


def to_pint(text: str) -> str:
    """Rewrite a unit spelling into an expression for the library's pint registry.

    Raises ``ValueError`` (with the reason) for text that is not a unit spelling.
    The result may carry a numeric factor (``"1e9 / L"``); an empty unit is ``"1"``.
    """
    if _CONTROL.search(text):
        raise ValueError(f"{text!r} has a control character in it")
    s = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group(0).translate(_SUPERSCRIPTS), strip(text))
    s = s.replace("μ", "u").replace("µ", "u").replace("·", "*").replace("⋅", "*")
    s = _WHOLE.get(s, s)
    for token, name in _TOKENS.items():
        s = s.replace(token, name)
    s = _ANNOTATION.sub("", s).strip()  # UCUM annotations are unity: "{INR}", "{cells}/uL"
    s = _POWER_OF_TEN.sub(lambda m: f"1e{m.group(1)} * ", s)
    s = s.replace("^", "**")
    s = _UCUM_EXPONENT.sub(r"\1**\2", s)
    s = re.sub(r"\*\s*(?=/|$)", "", s).strip()  # "1e9 * /L" → "1e9 /L"
    s = re.sub(r"\*\*\s*-\s*(?=\d)", "**-", s)  # "m ** - 2" → "m**-2"
    if not s:
        return "1"
    if s.startswith("/"):
        s = "1" + s
    if not _ALLOWED.match(s):
        raise ValueError(f"{text!r} is not a unit this library reads")
    # Numbers may appear only as a leading factor ("1", "1e9") or as exponents ("**3").
    rest = _LEADING_FACTOR.sub("", s, count=1)
    if _STRAY_NUMBER.search(rest):
        raise ValueError(f"{text!r} has a number where a unit was expected")
    return s
