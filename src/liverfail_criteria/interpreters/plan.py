"""Which column holds which fact, in which unit: the plan every cohort engine follows.

Engine-neutral: the polars engine and the SQL compiler read a table by the same plan,
so they find the same columns and convert with the same factors. The rules:

* **Columns.** A fact is read from the column named like it (``total_bilirubin``), or
  from the column ``columns=`` maps it to (``{"total_bilirubin": "TBIL"}``). The id
  column (``id`` by default) is carried through, and so are the columns named in
  ``passthrough=``, after it. Any other column (not a fact, not a unit column, not
  the id, not passed through) is an error with the nearest name: a misspelt
  ``hiv_postive`` must not be screened as if the fact were missing. A named id column
  that the table lacks is an error; only the default ``id`` may be absent (the rows
  are then numbered).
* **Units.** A quantity's unit is fixed for its column (``units={"total_bilirubin":
  "mg/dL"}``), or read row by row from a unit column: the one ``unit_columns=`` names,
  else the column named like the value column with ``_unit`` appended
  (``total_bilirubin_unit``). A text cell may also carry its own unit (``"5 mg/dL"``)
  when the column has no unit of its own. A dimensional column with no unit at all is
  an error naming it (:class:`~liverfail_criteria.errors.CriteriaInputError`), raised
  before anything is screened. Plain numbers are read only for dimensionless facts
  (INR, FiO2 as a fraction).
* **Conversion.** Each distinct unit spelling is converted once, in Python, by the
  fact's :class:`~liverfail_criteria.units.UnitSpec`: the engines multiply by the
  factor and round as :func:`~liverfail_criteria.units.quantise` does. A spelling that
  is not a unit of the fact's dimension makes each cell that uses it invalid.
* **Invalid cells** (a value that cannot be read, is out of its plausible range, or
  contradicts another fact) never stop the screening: the cell is left out, so the
  criteria that read it are UNKNOWN, and the row's ``errors`` say which cell and why.
  What a row is screened on is exactly the record the reference evaluator would accept:
  the row with its invalid cells left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypedDict

import attrs

from ..arguments import as_names, as_texts
from ..dsl import Kind, Ruleset, Variable
from ..errors import CriteriaInputError, DefinitionError, did_you_mean
from .facts import Native, resolve_params, ruleset_variables

__all__ = [
    "DEFAULT_ID",
    "OUTPUT_COLUMNS",
    "UNIT_SUFFIX",
    "ColumnKind",
    "FactColumn",
    "Plan",
    "Prepared",
    "TableOptions",
    "UnitTable",
    "check_assume_absent",
    "check_passthrough",
    "check_result_names",
    "check_unknown_columns",
    "no_unit",
    "plan_columns",
    "prepare",
    "resolve_id_column",
    "unit_table",
]

#: Appended to a value column's name to find its unit column.
UNIT_SUFFIX = "_unit"

#: The columns every result has besides the id, the rulesets and the criteria.
OUTPUT_COLUMNS = ("status", "groups", "missing", "errors", "record")

#: Column kinds that hold numbers.
NUMERIC = ("number", "integer")

#: How an engine sees a column's type, engine-neutrally.
ColumnKind = str  # "number", "integer", "string", "boolean", "date", "datetime", "null", "other"


@attrs.frozen
class FactColumn:
    """Where one fact is read from.

    Attributes:
        variable: the fact.
        column: the table column holding its values.
        kind: the column's type, as the engine reported it.
        unit: a unit for every row of the column (``units=``), if one was given.
        unit_column: the column holding each row's unit, if there is one.
    """

    variable: Variable
    column: str
    kind: ColumnKind
    unit: str | None = None
    unit_column: str | None = None

    @property
    def name(self) -> str:
        """The fact's name."""
        return self.variable.name

    @property
    def is_quantity(self) -> bool:
        """Whether the fact is a quantity with a unit."""
        return self.variable.type.kind is Kind.QUANTITY

    @property
    def needs_unit(self) -> bool:
        """Whether a plain number in this column would be ambiguous (a dimensional fact)."""
        unit = self.variable.type.unit
        return unit is not None and not unit.bare_number


@attrs.frozen
class Plan:
    """How to read a table: the fact columns, in dictionary order, and the id column.

    Attributes:
        facts: one entry per fact the table holds.
        id_column: the column carried through as the row's id, or ``None`` (then the
            result numbers the rows in a ``row`` column, from 0).
        variables: every fact the ruleset can read, by name.
        passthrough: the columns carried into the result after the id, as they are.
    """

    facts: tuple[FactColumn, ...]
    id_column: str | None
    variables: Mapping[str, Variable]
    passthrough: tuple[str, ...] = ()

    def fact(self, name: str) -> FactColumn | None:
        """The entry of the fact called ``name``, if the table holds it."""
        for f in self.facts:
            if f.name == name:
                return f
        return None

    @property
    def id_output(self) -> str:
        """The name of the result's first column: the id column, or ``row``."""
        return self.id_column if self.id_column is not None else "row"


