"""The derivations compiled to SQL over the event relation: one query, one row per person.

The SQL twin of :func:`.frame.derive_frame` for :class:`~.nodes.Derive` nodes: select
the events of a kind whose normalised code is in the code sets and whose statuses
count, keep those in the window (``assessment - days <= date(time) <= assessment``; no
lower bound and undated events allowed when the window has none), count one event per
source (the first coding by system and code), and take the latest (or earliest) by
``(time, source)``. The value is written as the polars derivation writes it: the
comparator, the number, then the unit, or ``(no unit)`` for a dimensional fact without
one. :class:`~.nodes.Paired` facts (PaO2 and FiO2 of one blood gas) join the anchors
with the partners timed at most N minutes before them; :class:`~.nodes.AnyOf` facts
are true when any part's CTE has the person, and name the first part's source.
:class:`~.nodes.Trend` facts (progressive jaundice) compare the earliest and the latest
exact value, as :func:`.frame._trend` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..dictionary import VARIABLES
from ..errors import CriteriaInputError
from ..extras import require
from .catalog import DERIVATIONS, ONE_GAS
from .nodes import AnyOf, Derive, Paired, Read, Select, Take, Trend
from .schema import ICD10, ICD10_CM

__all__ = ["assessed_sql", "derivations_sql"]


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _codes(sel: Select) -> str:
    parts = []
    for s in sel.codes:
        hits = [f"e._ncode IN ({', '.join(_q(c) for c in sorted(s.exact()))})"]
        hits += [f"e._ncode LIKE {_q(p + '%')}" for p in s.prefixes()]
        parts.append(f"(e.system = {_q(s.system)} AND ({' OR '.join(hits)}))")
    return "(" + " OR ".join(parts) + ")" if parts else "FALSE"


def _in(column: str, allowed: tuple[str | None, ...]) -> str:
    values = [a for a in allowed if a is not None]
    terms = [f"{column} IN ({', '.join(_q(v) for v in values)})"] if values else []
    if None in allowed:
        terms.append(f"{column} IS NULL")
    return "(" + " OR ".join(terms) + ")" if terms else "FALSE"


def _rows(sel: Select, days: int | None) -> str:
    """The selected events, one per source (the first coding), with ``_coding``."""
    where = [f"e.kind = {_q(sel.kind)}", _in("e.status", sel.statuses), _codes(sel)]
    if sel.verifications is not None:
        where.append(_in("e.verification", sel.verifications))
    answers = sel.value_tokens()
    if answers is not None:
        where.append(_in("e.value_text", answers))
    if days is None:
        where.append("(e._day IS NULL OR e._day <= a._assessed)")
    else:
        where.append(
            f"e._day IS NOT NULL AND e._day <= a._assessed "
            f"AND e._day >= a._assessed - INTERVAL {days} DAY"
        )
    return f"""SELECT * FROM (
    SELECT e.*,
      ROW_NUMBER() OVER (PARTITION BY e.patient_id, e.source
        ORDER BY e.system, e.code, COALESCE(e.value_text, '')) AS _coding
    FROM _events AS e JOIN _assessed AS a ON a.patient_id = e.patient_id
    WHERE {" AND ".join(where)}
  ) AS c WHERE c._coding = 1"""


def _value(fact: str, t: str) -> str:
    """A laboratory value as text with its unit, as the polars derivation writes it."""
    spec = VARIABLES[fact].value_type.unit
    no_unit = "" if spec is not None and spec.bare_number else " (no unit)"
    number = f"CAST({t}.value AS VARCHAR)"
    text = (
        f"CASE WHEN {t}.value IS NULL THEN {t}.value_text "
        f"ELSE COALESCE({t}.comparator, '') || {number} END"
    )
    return (
        f"CASE WHEN {t}.value IS NULL THEN {text} "
        f"WHEN {t}.unit IS NULL THEN {text} || '{no_unit}' "
        f"ELSE {text} || ' ' || {t}.unit END"
    )


def _paired(fact: str, d: Paired, days: int | None) -> tuple[str, str, str]:
    """The CTE of a paired fact: the latest anchor with a partner at most N minutes before."""
    side = "p" if d.read_partner else "a"
    cte = f"""
