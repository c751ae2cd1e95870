"""One row of a screening, explained by the reference interpreter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..dsl import Criterion, Ruleset
from ..errors import CriteriaInputError
from ..interpreters.record import evaluate
from ..result import Result
from .inputs import check_results
from .screen import screening_of

__all__ = ["explain_row", "row_record"]


def row_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The record the reference evaluator reads for a result row: its facts as read."""
    record: dict[str, Any] = {}
    for name, value in (row.get("record") or {}).items():
        if value is None:
            continue
        if isinstance(value, dict):  # a quantity: {"value": ..., "unit": ..., "comparator": ...}
            if value.get("value") is None:
                continue
            unit = value.get("unit") or ""
            comparator = value.get("comparator")
            if comparator:  # censored: the text the reference reads as an interval
                value = f"{comparator}{value['value']!r} {unit}".rstrip()
            else:
                value = {"value": value["value"], "unit": unit}
        record[name] = value
    return record


def explain_row(
    results: Any,
    i: int,
    *,
    ruleset: Ruleset | None = None,
    params: Mapping[str, object] | None = None,
    assume_absent: Iterable[str] | None = None,
) -> Result:
    """The full evaluation tree of row ``i`` of a table :func:`screen` returned.

    Evaluates the row's ``record`` (its cells as read, less any invalid ones) with the
    single-record evaluator, and checks that every criterion's outcome agrees with the
    row's columns. The ruleset, parameters and assumptions are those ``screen`` used,
    when ``results`` is the table it returned; for a table derived from it (filtered,
    loaded from a file), pass them again.

    Raises:
        CriteriaInputError: if ``i`` is not a row, the table has no ``record``, or the
            row's outcomes disagree with the evaluation (different settings).
    """
    check_results(results)
    made = screening_of(results)
    if ruleset is None:
        if made is not None:
            ruleset = made.ruleset
        else:
            from ..trial import ELIGIBILITY

            ruleset = ELIGIBILITY
    if params is None:
        params = made.params if made is not None else {}
    if assume_absent is None:
        assume_absent = made.assume_absent if made is not None else ()
    if "record" not in results.columns:
        raise CriteriaInputError(
            "results", "a table without 'record'", "a table screen() made with keep_record=True"
        )
    if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < results.height:
        raise CriteriaInputError("i", i, f"a row number from 0 to {results.height - 1}")
    row = results.row(i, named=True)
    invalid = {e["field"] for e in row.get("errors") or ()}
    assumed = [n for n in assume_absent if n not in invalid]
    record = row_record(row)
    row_id = row[results.columns[0]]  # a result's first column is the row's id
    if row_id is not None:
        record["id"] = row_id
    result = evaluate(record, ruleset, params=params, assume_absent=assumed)
    _check_agreement(result, row, ruleset)
    return result


def _check_agreement(result: Result, row: Mapping[str, Any], ruleset: Ruleset) -> None:
    """Refuse to explain a row with settings other than those it was screened with."""
    nodes: list[Criterion | Ruleset] = [*ruleset.rulesets(), *ruleset.criteria()]
    for node in nodes:
        if node.id not in row:
            continue
        expected = row[node.id]
        got = result.tree.find(node.id).outcome.as_bool()
        if got != expected:
            shown = {True: "met", False: "not met", None: "unknown"}
            kind = "criterion" if isinstance(node, Criterion) else "ruleset"
            raise CriteriaInputError(
                node.id,
                shown[expected],
                f"the outcome the row's record gives ({shown[got]}): explain the row with "
                f"the ruleset, params and assume_absent it was screened with ({kind} "
                "outcomes differ)",
            )
