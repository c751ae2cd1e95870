"""The derivations compiled to SQL over the event relation: one query, one row per person.

The SQL twin of :func:`.frame.derive_frame`, in one pass over the events: they are
read once and matched to every selection (a :class:`~.nodes.Select` in its window)
whose code sets hold their normalised code (one equi-join, and the ICD-10 categories
by prefix); each selection keeps the events of its kind whose statuses (and
verification, and coded answer) count in its window (``assessment - days <= date(time)
<= assessment``; no lower bound and undated events allowed when the window has none);
one ranking over (person, selection) gives the sources from the latest by ``(time,
source)`` (and from the earliest, for the selections read earliest first); each
selection's first-ranked rows are aggregated per person, and the selections are
joined on the person into one row of facts (Spark: one aggregate per person of every
selection, a join there being a shuffle each). With one assessment date, the events no
selection could count by their date are left out as the events are read.

A source counts once, as the polars derivation's first coding of it (by system, code
and answer). The rows of one source are the codings of one record (a FHIR resource,
an OMOP row): they share the patient, the time, the value, its comparator and unit,
and the text value, or (coded answers) each code carries every answer. So they share
a rank (``DENSE_RANK`` over ``(time, source)``), and the first coding's text value is
their least: the aggregates take the least (``MIN``) of the rows of the source ranked
first, which is that coding's, with no per-source sort.

The value is written as the polars derivation writes it: the comparator, the number,
then the unit, or ``(no unit)`` for a dimensional fact without one.
:class:`~.nodes.Trend` facts (progressive jaundice) compare the earliest and the
latest exact value, as :func:`.frame._trend` does (their selection ranks its exact
values apart); :class:`~.nodes.AnyOf` facts are true when
any part's selection has the person, and name the first part's source;
:class:`~.nodes.Paired` facts (PaO2 and FiO2 of one blood gas) join the anchors with
the partners timed at most N minutes before them, from the same counted events.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import attrs

from ..dictionary import VARIABLES
from ..errors import CriteriaInputError
from ..extras import require
from ..units import MAGNITUDE_RANGE
from .catalog import DERIVATIONS, ONE_GAS
from .nodes import AnyOf, Derive, Paired, Read, Select, Take, Trend
from .schema import ICD10, ICD10_CM

__all__ = ["assessed_sql", "derivations_sql"]


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in(column: str, allowed: tuple[str | None, ...]) -> str:
    values = [a for a in allowed if a is not None]
    terms = [f"{column} IN ({', '.join(_q(v) for v in values)})"] if values else []
    if None in allowed:
        terms.append(f"{column} IS NULL")
    return "(" + " OR ".join(terms) + ")" if terms else "FALSE"


def _unit_factors(d: Trend) -> dict[str, float]:
    """The value fact's documented unit spellings and their factors to its canonical unit."""
    spec = VARIABLES[d.value_fact].value_type.unit
    assert spec is not None
    factors: dict[str, float] = {}
    for u in spec.accepted:
        try:
            factors[u] = spec.convert(f"1 {u}", d.value_fact)[0]
        except ValueError:
            continue
    return factors


@attrs.frozen
class _Key:
    """One selection the events are matched to: a Select in a window (and a trend's)."""

    name: str
    select: Select
    days: int | None
    trend: Trend | None = None