SELECT * FROM (
  SELECT x.*, ROW_NUMBER() OVER (PARTITION BY x.patient_id
    ORDER BY x._a_time DESC, x._a_source DESC, x._p_time DESC, x._p_source DESC) AS _rank
  FROM (
    SELECT {side}.patient_id, {side}.value, {side}.value_text, {side}.comparator,
      {side}.unit, {side}.source, {side}.time,
      a.time AS _a_time, a.source AS _a_source, p.time AS _p_time, p.source AS _p_source
    FROM ({_rows(d.select, days)}) AS a
    JOIN ({_rows(d.partner, days)}) AS p
      ON p.patient_id = a.patient_id AND p.time <= a.time
      AND p.time >= a.time - INTERVAL {d.tolerance_minutes} MINUTE
    WHERE a.time IS NOT NULL AND p.time IS NOT NULL
  ) AS x
) AS r WHERE r._rank = 1"""
    t = f"f_{fact}"
    return cte, _value(fact, t), f"{t}.source"


def _trend(fact: str, d: Trend, days: int | None) -> tuple[list[str], str, str]:
    """The CTEs of a trend fact, its value expression and its source expression.

    As :func:`.frame._trend`: the exact (uncensored, dated) values in the value
    fact's canonical unit, the earliest and the latest by ``(time, source)``; true
    when the rise per day between their dates is at least ``min_daily_rise``, false
    when not, unknown with fewer than two values or one date. A value is converted by
    its unit's factor; the units are the spellings the value fact documents (its
    ``UnitSpec.accepted``): a value in another spelling is not read here (the
    screening lists it as invalid where it is the fact's value).
    """
    spec = VARIABLES[d.value_fact].value_type.unit
    assert spec is not None
    factors: dict[str, float] = {}
    for u in spec.accepted:
        try:
            factors[u] = spec.convert(f"1 {u}", d.value_fact)[0]
        except ValueError:
            continue
    factor = "CASE u.unit " + " ".join(f"WHEN {_q(u)} THEN {f!r}" for u, f in factors.items())
    rows = f"""
SELECT * FROM (
  SELECT u.patient_id, u.source, u._day, u.value * ({factor} END) AS _v,
    ROW_NUMBER() OVER (PARTITION BY u.patient_id ORDER BY u.time ASC, u.source ASC) AS _first,
    ROW_NUMBER() OVER (PARTITION BY u.patient_id ORDER BY u.time DESC, u.source DESC) AS _last,
    COUNT(*) OVER (PARTITION BY u.patient_id) AS _n
  FROM ({_rows(d.select, days)}) AS u
  WHERE u.time IS NOT NULL AND u.comparator IS NULL AND u.value IS NOT NULL
    AND u.unit IN ({", ".join(_q(u) for u in factors)})
) AS r"""
    ends = f"""
SELECT l.patient_id, l.source, f._v AS _v0, l._v AS _v1,
  CAST(DATE_DIFF('day', f._day, l._day) AS DOUBLE) AS _days
FROM f_{fact}_rows AS l JOIN f_{fact}_rows AS f ON f.patient_id = l.patient_id AND f._first = 1
WHERE l._last = 1 AND l._n >= 2 AND l._day > f._day"""
    t = f"f_{fact}"
    value = f"({t}._v1 - {t}._v0) / {t}._days >= {d.min_daily_rise!r}"
    return [f"{t}_rows AS ({rows})", f"{t} AS ({ends})"], value, f"{t}.source"


def _fact(fact: str, d: Derive, days: int | None) -> tuple[str, str, str]:
    """The CTE of one fact, its value expression and its source expression (on ``t``)."""
    latest = d.take is not Take.EARLIEST
    order = (
        "u.time DESC NULLS LAST, u.source DESC"
        if latest
        else "u.time ASC NULLS FIRST, u.source ASC"
    )
    cte = f"""
SELECT * FROM (
  SELECT u.*,
    ROW_NUMBER() OVER (PARTITION BY u.patient_id ORDER BY {order}) AS _rank,
    COUNT(*) OVER (PARTITION BY u.patient_id) AS _count
  FROM ({_rows(d.select, days)}) AS u
) AS r WHERE r._rank = 1"""
    t = f"f_{fact}"
    if d.read is Read.VALUE:
        value = _value(fact, t)
        source = f"{t}.source"
    elif d.read is Read.DATE:
        value = f"{t}._day"
        source = f"CASE WHEN {t}._day IS NOT NULL THEN {t}.source END"
    elif d.read is Read.PRESENT:
        value = f"CASE WHEN {t}.patient_id IS NOT NULL THEN TRUE END"
        source = f"{t}.source"
    else:
        value = f"CAST({t}._count AS DOUBLE)"
        source = f"{t}.source"
    return cte, value, source


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
    if assessed is None:
        assessed = assessed_sql(assessment_date)
    windows = window_days(params)
    ctes = [
        f"_events0 AS ({events})",
        f"_people AS ({people})",
        f"_assessed AS ({assessed})",
        # Read once: each fact reads these rows (DuckDB and PostgreSQL would otherwise
        # run the event view once per fact: twice the time at 20,000 persons).
        f"_events AS {'' if name == 'spark' else 'MATERIALIZED '}"
        "(SELECT e.*, CAST(e.time AS DATE) AS _day, CASE WHEN e.system IN "
        f"({_q(ICD10)}, {_q(ICD10_CM)}) THEN UPPER(REPLACE(TRIM(e.code), '.', '')) "
        "ELSE TRIM(e.code) END AS _ncode FROM _events0 AS e)",
    ]
    columns = [
        "a.patient_id AS id",
        "a._assessed AS assessment_date",
        "p.birth_date AS birth_date",
        "CASE WHEN p.sex IN ('male', 'female') THEN p.sex END AS sex",
    ]
    joins = []
    # One blood gas: a ratio and a pair from different times, the later is read.
    ratio, pao2, _ = ONE_GAS
    later_pair = f"f_{pao2}.time > f_{ratio}.time"
    later_ratio = f"f_{ratio}.time > f_{pao2}.time"
    left_out = {ratio: later_pair, **dict.fromkeys(ONE_GAS[1:], later_ratio)}
    for fact, d in DERIVATIONS.items():
        if isinstance(d, AnyOf):  # true when any part finds one; the first part's source
            names = [f"f_{fact}_{i}" for i in range(len(d.parts))]
            for cte_name, part in zip(names, d.parts, strict=True):
                cte, _, _ = _fact(
                    name.removeprefix("f_"), part, part.window.resolve(windows or None)
                )
                ctes.append(f"{cte_name} AS ({cte})")
                joins.append(f"LEFT JOIN {cte_name} ON {cte_name}.patient_id = a.patient_id")
            found = " OR ".join(f"{n}.patient_id IS NOT NULL" for n in names)
            sources = ", ".join(f"{n}.source" for n in names)
            columns += [
                f"CASE WHEN {found} THEN TRUE END AS {fact}",
                f"COALESCE({sources}) AS {fact}_source",
            ]
            continue
        if isinstance(d, Paired):
            cte, value, source = _paired(fact, d, d.window.resolve(windows or None))
            ctes.append(f"f_{fact} AS ({cte})")
            joins.append(f"LEFT JOIN f_{fact} ON f_{fact}.patient_id = a.patient_id")
            out = left_out.get(fact)
            if out is not None:
                value = f"CASE WHEN {out} THEN NULL ELSE {value} END"
                source = f"CASE WHEN {out} THEN NULL ELSE {source} END"
            columns += [f"{value} AS {fact}", f"{source} AS {fact}_source"]
            continue
        if isinstance(d, Trend):
            trend, value, source = _trend(fact, d, d.window.resolve(windows or None))
            ctes += trend
            joins.append(f"LEFT JOIN f_{fact} ON f_{fact}.patient_id = a.patient_id")
            columns += [f"{value} AS {fact}", f"{source} AS {fact}_source"]
            continue
        cte, value, source = _fact(fact, d, d.window.resolve(windows or None))
        ctes.append(f"f_{fact} AS ({cte})")
        joins.append(f"LEFT JOIN f_{fact} ON f_{fact}.patient_id = a.patient_id")
        out = left_out.get(fact)
        if out is not None:
            value = f"CASE WHEN {out} THEN NULL ELSE {value} END"
            source = f"CASE WHEN {out} THEN NULL ELSE {source} END"
        columns += [f"{value} AS {fact}", f"{source} AS {fact}_source"]
    text = (
        "WITH "
        + ",\n".join(ctes)
        + "\nSELECT "
        + ",\n  ".join(columns)
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
