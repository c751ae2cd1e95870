"""Griffe extension: read the Sphinx roles some docstrings use as Markdown code spans.

The package's docstrings are written for readers of the source as well as for this
site, and some name other objects with Sphinx roles (``:class:`Result```,
``:func:`~liverfail_criteria.dsl.coalesce```). mkdocstrings reads Markdown, where a role
is just text, and Google-style sections split at its colon (``Returns: The
:class:`Result`: ...``). This extension rewrites each role to a code span of the name
it shows (the last component after a ``~``, as Sphinx does) before the docstring is
parsed.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj|const):`(~?)([^`]+)`")


def _code(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring to Markdown code spans."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite the docstring of each object as it is loaded."""
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(_code, obj.docstring.value)