def plan_columns(
    schema: Mapping[str, ColumnKind],
    ruleset: Ruleset,
    *,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    unit_columns: Mapping[str, str] | None = None,
    id_column: str | None = "id",
    passthrough: Iterable[str] = (),
) -> Plan:
    """Match a table's columns to the facts of ``ruleset``.

    Args:
        schema: the table's column names and kinds, in order.
        ruleset: the ruleset to be screened.
        columns: fact name to column name, for columns not named like their fact.
        units: fact name to the unit of every value in its column.
        unit_columns: fact name to the column holding each row's unit.
        id_column: the column to carry through as the row id; the default ``"id"``
            may be absent (the rows are then numbered), any other name must be a column.
        passthrough: other columns to carry through into the result.

    Raises:
        CriteriaInputError: for a fact name that is not a fact, a column that is not
            in the table, a unit that is not a unit of the fact, a fact with both a
            fixed unit and a unit column, or a dimensional fact whose column holds
            numbers with no unit anywhere.
    """
    variables = ruleset_variables(ruleset)
    columns_ = as_texts("columns", columns)
    units_ = as_texts("units", units)
    unit_columns_ = as_texts("unit_columns", unit_columns)
    columns, units, unit_columns = columns_, units_, unit_columns_
    for option, mapping in (
        ("columns", columns),
        ("units", units),
        ("unit_columns", unit_columns),
    ):
        for name in mapping:
            if name not in variables:
                raise CriteriaInputError(
                    option, name, f"names of facts{did_you_mean(str(name), variables)}"
                )
    for option, mapping in (("columns", columns), ("unit_columns", unit_columns)):
        for name, wanted in mapping.items():
            if wanted not in schema:
                raise CriteriaInputError(
                    f"{option}[{name!r}]",
                    wanted,
                    f"a column of the table{did_you_mean(str(wanted), schema)}",
                )
    taken = set(columns.values())
    facts: list[FactColumn] = []
    for name, variable in variables.items():
        column: str | None = columns.get(name)
        if column is None:
            if name not in schema or name in taken:
                if name in units or name in unit_columns:
                    raise CriteriaInputError(
                        f"units[{name!r}]" if name in units else f"unit_columns[{name!r}]",
                        units.get(name, unit_columns.get(name)),
                        f"a unit for a fact the table holds; there is no column {name!r} "
                        "(map one with columns=)",
                    )
                continue
            column = name
        facts.append(_fact_column(variable, column, schema, units, unit_columns))
    id_column = resolve_id_column(id_column, schema)
    kept = check_passthrough(passthrough, schema, id_column, facts)
    kept += provenance_columns(schema, variables, kept)
    check_unknown_columns(schema, variables, facts, id_column, kept)
    return Plan(tuple(facts), id_column, variables, kept)


#: The suffix of a provenance column: ``<fact>_source`` names the record a value came from
#: (``Observation/abc``, ``measurement/12``, ``stated``), as ``lc.from_fhir``,
#: ``lc.from_events`` and ``lc.from_omop`` write it.
SOURCE_SUFFIX = "_source"


def provenance_columns(
    schema: Mapping[str, ColumnKind], variables: Mapping[str, Variable], kept: Iterable[str]
) -> tuple[str, ...]:
    """The ``<fact>_source`` columns of the table, carried into the result after the id.

    A provenance column is read by no criterion; it travels with its row so that every
    value in a result can be traced to its record.
    """
    already = set(kept)
    return tuple(
        f"{name}{SOURCE_SUFFIX}"
        for name in variables
        if f"{name}{SOURCE_SUFFIX}" in schema and f"{name}{SOURCE_SUFFIX}" not in already
    )


#: The id column's default name: the only id column that may be absent.
DEFAULT_ID = "id"


def resolve_id_column(id_column: object, names: Iterable[str]) -> str | None:
    """The id column to use: ``id_column`` if the table has it, else ``None``.

    Raises:
        CriteriaInputError: for an id column that is not a name, or a name (other than
            the default ``"id"``) that is not a column of the table.
    """
    if id_column is None:
        return None
    if not isinstance(id_column, str):
        raise CriteriaInputError("id_column", id_column, "a column name (text), or None")
    names = list(names)
    if id_column in names:
        return id_column
    if id_column == DEFAULT_ID:
        return None
    raise CriteriaInputError(
        "id_column", id_column, f"a column of the table{did_you_mean(id_column, names)}"
    )