class _Plan:
    """The selections of every derivation, each once, and which fact reads which."""

    def __init__(self, windows: dict[str, int]) -> None:
        self.keys: dict[tuple[object, ...], _Key] = {}
        self.fact_keys: dict[str, tuple[_Key, ...]] = {}
        self.pairs: dict[tuple[str, str, int], str] = {}  # (anchor, partner, minutes) -> CTE
        self.first: list[str] = []  # the selections read earliest first
        for fact, d in DERIVATIONS.items():
            days = d.window.resolve(windows or None) if not isinstance(d, AnyOf) else None
            if isinstance(d, AnyOf):
                self.fact_keys[fact] = tuple(
                    self._key(p.select, p.window.resolve(windows or None)) for p in d.parts
                )
            elif isinstance(d, Trend):
                self.fact_keys[fact] = (self._key(d.select, days, d),)
            elif isinstance(d, Paired):
                keys = (self._key(d.select, days), self._key(d.partner, days))
                self.fact_keys[fact] = keys
                pair = (keys[0].name, keys[1].name, d.tolerance_minutes)
                self.pairs.setdefault(pair, f"_pair{len(self.pairs)}")
            else:
                self.fact_keys[fact] = (self._key(d.select, days),)
            name = self.fact_keys[fact][0].name
            if isinstance(d, Trend) or (isinstance(d, Derive) and d.take is Take.EARLIEST):
                self.first.append(name)

    def _key(self, select: Select, days: int | None, trend: Trend | None = None) -> _Key:
        # A trend ranks only its exact values, so it keeps its own selection.
        found = self.keys.get((select, days, trend))
        if found is None:
            found = _Key(str(len(self.keys)), select, days, trend)
            self.keys[(select, days, trend)] = found
        return found

    def code_rows(self) -> tuple[list[str], list[str]]:
        """VALUES rows of (key, system, code): the exact codes, and the category prefixes."""
        exact: dict[str, None] = {}
        prefixes: dict[str, None] = {}
        for key in self.keys.values():
            for s in key.select.codes:
                for code in sorted(s.exact()):
                    exact[f"({key.name}, {_q(s.system)}, {_q(code)})"] = None
                for prefix in s.prefixes():
                    prefixes[f"({key.name}, {_q(s.system)}, {_q(prefix)})"] = None
        return list(exact), list(prefixes)

    def bounds(self) -> dict[tuple[str, int], list[str]]:
        """The exact codes every selection that could count them reads in a window.

        (system, days) -> normalised codes: an event of such a code older than the
        longest of those windows counts for none, and is left out as it is read.
        """
        found: dict[tuple[str, int], list[str]] = {}
        for code in sorted(
            {(s.system, c) for k in self.keys.values() for s in k.select.codes for c in s.exact()}
        ):
            days = [
                k.days
                for k in self.keys.values()
                if any(s.contains(*code) for s in k.select.codes)
            ]
            if days and None not in days:
                found.setdefault((code[0], max(d for d in days if d is not None)), []).append(
                    code[1]
                )
        return found


def _read_window(plan: _Plan, one_day: dt.date | None) -> str:
    """A WHERE clause leaving out the events no selection counts by their date, or ``""``.

    With one assessment date: no event after it counts, nor one older than the
    longest window of the selections its code could count for (:meth:`_Plan.bounds`).
    The database filters these as it reads the table, before the rest of each row
    (its text columns) is built.
    """
    if one_day is None:
        return ""
    day = f"CAST({_q(one_day.isoformat())} AS DATE)"
    cases = " ".join(
        f"WHEN e.system = {_q(system)} AND e._ncode IN ({', '.join(_q(c) for c in codes)}) "
        f"THEN e._day >= {day} - INTERVAL {days} DAY"
        for (system, days), codes in plan.bounds().items()
    )
    older = f" AND CASE {cases} ELSE TRUE END" if cases else ""
    return f" WHERE (e._day IS NULL OR e._day <= {day}){older}"


def _condition(key: _Key, assessed: str) -> str:
    """Whether a matched event ``m`` counts for the selection (its code matched).

    ``assessed``: the assessment date, per person (``a._assessed``) or one constant.
    """
    sel = key.select
    where = [f"m.kind = {_q(sel.kind)}", _in("m.status", sel.statuses)]
    if sel.verifications is not None:
        where.append(_in("m.verification", sel.verifications))
    answers = sel.value_tokens()
    if answers is not None:
        where.append(_in("m.value_text", answers))
    if key.days is None:
        where.append(f"(m._day IS NULL OR m._day <= {assessed})")
    else:
        where.append(
            f"m._day IS NOT NULL AND m._day <= {assessed} "
            f"AND m._day >= {assessed} - INTERVAL {key.days} DAY"
        )
    return " AND ".join(where)


