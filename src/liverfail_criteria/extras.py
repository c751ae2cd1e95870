"""Optional dependencies, imported only when a feature that needs them is used.

``import liverfail_criteria`` needs only attrs and pint. Screening a cohort needs
polars (the ``cohort`` extra), drawing needs matplotlib, and so on: each is imported
by :func:`require` at the moment it is first needed, and its absence is a
:class:`~liverfail_criteria.errors.MissingDependencyError` that names the extra.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError

__all__ = ["require"]


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import ``module``, or raise an error that says which extra installs it.

    Args:
        module: the module to import (``"polars"``).
        extra: the package extra that installs it (``"cohort"``).
        feature: what needs it, for the message (``"lc.screen"``).
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if exc.name is not None and module.split(".")[0] != exc.name.split(".")[0]:
            raise  # installed, but broken: its own error says more than ours would
        raise MissingDependencyError(feature, module, extra) from exc