def check_passthrough(
    passthrough: Iterable[str],
    schema: Mapping[str, ColumnKind],
    id_column: str | None,
    facts: Iterable[FactColumn],
) -> tuple[str, ...]:
    """The columns to carry through, each checked to be a column that nothing else reads."""
    names = as_names("passthrough", passthrough)
    read = {id_column, *(f.column for f in facts), *(f.unit_column for f in facts)}
    for name in names:
        if not isinstance(name, str) or name not in schema:
            raise CriteriaInputError(
                "passthrough", name, f"a column of the table{did_you_mean(str(name), schema)}"
            )
        if name in read or name in OUTPUT_COLUMNS:
            raise CriteriaInputError(
                "passthrough", name, "a column that is not the id, a fact, a unit or a result"
            )
    return tuple(dict.fromkeys(names))


def check_unknown_columns(
    schema: Mapping[str, ColumnKind],
    variables: Mapping[str, Variable],
    facts: Iterable[FactColumn],
    id_column: str | None,
    passthrough: Iterable[str],
) -> None:
    """Refuse a column that is not a fact, a unit column, the id or passed through.

    A fact's column, its unit column, and ``<fact>_unit`` for every quantity fact are
    known (the last even when the fact's column is absent: it is read by no one, but
    names nothing else either).
    """
    known = {*variables, *passthrough}
    known.update(f"{name}{UNIT_SUFFIX}" for name, v in variables.items() if v.type.unit)
    for f in facts:
        known.add(f.column)
        if f.unit_column is not None:
            known.add(f.unit_column)
    if id_column is not None:
        known.add(id_column)
    for column in schema:
        if column not in known:
            hint = did_you_mean(column, sorted(known - set(passthrough)))
            raise CriteriaInputError(
                "columns",
                column,
                "a fact, a unit column, the id column or a column declared with passthrough= "
                f"(--keep on the command line){hint}; a column that is read by no one "
                "could be a misspelt fact",
            )


def _fact_column(
    variable: Variable,
    column: str,
    schema: Mapping[str, ColumnKind],
    units: Mapping[str, str],
    unit_columns: Mapping[str, str],
) -> FactColumn:
    name = variable.name
    kind = schema[column]
    spec = variable.type.unit
    unit = units.get(name)
    unit_column = unit_columns.get(name)
    if spec is None:
        if unit is not None or unit_column is not None:
            raise CriteriaInputError(
                f"units[{name!r}]", unit or unit_column, f"no unit: {name} is a {variable.type}"
            )
        return FactColumn(variable, column, kind)
    if unit_column is None and f"{column}{UNIT_SUFFIX}" in schema:
        unit_column = f"{column}{UNIT_SUFFIX}"
        if unit is not None:
            raise CriteriaInputError(
                f"units[{name!r}]",
                unit,
                f"one source of units: column {unit_column!r} holds each row's unit "
                "already (leave units= out, or rename that column)",
            )
    elif unit is not None and unit_column is not None:
        raise CriteriaInputError(
            f"units[{name!r}]", unit, f"either units= or unit_columns= for {name}, not both"
        )
    if unit is not None:
        spec.factor(unit, name)  # an unknown unit or another dimension: raise now
    # Numbers with no unit anywhere; text may carry its units (checked when screening).
    if unit is None and unit_column is None and not spec.bare_number and kind in NUMERIC:
        raise no_unit(FactColumn(variable, column, kind))
    return FactColumn(variable, column, kind, unit, unit_column)


def no_unit(fact: FactColumn) -> CriteriaInputError:
    """The error for a dimensional column whose numbers have no unit anywhere."""
    spec = fact.variable.type.unit
    assert spec is not None
    return CriteriaInputError(
        fact.name,
        f"column {fact.column!r}",
        f"a unit for its numbers: one for the whole column ({fact.name}={spec.accepted[0]}, "
        f"with units= or --units), a column {fact.column + UNIT_SUFFIX!r} with each row's "
        "unit, or a unit in every cell",
    )


@attrs.frozen
class UnitTable:
    """The conversion of every distinct unit spelling a fact's column uses.

    Attributes:
        factors: spelling to the number of canonical units in one of it.
        errors: spelling to what was expected instead, for spellings that are not
            units of the fact.
    """

    factors: Mapping[str, float]
    errors: Mapping[str, str]