def _exact(key: _Key) -> str:
    """A trend's values: exact, dated, in a unit it converts (as :func:`.frame._trend`).

    And 0 or from 1e-50 to 1e50 (the rule ``number-magnitude``), as the reference reads
    them: the value times its factor is then at most 1e100 (PostgreSQL would stop the
    query on an overflow).
    """
    assert key.trend is not None
    units = ", ".join(_q(u) for u in _unit_factors(key.trend))
    lo, hi = MAGNITUDE_RANGE
    return (
        "c.time IS NOT NULL AND c.comparator IS NULL AND c.value IS NOT NULL "
        f"AND c.unit IN ({units}) AND (c.value = 0 OR ABS(c.value) BETWEEN {lo!r} AND {hi!r})"
    )


#: Which rows an aggregate reads: (selection, ranking, exact values only), or
#: (selection, "count", False) for every counted source of the selection.
_Group = tuple[str, str, bool]
#: One aggregate: its rows, its expression over them (on ``r``) and its column name;
#: the least of the expression, or the number of distinct values for a count.
_Part = tuple[_Group, str, str]


def _pick(key: str, rank: str, expr: str, name: str, exact: bool = False) -> _Part:
    """``expr`` of the selection's event ranked first by ``rank`` (one row per person)."""
    return ((key, rank, exact), expr, name)


def _written(t: str, fact: str) -> str:
    """A laboratory value as text with its unit, as the polars derivation writes it."""
    spec = VARIABLES[fact].value_type.unit
    no_unit = "" if spec is not None and spec.bare_number else " (no unit)"
    text = (
        f"CASE WHEN {t}value IS NULL THEN {t}value_text "
        f"ELSE COALESCE({t}comparator, '') || CAST({t}value AS VARCHAR) END"
    )
    return (
        f"CASE WHEN {t}value IS NULL THEN {text} "
        f"WHEN {t}unit IS NULL THEN {text} || '{no_unit}' "
        f"ELSE {text} || ' ' || {t}unit END"
    )


_Columns = tuple[list[_Part], str, str]


def _aggregates(fact: str, d: Derive | Trend | AnyOf, keys: tuple[_Key, ...]) -> _Columns:
    """The fact's aggregates over ``_ranked`` (``r``), its value and its source (on ``f``)."""
    if isinstance(d, AnyOf):  # true when any part finds one; the first part's source
        names = [f"{fact}__s{i}" for i in range(len(keys))]
        parts = [_pick(k.name, "_last", "r.source", n) for k, n in zip(keys, names, strict=True)]
        found = " OR ".join(f"f.{n} IS NOT NULL" for n in names)
        sources = ", ".join(f"f.{n}" for n in names)
        return parts, f"CASE WHEN {found} THEN TRUE END", f"COALESCE({sources})"
    key = keys[0].name
    if isinstance(d, Trend):
        factor = "CASE r.unit " + " ".join(
            f"WHEN {_q(u)} THEN {f!r}" for u, f in _unit_factors(d).items()
        )
        parts = [
            _pick(key, "_first", f"r.value * ({factor} END)", f"{fact}__v0", True),
            _pick(key, "_last", f"r.value * ({factor} END)", f"{fact}__v1", True),
            _pick(key, "_first", "r._day", f"{fact}__d0", True),
            _pick(key, "_last", "r._day", f"{fact}__d1", True),
            _pick(key, "_last", "r.source", f"{fact}__source", True),
        ]
        known = f"f.{fact}__d1 > f.{fact}__d0"  # two values on different dates
        days = f"CAST(DATE_DIFF('day', f.{fact}__d0, f.{fact}__d1) AS DOUBLE)"
        rise = f"(f.{fact}__v1 - f.{fact}__v0) / {days} >= {d.min_daily_rise!r}"
        return (
            parts,
            f"CASE WHEN {known} THEN {rise} END",
            f"CASE WHEN {known} THEN f.{fact}__source END",
        )
    rank = "_first" if d.take is Take.EARLIEST else "_last"
    parts = [_pick(key, rank, "r.source", f"{fact}__source")]
    source = f"f.{fact}__source"
    if fact in ONE_GAS:  # the time of the gas, to read the later of two (see below)
        parts.append(_pick(key, rank, "r.time", f"{fact}__time"))
    if d.read is Read.VALUE:
        parts.append(_pick(key, rank, _written("r.", fact), f"{fact}__value"))
        value = f"f.{fact}__value"
    elif d.read is Read.DATE:
        parts.append(_pick(key, rank, "r._day", f"{fact}__value"))
        value = f"f.{fact}__value"
        source = f"CASE WHEN f.{fact}__value IS NOT NULL THEN f.{fact}__source END"
    elif d.read is Read.PRESENT:
        value = f"CASE WHEN f.{fact}__source IS NOT NULL THEN TRUE END"
    else:
        parts.append(((key, "count", False), "r.source", f"{fact}__value"))
        value = f"CASE WHEN f.{fact}__source IS NOT NULL THEN CAST(f.{fact}__value AS DOUBLE) END"
    return parts, value, source


