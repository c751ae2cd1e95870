r"""The one definition of whitespace, used by every interpreter.

Whitespace is Unicode's ``White_Space`` property: what polars' ``strip_chars()`` and
its regex ``\s`` match, and what the SQL dialects trim (each spelled with its regex
engine's escapes, in :mod:`.interpreters.sql.dialect`). Python's own ``str.strip()``
and ``re``'s ``\s`` also count the information separators U+001C to U+001F as
whitespace; here they are not. A cell ending in one of them is not a value with
stray spaces but a value with a control character in it, which is invalid in every
engine and listed in its row's ``errors``, never silently dropped.
"""

from __future__ import annotations

__all__ = ["WHITESPACE", "WS", "strip"]

#: Unicode White_Space: what polars' ``strip_chars()`` and regex ``\s`` match.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

#: :data:`WHITESPACE` as a class of Python's ``re`` (use it instead of ``\s``).
WS = "[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"


def strip(text: str) -> str:
    """``text`` without leading and trailing whitespace (:data:`WHITESPACE` only)."""
    return text.strip(WHITESPACE)
