"""Reading FHIR sources: a Bundle, NDJSON files of a Bulk Data export, or a directory.

A Bundle is a dict or a .json file; NDJSON files are .ndjson or .ndjson.gz. Every line
is read; a line that is not JSON is a problem (with its file and line), never a
silent skip.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import CriteriaInputError
from .fhir import Problem, bundle_resources

__all__ = ["iter_resources"]

_NDJSON = (".ndjson", ".ndjson.gz", ".jsonl", ".jsonl.gz")


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                yield number, line


def _ndjson(path: Path, problems: list[Problem]) -> Iterator[object]:
    for number, line in _lines(path):
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"{path.name} line {number}", f"not JSON: {exc.msg}"))


def iter_resources(source: object, problems: list[Problem]) -> Iterator[object]:
    """The resources of a source; unreadable lines are appended to ``problems``."""
    if isinstance(source, dict):
        yield from bundle_resources(source)
        return
    if not isinstance(source, (str, os.PathLike)):
        raise CriteriaInputError("source", repr(source)[:80], "a Bundle, or a path")
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.name.endswith(_NDJSON))
        if not files:
            raise CriteriaInputError("source", str(path), "a directory holding .ndjson files")
        for f in files:
            yield from _ndjson(f, problems)
        return
    if not path.is_file():
        raise CriteriaInputError("source", str(path), "an existing file or directory")
    if path.name.endswith(_NDJSON):
        yield from _ndjson(path, problems)
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CriteriaInputError("source", str(path), f"a JSON Bundle ({exc.msg})") from None
    yield from bundle_resources(data)