def _pair_cte(name: str, anchor: str, partner: str, minutes: int) -> str:
    """The pairs of a Paired, one row per person (as :func:`.frame._paired`).

    The latest anchor with a partner at most N minutes before it, and its latest partner.
    """
    cols = ("value", "value_text", "comparator", "unit", "source", "time")
    both = ", ".join(f"{side}.{c} AS _{side}_{c}" for side in ("a", "p") for c in cols)
    return f"""{name} AS (SELECT * FROM (
  SELECT a.patient_id, {both},
    ROW_NUMBER() OVER (PARTITION BY a.patient_id
      ORDER BY a.time DESC, a.source DESC, p.time DESC, p.source DESC,
        a.value_text, p.value_text) AS _rank
  FROM _gas AS a JOIN _gas AS p
    ON p.patient_id = a.patient_id AND p._key = {partner} AND p.time <= a.time
    AND p.time >= a.time - INTERVAL {minutes} MINUTE
  WHERE a._key = {anchor}
) AS x WHERE x._rank = 1)"""


def _table_name(name: object, cdm_schema: str | None) -> str:
    """A table name (``cohort`` or ``results.cohort``); unqualified, in the CDM schema."""
    parts = name.split(".") if isinstance(name, str) else []
    if not 1 <= len(parts) <= 2 or not all(p.replace("_", "").isalnum() for p in parts):
        raise CriteriaInputError(
            "cohort_table", name, "a table name (letters, digits, _; 'schema.table')"
        )
    assert isinstance(name, str)
    return name if len(parts) == 2 or not cdm_schema else f"{cdm_schema}.{name}"


def assessed_sql(
    assessment_date: object = None,
    *,
    cohort_table: str | None = None,
    cohort_definition_id: int | None = None,
    cdm_schema: str | None = None,
) -> str:
    """The persons to screen and their dates: a SELECT of ``patient_id``, ``_assessed``.

    Args:
        assessment_date: one date for every person of ``_people`` (the demographics
            relation), or a mapping of person id to date, or a two-column polars
            DataFrame (person id, date): those persons, each on their date.
        cohort_table: instead, an OHDSI cohort table (``subject_id``,
            ``cohort_start_date``, ``cohort_definition_id``): its subjects, each on
            their first ``cohort_start_date`` (decision ``omop-cohort-date``). An
            unqualified name is read from the CDM schema.
        cohort_definition_id: the cohort's id in that table, or ``None`` for every row.
        cdm_schema: the schema of the CDM tables.
    """
    from .api import _date

    if cohort_table is not None:
        if assessment_date is not None:
            raise CriteriaInputError(
                "assessment_date", assessment_date, "no date with a cohort_table (it has them)"
            )
        where = ""
        if cohort_definition_id is not None:
            if isinstance(cohort_definition_id, bool) or not isinstance(cohort_definition_id, int):
                raise CriteriaInputError(
                    "cohort_definition_id", cohort_definition_id, "an integer cohort id"
                )
            where = f" WHERE c.cohort_definition_id = {cohort_definition_id}"
        return (
            "SELECT CAST(c.subject_id AS VARCHAR) AS patient_id, "
            "MIN(CAST(c.cohort_start_date AS DATE)) AS _assessed "
            f"FROM {_table_name(cohort_table, cdm_schema)} AS c{where} GROUP BY c.subject_id"
        )
    if cohort_definition_id is not None:
        raise CriteriaInputError(
            "cohort_definition_id", cohort_definition_id, "a cohort_table to read it from"
        )
    if assessment_date is None:
        raise CriteriaInputError(
            "assessment_date", None, "a date, a date per person, or a cohort_table"
        )
    if not isinstance(assessment_date, (str, dt.date, Mapping)) and hasattr(
        assessment_date, "columns"
    ):
        frame: Any = assessment_date
        cols = list(frame.columns)
        if len(cols) != 2:
            raise CriteriaInputError("assessment_date", cols, "a table of person id and date")
        assessment_date = dict(zip(*(frame[c].to_list() for c in cols), strict=True))
    if isinstance(assessment_date, Mapping):
        if not assessment_date:
            raise CriteriaInputError("assessment_date", "{}", "a date for at least one person")
        rows = ", ".join(
            f"({_q(str(k))}, CAST({_q(_date(v, f'assessment_date[{k!r}]').isoformat())} AS DATE))"
            for k, v in assessment_date.items()
        )
        return f"SELECT v.patient_id, v._assessed FROM (VALUES {rows}) AS v(patient_id, _assessed)"
    day = _date(assessment_date)
    return f"SELECT patient_id, CAST({_q(day.isoformat())} AS DATE) AS _assessed FROM _people"


