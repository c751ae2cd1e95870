"""Public names imported on first use: a package's module-level ``__getattr__``."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """A ``__getattr__`` for ``package`` that imports each name from its module on first use.

    ``where`` maps a public name to its module, relative to ``package``
    (``"cohort.screen"``). The value found is kept in the package's namespace, so a name
    is looked up once. An unknown name is an ``AttributeError``, as Python's own.
    """

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
