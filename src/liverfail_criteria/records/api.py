"""Clinical records to facts: ``lc.record_from_fhir``, ``lc.from_fhir``, ``lc.from_events``."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping
from typing import Any

from ..dictionary import VARIABLES
from ..dsl.types import DATE
from ..dsl.variable import parse_value
from ..errors import CriteriaInputError
from .build import Record, make_record
from .catalog import DERIVATIONS
from .decisions import RECORD_PARAMETERS
from .fhir import Demographic, Event, Problem, flatten_all
from .nodes import reads_value
from .read import iter_resources
from .reference import derive_patient
from .schema import DEMOGRAPHIC_COLUMNS, EVENT_COLUMNS, polars_schema
from .value import TEXT_VALUE

__all__ = ["RecordProblemsWarning", "from_events", "from_fhir", "read_fhir", "record_from_fhir"]


class RecordProblemsWarning(UserWarning):
    """Some resources or rows could not be read (each is listed; the rest were used)."""


def window_days(params: Mapping[str, object] | None) -> dict[str, int]:
    """The window parameters in whole days (``{"lab_lookback": "3 d"}`` -> 3)."""
    out: dict[str, int] = {}
    for name, raw in (params or {}).items():
        p = RECORD_PARAMETERS.get(name)
        if p is None:
            raise CriteriaInputError(name, raw, f"one of {', '.join(RECORD_PARAMETERS)}")
        days, _ = p.parse(raw)
        assert isinstance(days, float)
        if days < 0 or not days.is_integer():
            raise CriteriaInputError(name, raw, "a whole number of days, 0 or more")
        out[name] = int(days)
    return out


def _date(raw: object, field: str = "assessment_date") -> dt.date:
    value, _ = parse_value(raw, DATE, field)
    assert isinstance(value, dt.date)
    return value


def read_fhir(source: object) -> tuple[list[Event], list[Demographic], list[Problem]]:
    """A FHIR source flattened: its events, its patients, and what could not be read."""
    problems: list[Problem] = []
    events, people, bad = flatten_all(iter_resources(source, problems))
    return events, people, problems + bad


def _warn(problems: list[Problem]) -> None:
    if problems:
        shown = "; ".join(f"{p.source}: {p.reason}" for p in problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        warnings.warn(
            f"{len(problems)} resources not read: {shown}{more}", RecordProblemsWarning, 2
        )


def record_from_fhir(
    bundle: object,
    assessment_date: object,
    *,
    params: Mapping[str, object] | None = None,
    stated: Mapping[str, object] | None = None,
    patient: str | None = None,
) -> Record:
    """One patient's facts from a FHIR Bundle: a record ``lc.evaluate`` takes as it is.

    Args:
        bundle: a Bundle (a dict, or the path of a .json file) for one patient.
        assessment_date: the screening date (a date or ``"YYYY-MM-DD"``).
        params: window parameters (``{"lab_lookback": "7 d"}``, see
            ``liverfail_criteria.records.RECORD_PARAMETERS``).
        stated: facts the caller states (``{"improved_on_treatment": False}``); a stated
            value beats a derived one.
        patient: the patient's id, to take one patient from a source holding several
            (an NDJSON export; any source :func:`from_fhir` reads).

    Returns:
        A :class:`~liverfail_criteria.records.build.Record` (a dict): derived values
        carry their provenance; ``.searched`` says what was searched for each fact
        not found, ``.invalid`` which records could not be read, ``.problems`` which
        resources were not read.
    """
    assessed = _date(assessment_date)
    days = window_days(params)
    events, people, problems = read_fhir(bundle)
    if patient is not None:
        events = [e for e in events if e.patient_id == patient]
        people = [p for p in people if p.patient_id == patient]
        if not events and not people:
            raise CriteriaInputError("patient", patient, "the id of a patient in the source")
    patients = {p.patient_id for p in people} | {e.patient_id for e in events}
    if len(patients) > 1:
        raise CriteriaInputError(
            "bundle", f"{len(patients)} patients", "a Bundle for one patient (use lc.from_fhir)"
        )
    _warn(problems)
    found = derive_patient(events, assessed, days)
    person = people[0] if people else None
    record = make_record(found, person, assessed, days, stated, tuple(problems))
    if person is None and patients:
        record["id"] = next(iter(patients))
    return record


def _assessments(pl: Any, assessment_date: object, ids: list[str]) -> Any:
    if isinstance(assessment_date, Mapping):
        missing = [i for i in ids if i not in assessment_date]
        if missing:
            raise CriteriaInputError(
                "assessment_date", f"no date for patient {missing[0]!r}", "a date per patient"
            )
        days = [_date(assessment_date[i], f"assessment_date[{i!r}]") for i in ids]
        return pl.DataFrame(
            {"patient_id": ids, "_assessed": days}, schema_overrides={"_assessed": pl.Date}
        )
    if isinstance(assessment_date, pl.DataFrame):
        cols = assessment_date.columns
        if len(cols) != 2:
            raise CriteriaInputError("assessment_date", cols, "a table of patient id and date")
        mapping = dict(zip(*(assessment_date[c].to_list() for c in cols), strict=True))
        return _assessments(pl, mapping, ids)
    day = _date(assessment_date)
    return pl.DataFrame(
        {"patient_id": ids, "_assessed": [day] * len(ids)}, schema_overrides={"_assessed": pl.Date}
    )


def facts_table(
    events: Any,
    people: Any,
    assessment_date: object,
    params: Mapping[str, object] | None = None,
    stated: Any = None,
    *,
    assessed: Any = None,
) -> Any:
    """The fact table from the event and demographics relations (polars DataFrames).

    ``assessed``: instead of ``assessment_date``, the persons to screen and their
    dates (``patient_id``, ``_assessed``; an OHDSI cohort's subjects): only those,
    with or without events or a person row.
    """
    from ..extras import require
    from .frame import derive_frame, one_blood_gas

    pl = require("polars", extra="cohort", feature="lc.from_fhir")
    if assessed is None:
        ids = sorted(
            set(people["patient_id"].to_list()) | set(events["patient_id"].unique().to_list())
        )
        assessed = _assessments(pl, assessment_date, ids)
    else:
        assessed = assessed.select("patient_id", "_assessed").sort("patient_id")
    table = assessed.join(
        people.select("patient_id", "birth_date", "sex").unique("patient_id", keep="first"),
        on="patient_id",
        how="left",
    ).with_columns(
        sex=pl.when(pl.col("sex").is_in(["male", "female"])).then(pl.col("sex")),
    )
    derived = one_blood_gas(derive_frame(events, assessed, window_days(params)))
    for fact, rows in derived.items():
        d = DERIVATIONS[fact]
        if reads_value(d):
            number = pl.col("value").cast(pl.Utf8)
            text = (
                pl.when(pl.col("value").is_null())
                .then(pl.col("value_text"))
                .otherwise(pl.concat_str(pl.col("comparator").fill_null(""), number))
            )
            spec = VARIABLES[fact].value_type.unit
            # A number without a unit stays unreadable for a dimensional fact: marked,
            # so the screening lists it as invalid (never a guessed unit).
            no_unit = pl.lit("" if spec is not None and spec.bare_number else " (no unit)")
            value = (
                pl.when(pl.col("value").is_null())
                .then(text)
                .when(pl.col("unit").is_null())
                .then(pl.concat_str(text, no_unit))
                .otherwise(pl.concat_str(text, pl.lit(" "), pl.col("unit")))
            )
        else:
            value = pl.col("value")
        part = rows.select(
            "patient_id", value.alias(fact), pl.col("source").alias(f"{fact}_source")
        )
        table = table.join(part, on="patient_id", how="left")
    table = table.rename({"patient_id": "id", "_assessed": "assessment_date"})
    if stated is not None:
        table = _merge_stated(pl, table, stated)
    return table


def _merge_stated(pl: Any, table: Any, stated: Any) -> Any:
    if isinstance(stated, Mapping):
        rows = [{"id": k, **v} for k, v in stated.items()]
        stated = pl.DataFrame(rows, infer_schema_length=None)
    if not isinstance(stated, pl.DataFrame) or "id" not in stated.columns:
        raise CriteriaInputError("stated", type(stated).__name__, "a mapping or a table with 'id'")
    for c in stated.columns:
        if c != "id" and c not in VARIABLES:
            raise CriteriaInputError("stated", c, "fact names")
    stated = stated.rename({c: f"_stated_{c}" for c in stated.columns if c != "id"})
    table = table.join(stated, on="id", how="left")
    for c in stated.columns:
        if c == "id":
            continue
        fact = c.removeprefix("_stated_")
        if fact in table.columns:
            # A stated value beats a derived one; the source says which was used.
            src = f"{fact}_source"
            if src in table.columns:
                table = table.with_columns(
                    pl.when(pl.col(c).is_not_null())
                    .then(pl.lit("stated"))
                    .otherwise(pl.col(src))
                    .alias(src)
                )
            dtype = table.schema[fact]
            merged = (
                pl.col(c)
                if dtype == pl.Null
                else pl.coalesce(pl.col(c).cast(dtype, strict=False), pl.col(fact))
            )
            table = table.with_columns(merged.alias(fact))
            table = table.drop(c)
        else:
            table = table.rename({c: fact})
    return table


def from_fhir(
    source: object,
    assessment_date: object,
    *,
    params: Mapping[str, object] | None = None,
    stated: Any = None,
) -> Any:
    """The fact table of every patient in a FHIR source, for ``lc.screen``.

    Args:
        source: a Bundle (a dict or a .json path), an .ndjson[.gz] file, or a
            directory of them (a Bulk Data export).
        assessment_date: one date for every patient, or a mapping of patient id to
            date, or a two-column table (patient id, date).
        params: window parameters (``{"lab_lookback": "7 d"}``).
        stated: facts the caller states, per patient: a mapping of patient id to a
            mapping of facts, or a table with an ``id`` column; they beat derived ones.

    Returns:
        A polars DataFrame, one row per patient: ``id``, the derived facts (quantities
        as text with their units), and ``<fact>_source`` columns naming the record each
        value came from. Resources that could not be read are reported in a
        :class:`RecordProblemsWarning`.
    """
    from ..extras import require

    pl = require("polars", extra="cohort", feature="lc.from_fhir")
    events, people, problems = read_fhir(source)
    _warn(problems)
    ev = pl.DataFrame(events, schema=polars_schema(EVENT_COLUMNS), orient="row")
    ppl = pl.DataFrame(people, schema=polars_schema(DEMOGRAPHIC_COLUMNS), orient="row")
    return facts_table(ev, ppl, assessment_date, params, stated)


_EVENT_KEYS = ("patient", "time", "system", "code", "value", "comparator", "unit", "status")


def from_events(
    data: Any,
    assessment_date: object,
    *,
    columns: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
    stated: Any = None,
) -> Any:
    """The fact table from a long-format lab extract: one row per result.

    Args:
        data: a polars or pandas DataFrame, or a CSV or Parquet path.
        assessment_date: as for :func:`from_fhir`.
        columns: the extract's column for each of ``patient``, ``time``, ``code`` and
            optionally ``system`` (LOINC when absent), ``value`` (a number, or text such
            as ``"<20"`` or ``"< 20 10*9/L"``, read as FHIR ``valueString`` is),
            ``comparator``, ``unit`` (it wins over a unit written in the value) and
            ``status``. Unnamed keys default
            to columns named like them.
        params: window parameters.
        stated: facts the caller states, as for :func:`from_fhir`.

    Returns:
        The same table as :func:`from_fhir`; each value's source is ``"row N"`` (from 0).
    """
    from ..cohort.source import to_lazyframe
    from ..extras import require

    pl = require("polars", extra="cohort", feature="lc.from_events")
    names = {k: k for k in _EVENT_KEYS}
    for k, v in (columns or {}).items():
        if k not in _EVENT_KEYS:
            raise CriteriaInputError("columns", k, f"one of {', '.join(_EVENT_KEYS)}")
        names[k] = v
    frame = to_lazyframe(data).collect()
    for k in ("patient", "time", "code"):
        if names[k] not in frame.columns:
            raise CriteriaInputError("columns", names[k], f"a column of the extract ({k})")

    def col(k: str, dtype: Any) -> Any:
        return pl.col(names[k]).cast(dtype) if names[k] in frame.columns else pl.lit(None, dtype)

    raw = col("value", pl.Utf8).str.strip_chars()
    # The one parser of results written as text (FHIR valueString reads with it too):
    # comparator, number, unit ("< 20 10*9/L"). The unit column, when given, wins.
    split = raw.str.extract_groups(TEXT_VALUE)
    comparator = pl.coalesce(
        col("comparator", pl.Utf8), split.struct.field("1").replace({"≤": "<=", "≥": ">="})
    )
    number = split.struct.field("2").cast(pl.Float64, strict=False)
    time = (
        col("time", pl.Utf8).str.to_datetime(time_zone="UTC", strict=False)
        if frame.schema.get(names["time"]) == pl.Utf8
        else pl.col(names["time"]).cast(pl.Datetime("us", "UTC"))
    )
    system = col("system", pl.Utf8).fill_null("http://loinc.org")
    events = frame.with_row_index("_row").select(
        pl.col(names["patient"]).cast(pl.Utf8).alias("patient_id"),
        pl.lit("observation").alias("kind"),
        system.alias("system"),
        pl.col(names["code"]).cast(pl.Utf8).alias("code"),
        col("status", pl.Utf8).alias("status"),
        pl.lit(None, pl.Utf8).alias("verification"),
        time.alias("time"),
        number.alias("value"),
        pl.when(number.is_null()).then(raw).alias("value_text"),
        comparator.alias("comparator"),
        pl.coalesce(
            col("unit", pl.Utf8), split.struct.field("3").str.strip_chars().replace("", None)
        ).alias("unit"),
        pl.format("row {}", pl.col("_row")).alias("source"),
    )
    people = pl.DataFrame(schema=polars_schema(DEMOGRAPHIC_COLUMNS))
    return facts_table(events, people, assessment_date, params, stated)


def from_omop(
    source: object,
    assessment_date: object = None,
    *,
    cdm_schema: str | None = None,
    params: Mapping[str, object] | None = None,
    stated: Any = None,
    cohort_table: str | None = None,
    cohort_definition_id: int | None = None,
) -> Any:
    """The fact table of every person in an OMOP CDM 5.4 database, for ``lc.screen``.

    The OMOP tables are read as the event relation by one SQL query (see
    :mod:`liverfail_criteria.records.omop`: units from ``unit_concept_id`` through the
    vocabulary, else ``unit_source_value`` as a spelling, else none and the value is
    listed as invalid; comparators from ``operator_concept_id``; the LOINC, SNOMED and
    ICD-10 codes of the concepts), run in DuckDB, and derived as :func:`from_fhir`
    derives.

    Args:
        source: a folder of OMOP tables (one Parquet or CSV file per table, named like
            it in upper or lower case), a DuckDB database file, or a DuckDB connection.
        assessment_date: one date for every person, or a mapping of person id (text)
            to date, or a two-column table (person id, date).
        cdm_schema: the schema holding the CDM tables in a database file or
            connection (default: the search path).
        params: window parameters (``{"lab_lookback": "7 d"}``).
        stated: facts the caller states, as for :func:`from_fhir`.
        cohort_table: instead of ``assessment_date``, an OHDSI cohort table
            (``cohort_definition_id``, ``subject_id``, ``cohort_start_date``), as for
            :func:`omop_sql`: its subjects, each on their first ``cohort_start_date``
            (decision ``omop-cohort-date``); a subject without a ``person`` row is kept,
            with unknown age and sex. An unqualified name is read from the CDM schema
            (a folder's ``cohort.parquet`` is ``cohort``).
        cohort_definition_id: the cohort to read from ``cohort_table`` (``None``: all
            its rows).

    Returns:
        A polars DataFrame, one row per person (``id`` = ``person_id`` as text), the
        derived facts and their ``<fact>_source`` columns (``measurement/<id>``,
        ``condition_occurrence/<id>``), readable by ``lc.screen`` with no ``units=``.
    """
    from .omop import from_omop as _from_omop

    return _from_omop(
        source,
        assessment_date,
        cdm_schema=cdm_schema,
        params=params,
        stated=stated,
        cohort_table=cohort_table,
        cohort_definition_id=cohort_definition_id,
    )


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
    """One SQL query that derives the facts from OMOP tables and screens every person.

    The OMOP tables are read as the event relation (one definition for every dialect),
    the derivations are compiled to SQL over it (latest value in the window, ties
    broken by time then source), and the ruleset's screening (:func:`to_sql`) reads the
    derived facts. Its result has the columns of ``lc.screen``'s (``id`` =
    ``person_id`` as text, ``status``, ``groups``, ``missing``, ``errors``, one column
    per ruleset and criterion, ``record``).

    Args:
        ruleset: the ruleset; :data:`~liverfail_criteria.ELIGIBILITY` if not given.
        dialect: ``"duckdb"``, ``"postgres"`` or ``"spark"``.
        cdm_schema: the schema (Spark: database) of the CDM tables, or ``None`` for
            the search path.
        assessment_date: one date for every person of ``person``; or a mapping of
            person id to date (or a two-column polars DataFrame): those persons, each
            on their date.
        params: values for the ruleset's parameters, as for ``evaluate``.
        window_params: the derivations' window parameters (``{"lab_lookback": "7 d"}``).
        keep_record: add the ``record`` column.
        pretty: indent the SQL.
        vocabulary: the vocabulary tables the database has, of ``"concept"``,
            ``"concept_relationship"``, ``"concept_ancestor"`` (default: all three).
            The code sets are resolved through them (``Maps to``, descendants); without
            ``concept`` the shipped concept list is read instead (decision
            ``omop-vocabulary``). :func:`screen_omop` looks which the database has.
        cohort_table: instead of ``assessment_date``, an OHDSI cohort table
            (``cohort_definition_id``, ``subject_id``, ``cohort_start_date``): its
            subjects are screened, each on their first ``cohort_start_date`` (decision
            ``omop-cohort-date``); a subject without a ``person`` row is screened with
            unknown age and sex. An unqualified name is read from ``cdm_schema``;
            write ``"results.cohort"`` for another schema.
        cohort_definition_id: the cohort to read from ``cohort_table`` (``None``: all
            its rows).

    Returns:
        The SQL text.
    """
    from .sql import omop_sql as _omop_sql

    return _omop_sql(
        ruleset,
        dialect=dialect,
        cdm_schema=cdm_schema,
        assessment_date=assessment_date,
        params=params,
        window_params=window_params,
        keep_record=keep_record,
        pretty=pretty,
        vocabulary=vocabulary,
        cohort_table=cohort_table,
        cohort_definition_id=cohort_definition_id,
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
    """Screen every person of an OMOP CDM database where it lives, with :func:`omop_sql`.

    Args:
        source: for ``engine="duckdb"``, a folder of OMOP tables, a DuckDB file or
            connection (as for :func:`from_omop`); for ``"postgres"``, a psycopg
            connection or a connection string; for ``"spark"``, a SparkSession.
        ruleset: the ruleset; :data:`~liverfail_criteria.ELIGIBILITY` if not given.
        assessment_date: one date for every person, or a date per person (a mapping
            of person id to date, or a two-column polars DataFrame), as for
            :func:`omop_sql`.
        engine: ``"duckdb"``, ``"postgres"`` or ``"spark"``.
        cdm_schema: the schema of the CDM tables (PostgreSQL default ``"cdm"``; DuckDB
            and Spark default: the folder's, or the search path).
        params: values for the ruleset's parameters.
        window_params: the derivations' window parameters.
        cohort_table: instead of ``assessment_date``, the OHDSI cohort table of the
            persons to screen, as for :func:`omop_sql`.
        cohort_definition_id: the cohort's id in ``cohort_table``.

    Returns:
        DuckDB and PostgreSQL: a polars DataFrame ordered by ``id``, with the outcome
        columns of ``lc.screen``. Spark: the lazy Spark DataFrame, planned with the
        session's own settings (Spark's defaults do).
    """
    from .sql import screen_omop as _screen_omop

    return _screen_omop(
        source,
        ruleset,
        assessment_date=assessment_date,
        engine=engine,
        cdm_schema=cdm_schema,
        params=params,
        window_params=window_params,
        cohort_table=cohort_table,
        cohort_definition_id=cohort_definition_id,
    )