def _one_day(assessment_date: object) -> dt.date | None:
    """The one date of ``assessment_date``, or ``None`` when it gives a date per person."""
    from .api import _date

    if isinstance(assessment_date, (str, dt.date)):
        return _date(assessment_date)
    return None


def derivations_sql(
    events: str,
    people: str,
    assessment_date: object = None,
    *,
    dialect: str = "duckdb",
    params: Mapping[str, object] | None = None,
    assessed: str | None = None,
) -> str:
    """One SELECT of every person's derived facts, from the event and people relations.

    Args:
        events: a SELECT of the event relation (such as :func:`.omop.events_sql`'s), in
            DuckDB's SQL; it is rendered for ``dialect`` with the rest.
        people: a SELECT of the demographics relation, likewise.
        assessment_date: one date for every person, or a date per person (see
            :func:`assessed_sql`).
        dialect: ``"duckdb"``, ``"postgres"`` or ``"spark"``.
        params: window parameters (``{"lab_lookback": "7 d"}``).
        assessed: instead of ``assessment_date``, a SELECT of the persons to screen
            (``patient_id``, ``_assessed``), such as :func:`assessed_sql`'s.

    Returns:
        The SQL, one row per person to screen: ``id``, ``assessment_date``,
        ``birth_date``, ``sex``, and per fact its value and ``<fact>_source``, in the
        order of :func:`~.api.facts_table`.
    """
    require("sqlglot", extra="sql", feature="derivations in SQL")
    from ..interpreters.sql.dialect import dialect_for
    from .api import window_days
    from .omop import to_dialect

    name = dialect_for(dialect).name
    one_day = _one_day(assessment_date) if assessed is None else None
    if assessed is None:
        assessed = assessed_sql(assessment_date)
    plan = _Plan(window_days(params))
    exact, prefixes = plan.code_rows()
    prefix_systems = sorted(
        {s.system for k in plan.keys.values() for s in k.select.codes if s.prefixes()}
    )
    # One date for everyone: the windows are constants, and the events are filtered
    # before any join (a join on the person first costs most of the derivation).
    day = "a._assessed" if one_day is None else f"CAST({_q(one_day.isoformat())} AS DATE)"
    conditions = " ".join(f"WHEN {k.name} THEN {_condition(k, day)}" for k in plan.keys.values())
    trends = [k for k in plan.keys.values() if k.trend is not None]
    ok = (
        "CASE c._key "
        + " ".join(f"WHEN {k.name} THEN {_exact(k)}" for k in trends)
        + " ELSE TRUE END"
        if trends
        else "TRUE"
    )
    persons = "JOIN _assessed AS a ON a.patient_id = m.patient_id " if one_day is None else ""
    # The event view inlined, never materialized: the prefix match reads only its
    # ICD-10 rows (the measurements' branch is pruned), and the exact match streams the
    # rest (materialized, 20,000,000 measurement rows took 4 GB and a fifth of the time).
    inline = "" if name == "spark" else "NOT MATERIALIZED "
    ctes = [
        f"_events0 AS {inline}({events})",
        f"_people AS ({people})",
        f"_assessed AS ({assessed})",
        f"_events AS {inline}(SELECT * FROM (SELECT e.*, CAST(e.time AS DATE) AS _day, "
        f"CASE WHEN e.system IN ({_q(ICD10)}, {_q(ICD10_CM)}) "
        "THEN UPPER(REPLACE(TRIM(e.code), '.', '')) ELSE TRIM(e.code) END AS _ncode "
        f"FROM _events0 AS e) AS e{_read_window(plan, one_day)})",
        # The events read once, matched to the selections whose codes they carry: the
        # exact codes by an equi-join, the ICD-10 categories by prefix.
        "_matched AS ("
        f"SELECT c._key, e.* FROM _events AS e JOIN (VALUES {', '.join(exact)}) "
        "AS c(_key, system, code) ON c.system = e.system AND c.code = e._ncode"
        + (
            "\nUNION ALL\nSELECT c._key, e.* FROM _events AS e "
            f"JOIN (VALUES {', '.join(prefixes)}) AS c(_key, system, prefix) "
            "ON c.system = e.system AND e._ncode LIKE c.prefix || '%' "
            f"WHERE e.system IN ({', '.join(_q(x) for x in prefix_systems)})"
            if prefixes
            else ""
        )
        + ")",
        # Of those, the events each selection counts (status, verification, answer,
        # window); a trend marks its exact values (_ok), which it ranks apart.
        f"_counted AS (SELECT c.*, {ok} AS _ok FROM (SELECT m.* FROM _matched AS m "
        f"{persons}WHERE CASE m._key {conditions} ELSE FALSE END) AS c)",
        # One ranking for every selection: the sources from the latest by (time,
        # source); the codings of a source share the rank (see the module's note).
        # The selections read earliest first are ranked the other way too.
        "_ranked AS (SELECT c.*, DENSE_RANK() OVER (PARTITION BY c.patient_id, c._key, "
        "c._ok ORDER BY c.time DESC NULLS LAST, c.source DESC) AS _last, 0 AS _first "
        "FROM _counted AS c"
        + (
            "\nUNION ALL\nSELECT c.*, 0 AS _last, DENSE_RANK() OVER (PARTITION BY "
            "c.patient_id, c._key, c._ok ORDER BY c.time ASC NULLS FIRST, c.source ASC) "
            f"AS _first FROM _counted AS c WHERE c._key IN ({', '.join(plan.first)})"
            if plan.first
            else ""
        )
        + ")",
    ]
    joins = []
    if plan.pairs:
        gas = sorted({k for pair in plan.pairs for k in pair[:2]})
        ctes.append(
            "_gas AS (SELECT * FROM _counted AS c WHERE c.time IS NOT NULL "
            f"AND c._key IN ({', '.join(gas)}))"
        )
        for (anchor, partner, minutes), cte in plan.pairs.items():
            ctes.append(_pair_cte(cte, anchor, partner, minutes))
            joins.append(f"LEFT JOIN {cte} ON {cte}.patient_id = a.patient_id")
    columns = [
        "a.patient_id AS id",
        "a._assessed AS assessment_date",
        "p.birth_date AS birth_date",
        "CASE WHEN p.sex IN ('male', 'female') THEN p.sex END AS sex",
    ]
    # One blood gas: a ratio and a pair from different times, the later is read.
    ratio, pao2, _ = ONE_GAS
    gas_time: dict[str, str] = {}
    aggregates = []
    values: dict[str, tuple[str, str]] = {}
    for fact, d in DERIVATIONS.items():
        keys = plan.fact_keys[fact]
        if isinstance(d, Paired):
            cte = plan.pairs[(keys[0].name, keys[1].name, d.tolerance_minutes)]
            side = f"{cte}._p_" if d.read_partner else f"{cte}._a_"
            values[fact] = (_written(side, fact), f"{side}source")
            gas_time[fact] = f"{cte}._a_time"
            continue
        parts, value, source = _aggregates(fact, d, keys)
        aggregates += parts
        values[fact] = (value, source)
        if fact == ratio:
            gas_time[fact] = f"f.{fact}__time"
    later_pair = f"{gas_time[pao2]} > {gas_time[ratio]}"
    later_ratio = f"{gas_time[ratio]} > {gas_time[pao2]}"
    left_out = {ratio: later_pair, **dict.fromkeys(ONE_GAS[1:], later_ratio)}
    for fact, (value, source) in values.items():
        out = left_out.get(fact)
        if out is not None:
            value = f"CASE WHEN {out} THEN NULL ELSE {value} END"
            source = f"CASE WHEN {out} THEN NULL ELSE {source} END"
        columns += [f"{value} AS {fact}", f"{source} AS {fact}_source"]
    if name == "spark":
        # Spark: one aggregate per person of every selection's columns (a join per
        # selection is a shuffle and a sort each: twice the time at 20,000 persons).
        wide = []
        for (key, rank, exact_only), expr, alias in aggregates:
            if rank == "count":
                wide.append(f"COUNT(DISTINCT {expr}) FILTER (WHERE r._key = {key}) AS {alias}")
                continue
            ok = " AND r._ok" if exact_only else ""
            wide.append(
                f"MIN(CASE WHEN r._key = {key}{ok} AND r.{rank} = 1 THEN {expr} END) AS {alias}"
            )
        counted = sorted({g[0] for g, _, _ in aggregates if g[1] == "count"}, key=int)
        ctes.append(
            "_facts AS (SELECT r.patient_id, "
            + ", ".join(wide)
            + " FROM _ranked AS r WHERE r._last = 1 OR r._first = 1"
            + "".join(f" OR r._key = {k}" for k in counted)
            + " GROUP BY r.patient_id)"
        )
        joins.insert(0, "LEFT JOIN _facts AS f ON f.patient_id = a.patient_id")
        listed = ",\n  ".join(columns)
    else:
        # Each selection's rows read once, by an aggregate of its own columns per
        # person, then joined on the person: one aggregate of every selection's
        # columns updated each column's state for every row (most of the time).
        groups: dict[_Group, list[str]] = {}
        for (key, rank, exact_only), expr, alias in aggregates:
            agg = f"COUNT(DISTINCT {expr})" if rank == "count" else f"MIN({expr})"
            groups.setdefault((key, rank, exact_only), []).append(f"{agg} AS {alias}")
        table: dict[str, str] = {}  # aggregate column -> its CTE
        for i, ((key, rank, exact_only), exprs) in enumerate(groups.items()):
            cte = f"_f{i}"
            if rank == "count":
                where, read = f"r._key = {key}", "_counted"
            else:
                where = f"r._key = {key} AND r.{rank} = 1" + (" AND r._ok" if exact_only else "")
                read = "_ranked"
            ctes.append(
                f"{cte} AS (SELECT r.patient_id, {', '.join(exprs)} FROM {read} AS r "
                f"WHERE {where} GROUP BY r.patient_id)"
            )
            joins.append(f"LEFT JOIN {cte} ON {cte}.patient_id = a.patient_id")
            for e in exprs:
                table[e.rsplit(" AS ", 1)[1]] = cte
        listed = ",\n  ".join(
            re.sub(r"\bf\.(\w+)", lambda m: f"{table[m[1]]}.{m[1]}", c) for c in columns
        )
    text = (
        "WITH "
        + ",\n".join(ctes)
        + "\nSELECT "
        + listed
        # Every person to screen, with or without a person row (unknown age and sex).
        + "\nFROM _assessed AS a LEFT JOIN _people AS p ON p.patient_id = a.patient_id\n"
        + "\n".join(joins)
    )
    return to_dialect(text, name)


