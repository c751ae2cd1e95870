"""The unit spellings of a table, engine-neutrally: from its data, or declared.

Every engine converts each distinct unit spelling once (:func:`.plan.unit_table`). The
polars and DuckDB engines find the spellings in the data, as the rules of
:mod:`.plan` read them (the unit column where the value is present; the unit written
in a text cell after its number); :func:`unit_tables` turns what they found into the
tables, refusing a dimensional text column that holds plain numbers, as every engine
does. Compiling SQL without data (:func:`liverfail_criteria.to_sql`) uses the spellings
the caller declares, else those each fact's unit specification documents
(:func:`declared_spellings`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..arguments import as_mapping
from ..errors import CriteriaInputError, did_you_mean
from ..whitespace import strip
from .plan import FactColumn, Plan, UnitTable, no_unit, unit_table

__all__ = ["declared_spellings", "scanned_facts", "unit_tables"]


def scanned_facts(plan: Plan) -> list[FactColumn]:
    """The quantity facts whose spellings must be found in the data.

    Those with no fixed unit, whose unit is in a unit column or in their text cells.
    """
    return [
        f
        for f in plan.facts
        if f.is_quantity and f.unit is None and (f.unit_column is not None or f.kind == "string")
    ]


def unit_tables(plan: Plan, spellings: Mapping[str, Iterable[str]]) -> dict[str, UnitTable]:
    """The unit table of every quantity fact of ``plan``, from the spellings found.

    Raises:
        CriteriaInputError: for a dimensional fact in a text column without a unit
            column, if a cell holds a plain number (``""`` among its spellings).
    """
    tables: dict[str, UnitTable] = {}
    for f in plan.facts:
        if not f.is_quantity:
            continue
        if f.unit is not None:
            tables[f.name] = unit_table(f, [f.unit])
            continue
        found = list(spellings.get(f.name, []))
        if f.unit_column is None and f.needs_unit and "" in found:
            raise no_unit(f)
        tables[f.name] = unit_table(f, [*sorted(set(found)), ""])
    return tables


def declared_spellings(
    plan: Plan, unit_spellings: Mapping[str, Iterable[str]] | None
) -> dict[str, UnitTable]:
    """Unit tables without data: the caller's spellings, else the documented ones.

    Each fact's table holds the spellings of ``unit_spellings[fact]`` if given, else
    those its :class:`~liverfail_criteria.units.UnitSpec` documents as accepted, and
    the empty spelling (a plain number). A cell whose spelling is not among them is
    invalid, with an error that names the option.

    Raises:
        CriteriaInputError: for a name in ``unit_spellings`` that is not a quantity
            fact the table holds with units from a column or from its cells, or
            spellings that are not a list of texts.
    """
    given = as_mapping("unit_spellings", unit_spellings)
    scanned = {f.name: f for f in scanned_facts(plan)}
    for name, values in given.items():
        if name not in scanned:
            raise CriteriaInputError(
                "unit_spellings",
                name,
                "names of quantity facts whose units the table gives row by row"
                f"{did_you_mean(str(name), scanned)}"
                + (f" ({', '.join(scanned)})" if scanned else " (it has none)"),
            )
        if (
            isinstance(values, str)
            or not isinstance(values, Iterable)
            or not all(isinstance(v, str) for v in values)
        ):
            raise CriteriaInputError(
                f"unit_spellings[{name!r}]", values, "a list of unit spellings (texts)"
            )
    tables: dict[str, UnitTable] = {}
    for f in plan.facts:
        if not f.is_quantity:
            continue
        if f.unit is not None:
            tables[f.name] = unit_table(f, [f.unit])
            continue
        spec = f.variable.type.unit
        assert spec is not None
        chosen = given.get(f.name, spec.accepted)
        assert isinstance(chosen, Iterable)
        spellings = [strip(str(s)) for s in chosen]
        tables[f.name] = unit_table(f, [*dict.fromkeys([*spellings, ""])])
    return tables