def unit_table(fact: FactColumn, spellings: Iterable[str]) -> UnitTable:
    """Convert each distinct unit spelling of ``fact`` once, by its unit specification.

    The empty spelling (a plain number) converts with factor 1 for a dimensionless
    fact and is an error for a dimensional one.
    """
    spec = fact.variable.type.unit
    assert spec is not None
    factors: dict[str, float] = {}
    errors: dict[str, str] = {}
    for text in spellings:
        if text == "":
            if spec.bare_number:
                factors[text] = 1.0
            else:
                errors[text] = f"a quantity with a unit, such as '85 {spec.accepted[0]}'"
            continue
        try:
            factors[text] = spec.factor(text, fact.name)
        except CriteriaInputError as exc:
            errors[text] = exc.expected
    return UnitTable(factors, errors)


def check_result_names(ruleset: Ruleset, id_output: str) -> None:
    """Refuse criterion and ruleset ids that are the names of result columns.

    Every engine names a result column after each criterion and ruleset, beside
    :data:`OUTPUT_COLUMNS` and the id column; internal columns start with ``__lc``.
    """
    from ..dsl import Criterion

    reserved = {*OUTPUT_COLUMNS, id_output}
    nodes: list[Criterion | Ruleset] = [*ruleset.rulesets(), *ruleset.criteria()]
    for node in nodes:
        if node.id in reserved or node.id.startswith("__lc"):
            raise DefinitionError(
                f"{type(node).__name__.lower()} id {node.id!r} is the name of a result column"
            )


def check_assume_absent(names: Iterable[str], plan: Plan) -> tuple[str, ...]:
    """The facts to assume absent, each checked to be a true/false fact of the plan."""
    names = as_names("assume_absent", names)
    for name in names:
        var = plan.variables.get(name)
        if var is None or var.type.kind is not Kind.BOOLEAN:
            raise CriteriaInputError(
                "assume_absent",
                name,
                f"names of true/false facts{did_you_mean(str(name), plan.variables)}",
            )
    return names


@attrs.frozen
class Prepared:
    """Everything an engine screens by, checked: the ruleset, the plan, the settings.

    Attributes:
        ruleset: the ruleset.
        plan: which column holds which fact.
        params: the parameters' canonical values.
        assume_absent: the facts assumed absent.
    """

    ruleset: Ruleset
    plan: Plan
    params: Mapping[str, Native | None]
    assume_absent: tuple[str, ...]


class TableOptions(TypedDict):
    """How a table's columns are read: :func:`prepare`'s options, which every engine takes.

    One mapping of them is made once by the caller and passed through (``**options``)
    to whichever engine runs, so that the options are spelt once.
    """

    columns: Mapping[str, str] | None
    units: Mapping[str, str] | None
    unit_columns: Mapping[str, str] | None
    params: Mapping[str, object] | None
    assume_absent: Iterable[str]
    id_column: str | None
    passthrough: Iterable[str]


def prepare(
    ruleset: Ruleset | None,
    kinds: Mapping[str, ColumnKind],
    *,
    columns: Mapping[str, str] | None,
    units: Mapping[str, str] | None,
    unit_columns: Mapping[str, str] | None,
    params: Mapping[str, object] | None,
    assume_absent: Iterable[str],
    id_column: str | None,
    passthrough: Iterable[str] = (),
) -> Prepared:
    """Check the options against the table's columns, as every engine does.

    Raises:
        CriteriaInputError: as :func:`plan_columns` does, and for a ruleset that is not
            one, a bad parameter, or a name in ``assume_absent`` that is not a true/false
            fact.
        DefinitionError: for a criterion or ruleset id that is a result column's name.
    """
    if ruleset is None:
        from ..trial import ELIGIBILITY

        ruleset = ELIGIBILITY
    if not isinstance(ruleset, Ruleset):
        raise CriteriaInputError("ruleset", ruleset, "a Ruleset")
    plan = plan_columns(
        kinds,
        ruleset,
        columns=columns,
        units=units,
        unit_columns=unit_columns,
        id_column=id_column,
        passthrough=passthrough,
    )
    check_result_names(ruleset, plan.id_output)
    results = {plan.id_output, *(r.id for r in ruleset.rulesets())}
    results.update(c.id for c in ruleset.criteria())
    for name in plan.passthrough:
        if name in results or name.startswith("__lc"):
            raise CriteriaInputError(
                "passthrough", name, "a column whose name is not a column of the result"
            )
    resolved = resolve_params(ruleset, params)
    values: dict[str, Native | None] = {name: value for name, value, _ in resolved}
    assumed = check_assume_absent(assume_absent, plan)
    return Prepared(ruleset, plan, values, assumed)