def _kinds() -> dict[str, str]:
    """The column kinds of :func:`derivations_sql`'s result, for the screening's plan."""
    kinds = {"id": "string", "assessment_date": "date", "birth_date": "date", "sex": "string"}
    for fact, d in DERIVATIONS.items():
        if isinstance(d, Paired):
            kinds[fact] = "string"  # as a laboratory value
        elif not isinstance(d, Derive):  # a Trend or an AnyOf: true, false or unknown
            kinds[fact] = "boolean"
        elif d.read is Read.VALUE:
            kinds[fact] = "string"  # the value as text with its unit: "5.0 mg/dL"
        elif d.read is Read.DATE:
            kinds[fact] = "date"
        elif d.read is Read.PRESENT:
            kinds[fact] = "boolean"
        else:
            kinds[fact] = "number"
        kinds[f"{fact}_source"] = "string"
    return kinds


def omop_sql(
    ruleset: Any = None,
    *,
    dialect: str = "duckdb",
    cdm_schema: str | None = "cdm",
    assessment_date: object = None,
    params: Mapping[str, object] | None = None,
    window_params: Mapping[str, object] | None = None,
    keep_record: bool = True,
    pretty: bool = True,
    vocabulary: object = None,
    cohort_table: str | None = None,
    cohort_definition_id: int | None = None,
) -> str:
    """See :func:`liverfail_criteria.omop_sql`."""
    import sqlglot

    from ..interpreters.sql.api import to_sql
    from ..interpreters.sql.dialect import dialect_for
    from .omop import VOCABULARY_TABLES, demographics_sql, events_sql

    name = dialect_for(dialect).name
    derived = derivations_sql(
        events_sql("duckdb", cdm_schema, VOCABULARY_TABLES if vocabulary is None else vocabulary),
        demographics_sql("duckdb", cdm_schema),
        assessment_date if cohort_table is None else None,
        dialect=name,
        params=window_params,
        assessed=None
        if cohort_table is None and _one_day(assessment_date) is not None
        else assessed_sql(
            assessment_date,
            cohort_table=cohort_table,
            cohort_definition_id=cohort_definition_id,
            cdm_schema=cdm_schema,
        ),
    )
    parsed: Any = sqlglot.parse_one(derived, read=name)
    table = parsed.subquery("derived")
    return to_sql(
        ruleset,
        table=table,
        schema=_kinds(),
        params=params,
        dialect=name,
        keep_record=keep_record,
        pretty=pretty,
    )


def screen_omop(
    source: Any,
    ruleset: Any = None,
    *,
    assessment_date: object = None,
    engine: str = "duckdb",
    cdm_schema: str | None = None,
    params: Mapping[str, object] | None = None,
    window_params: Mapping[str, object] | None = None,
    cohort_table: str | None = None,
    cohort_definition_id: int | None = None,
) -> Any:
    """See :func:`liverfail_criteria.screen_omop`."""
    from ..errors import CriteriaInputError
    from .omop import vocabulary_tables

    def query(dialect: str, schema: str | None, fetch: Any) -> str:
        return omop_sql(
            ruleset,
            dialect=dialect,
            cdm_schema=schema,
            assessment_date=assessment_date,
            params=params,
            window_params=window_params,
            pretty=False,
            vocabulary=vocabulary_tables(fetch, schema),
            cohort_table=cohort_table,
            cohort_definition_id=cohort_definition_id,
        )

    if engine == "duckdb":
        pl = require("polars", extra="duckdb", feature="lc.screen_omop")
        from ..cohort.screen import STATUSES
        from .omop import open_omop

        con, schema, owned = open_omop(source)
        try:
            schema = cdm_schema if cdm_schema is not None else schema
            results = con.sql(query("duckdb", schema, lambda q: con.sql(q).fetchall())).pl()
        finally:
            if owned:
                con.close()
        return results.with_columns(pl.col("status").cast(pl.Enum(STATUSES))).sort("id")
    if engine == "postgres":
        from ..cohort.postgres import connect, to_polars

        con, owned = connect(source)
        try:

            def fetch(text: str) -> object:
                with con.transaction():  # a savepoint: a missing table fails it alone
                    return con.execute(text).fetchall()

            text = query("postgres", cdm_schema if cdm_schema is not None else "cdm", fetch)
            cursor = con.execute(f"SELECT * FROM ({text}) AS screened ORDER BY id")
            return to_polars(cursor, keep_record=True)
        finally:
            if owned:
                con.close()
    if engine == "spark":
        return source.sql(query("spark", cdm_schema, lambda q: source.sql(q).take(1)))
    raise CriteriaInputError("engine", engine, "'duckdb', 'postgres' or 'spark'")
