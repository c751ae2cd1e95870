"""The ``liverfail-criteria`` command.

``liverfail-criteria evaluate PATIENT.json [...]`` prints each patient's explained
evaluation tree; ``--json`` prints the results as JSON instead.
``liverfail-criteria screen COHORT.csv`` screens a whole table (CSV or Parquet) and
prints its funnel; ``--out`` saves the results; ``--engine duckdb`` runs it as SQL in
DuckDB. ``liverfail-criteria sql --dialect spark`` prints the screening as one SQL
query.

No path ends in a traceback: every failure is one line on standard error, and the exit
status says which kind it was:

* 0: done;
* 1: an internal error (a bug: the line says so; please report it);
* 2: bad input or usage (an option, a parameter, a column, a fact, a value);
* 3: a source that cannot be read completely and correctly (a missing or unreadable
  file, not UTF-8, not JSON or CSV or Parquet, ragged rows, duplicate keys or columns);
* 4: an output that cannot be written (``--out`` or ``--figure`` into a missing folder,
  onto a folder, without permission; standard output on a full disk).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]

EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_UNREADABLE = 3
EXIT_UNWRITABLE = 4


class _Failure(Exception):
    """A one-line message for the user; never a traceback."""

    def __init__(self, message: str, status: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.status = status


def _library_failure(where: str, exc: Exception) -> _Failure:
    """A library error as a one-line failure with the exit status of its kind."""
    from .errors import UnreadableSourceError, UnwritableOutputError

    status = EXIT_BAD_INPUT
    if isinstance(exc, UnreadableSourceError):
        status = EXIT_UNREADABLE
    elif isinstance(exc, UnwritableOutputError):
        status = EXIT_UNWRITABLE
    text = " ".join(str(exc).split())
    return _Failure(f"{where}: {text}" if where else text, status)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _Failure(f"key {key!r} twice in one object", EXIT_UNREADABLE)
        seen[key] = value
    return seen


def _parse_param(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise _Failure(f"--param {text!r}: expected NAME=VALUE")
    lowered = value.strip().lower()
    parsed: object = {"true": True, "false": False}.get(lowered, value.strip())
    return name.strip(), parsed


def _load(path: str) -> list[dict[str, Any]]:
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise _Failure(f"{path}: cannot read ({exc.strerror or exc})", EXIT_UNREADABLE) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Failure(f"{path}: UTF-16 text; expected UTF-8 JSON", EXIT_UNREADABLE)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Failure(
            f"{path}: not UTF-8 (byte 0x{raw[exc.start]:02X} at offset {exc.start}); "
            "expected UTF-8 JSON",
            EXIT_UNREADABLE,
        ) from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise _Failure(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})", EXIT_UNREADABLE
        ) from None
    except RecursionError:
        raise _Failure(
            f"{path}: JSON nested too deeply to be a patient record", EXIT_UNREADABLE
        ) from None
    except _Failure as exc:
        raise _Failure(f"{path}: {exc}", EXIT_UNREADABLE) from None
    records = data if isinstance(data, list) else [data]
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            where = f"{path}[{i}]" if isinstance(data, list) else path
            raise _Failure(f"{where}: expected a JSON object of fact names to values")
    return records


def _ruleset(name: str) -> Any:
    import liverfail_criteria as lc

    rulesets = {r.id: r for r in lc.ELIGIBILITY.rulesets()}
    if name not in rulesets:
        raise _Failure(f"--ruleset {name!r}: expected one of {', '.join(rulesets)}")
    return rulesets[name]


def _evaluate(args: argparse.Namespace) -> int:
    import liverfail_criteria as lc

    params = dict(_parse_param(p) for p in args.param)
    assume = [n.strip() for chunk in args.assume_absent for n in chunk.split(",") if n.strip()]
    ruleset = _ruleset(args.ruleset)
    outputs: list[Any] = []
    notes: dict[str, list[str]] = {}
    if args.fhir:
        path = args.fhir
        if not args.assessment_date:
            raise _Failure("--fhir needs --assessment-date")
        try:
            derived = lc.record_from_fhir(path, assessment_date=args.assessment_date)
            outputs.append(
                (path, lc.evaluate(derived, ruleset, params=params, assume_absent=assume))
            )
        except lc.CriteriaInputError as exc:
            raise _Failure(f"{path}: {exc}") from None
        notes[path] = [f"not found: {f}: searched {w}" for f, w in derived.searched.items()]
        notes[path] += [f"invalid: {f}: {why}" for f, why in derived.invalid.items()]
        notes[path] += [f"not read: {p.source}: {p.reason}" for p in derived.problems]
    elif not args.patients:
        raise _Failure(
            "evaluate: give patient JSON files, or --fhir BUNDLE --assessment-date DATE"
        )
    for path in args.patients:
        for i, record in enumerate(_load(path)):
            try:
                result = lc.evaluate(record, ruleset, params=params, assume_absent=assume)
            except lc.CriteriaInputError as exc:
                where = path if len(args.patients) == 1 and i == 0 else f"{path}#{i}"
                raise _library_failure(where, exc) from None
            outputs.append((path, result))
    if args.json:
        docs = [r.to_dict() for _, r in outputs]
        print(json.dumps(docs[0] if len(docs) == 1 else docs, indent=2, ensure_ascii=False))
    else:
        for n, (path, result) in enumerate(outputs):
            if n:
                print("\n" + "-" * 72)
            print(f"== {path}")
            print(result.explain(show_informational=not args.hide_informational))
            for line in notes.get(path, ()):
                print(f"  {line}")
    return 0


def _pairs(option: str, texts: Sequence[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise _Failure(f"{option} {text!r}: expected FACT=VALUE")
        pairs[name.strip()] = value.strip()
    return pairs


def _screen(args: argparse.Namespace) -> int:
    import liverfail_criteria as lc

    from .cohort.figure import FIGURE_SUFFIXES
    from .cohort.files import OUTPUT_SUFFIXES, polars_batches, with_progress, write_batches
    from .cohort.funnel import Tally
    from .errors import check_output_path

    options: dict[str, Any] = {
        "ruleset": _ruleset(args.ruleset),
        "columns": _pairs("--column", args.column),
        "units": _pairs("--units", args.units),
        "unit_columns": _pairs("--unit-column", args.unit_column),
        "params": dict(_parse_param(p) for p in args.param),
        "assume_absent": [
            n.strip() for chunk in args.assume_absent for n in chunk.split(",") if n.strip()
        ],
        "id_column": args.id_column,
        "passthrough": [n.strip() for chunk in args.keep for n in chunk.split(",") if n.strip()],
        "errors": "raise" if args.strict else "report",
        "keep_record": not args.no_record,
    }
    if args.omop:
        if args.cohort or args.fhir or bool(args.assessment_date) == bool(args.cohort_table):
            raise _Failure(
                "--omop SOURCE needs --assessment-date DATE or --cohort-table TABLE, "
                "and no cohort file"
            )
        args.cohort = args.omop
    elif args.cohort_table or args.cohort_definition_id is not None:
        raise _Failure("--cohort-table and --cohort-definition-id go with --omop SOURCE")
    elif args.fhir:
        if args.cohort or not args.assessment_date:
            raise _Failure("--fhir PATH needs --assessment-date DATE, and no cohort file")
        args.cohort = args.fhir
    elif not args.cohort:
        raise _Failure("screen: give a cohort file, or --fhir PATH --assessment-date DATE")
    try:  # outputs first: nothing is screened for a path that cannot be written
        if args.out:
            check_output_path("--out", args.out, OUTPUT_SUFFIXES)
        if args.figure:
            check_output_path("--figure", args.figure, FIGURE_SUFFIXES)
        if args.batch_rows < 1:
            raise lc.CriteriaInputError("--batch-rows", args.batch_rows, "1 or more")
    except lc.CriteriaInputError as exc:
        raise _library_failure("", exc) from None
    # The results are never held whole: each batch is written out and counted into the
    # funnel, then dropped (records from FHIR or OMOP are a table in memory already).
    tally = Tally(options["ruleset"], options["params"])
    batches: Iterator[Any] = iter(())
    try:
        if args.omop:
            table = lc.from_omop(
                args.omop,
                assessment_date=args.assessment_date,
                cohort_table=args.cohort_table,
                cohort_definition_id=args.cohort_definition_id,
            )
            results = lc.screen(table, **options)
            total, batches = results.height, iter([results])
        elif args.fhir:
            import warnings

            from .records.api import RecordProblemsWarning

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", RecordProblemsWarning)
                table = lc.from_fhir(args.fhir, assessment_date=args.assessment_date)
            for w in caught:
                print(f"warning: {w.message}", file=sys.stderr)
            results = lc.screen(table, **options)
            total, batches = results.height, iter([results])
        elif args.engine == "duckdb":  # DuckDB reads the file as it goes
            from .cohort.duck import duckdb_batches

            total, batches = duckdb_batches(args.cohort, batch_rows=args.batch_rows, **options)
        else:
            total, batches = polars_batches(args.cohort, batch_rows=args.batch_rows, **options)
        batches = with_progress(batches, total, args.progress, args.batch_rows)
        if args.out:
            write_batches(batches, args.out, each=tally.add)
        else:
            for batch in batches:
                tally.add(batch)
        summary = tally.funnel()
    except (lc.CriteriaInputError, lc.MissingDependencyError) as exc:
        where = "" if isinstance(exc, lc.UnwritableOutputError) else args.cohort
        raise _library_failure(where, exc) from None
    try:
        if args.figure:
            summary.plot(args.figure)
    except (lc.CriteriaInputError, lc.MissingDependencyError) as exc:
        raise _library_failure("", exc) from None
    print(summary)
    if args.missingness:
        table = tally.missingness()
        print("\nfact                            empty  invalid  deciding")
        for row in table.iter_rows(named=True):
            empty = "-" if row["empty"] is None else row["empty"]  # no record: not known
            print(f"{row['fact']:30} {empty:>6} {row['invalid']:8} {row['deciding']:9}")
    if args.out:
        print(f"results: {args.out} ({summary.screened} rows)")
    if args.figure:
        print(f"funnel figure: {args.figure}")
    return 0


def _sql(args: argparse.Namespace) -> int:
    import liverfail_criteria as lc

    if args.omop:
        if bool(args.assessment_date) == bool(args.cohort_table):
            raise _Failure("sql --omop needs --assessment-date DATE or --cohort-table TABLE")
        try:
            query = lc.omop_sql(
                _ruleset(args.ruleset),
                dialect=args.dialect,
                cdm_schema=args.cdm_schema or None,
                assessment_date=args.assessment_date or None,
                cohort_table=args.cohort_table or None,
                cohort_definition_id=args.cohort_definition_id,
                params=dict(_parse_param(p) for p in args.param),
                keep_record=not args.no_record,
            )
        except (lc.CriteriaInputError, lc.MissingDependencyError) as exc:
            raise _Failure(str(exc)) from None
        print(query)
        return 0
    try:
        query = lc.to_sql(
            _ruleset(args.ruleset),
            table=args.table,
            columns=_pairs("--column", args.column),
            units=_pairs("--units", args.units),
            unit_columns=_pairs("--unit-column", args.unit_column),
            params=dict(_parse_param(p) for p in args.param),
            assume_absent=[
                n.strip() for chunk in args.assume_absent for n in chunk.split(",") if n.strip()
            ],
            id_column=args.id_column,
            dialect=args.dialect,
            keep_record=not args.no_record,
        )
    except (lc.CriteriaInputError, lc.MissingDependencyError) as exc:
        raise _library_failure("", exc) from None
    print(query)
    return 0


def _variables(args: argparse.Namespace) -> int:
    import liverfail_criteria as lc

    for v in lc.VARIABLES.values():
        unit = v.type.unit.symbol if v.type.unit is not None else ""
        print(f"{v.name:36} {v.type.kind.value:9} {unit:8} {v.label}")
    return 0


def _build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="liverfail-criteria",
        description="Evaluate patients against the eligibility criteria of NCT05727722.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="evaluate patient records (JSON) and explain")
    ev.add_argument("patients", nargs="*", help="JSON files: one record, or a list ('-': stdin)")
    ev.add_argument("--fhir", help="a FHIR R4 Bundle (.json) for one patient, instead of records")
    ev.add_argument("--assessment-date", help="the screening date (YYYY-MM-DD), with --fhir")
    ev.add_argument("--json", action="store_true", help="print the results as JSON")
    ev.add_argument(
        "--ruleset",
        default="eligibility",
        help="ruleset id: eligibility (default), inclusion, clf, aclf, exclusions",
    )
    ev.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter, e.g. total_bilirubin_uln='17.1 umol/L'",
    )
    ev.add_argument(
        "--assume-absent",
        action="append",
        default=[],
        metavar="FACTS",
        help="comma-separated true/false facts to take as false when missing",
    )
    ev.add_argument(
        "--hide-informational",
        action="store_true",
        help="leave informational criteria out of the tree",
    )
    ev.set_defaults(run=_evaluate)
    sc = sub.add_parser("screen", help="screen a cohort table (CSV or Parquet); print its funnel")
    sc.add_argument("cohort", nargs="?", help="a .csv, .tsv or .parquet file, one row per patient")
    sc.add_argument(
        "--fhir", help="FHIR R4 records instead: a Bundle, an .ndjson[.gz] file or a directory"
    )
    sc.add_argument(
        "--omop", help="an OMOP CDM 5.4 database instead: a folder of tables or a DuckDB file"
    )
    sc.add_argument(
        "--assessment-date", help="the screening date (YYYY-MM-DD), with --fhir or --omop"
    )
    sc.add_argument(
        "--cohort-table",
        help="with --omop, instead of a date: an OHDSI cohort table of the source; its "
        "subjects are screened, each on their first cohort_start_date",
    )
    sc.add_argument("--cohort-definition-id", type=int, help="the cohort's id in --cohort-table")
    sc.add_argument("--out", help="save the results (.parquet, or .csv with lists as text)")
    sc.add_argument("--figure", help="draw the funnel (.png, .svg or .pdf)")
    sc.add_argument(
        "--units",
        action="append",
        default=[],
        metavar="FACT=UNIT",
        help="the unit of every value in a fact's column, e.g. body_weight=kg",
    )
    sc.add_argument(
        "--unit-column",
        action="append",
        default=[],
        metavar="FACT=COLUMN",
        help="the column holding each row's unit (default: <column>_unit, if present)",
    )
    sc.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FACT=COLUMN",
        help="the column holding a fact, when it is not named like the fact",
    )
    sc.add_argument("--id-column", default="id", help="the row id column (default: id)")
    sc.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="COLUMNS",
        help="comma-separated other columns to carry into the results (any other column "
        "that is not a fact, a unit column or the id is an error)",
    )
    sc.add_argument(
        "--ruleset",
        default="eligibility",
        help="ruleset id: eligibility (default), inclusion, clf, aclf, exclusions",
    )
    sc.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="set a parameter"
    )
    sc.add_argument(
        "--assume-absent",
        action="append",
        default=[],
        metavar="FACTS",
        help="comma-separated true/false facts to take as false when empty",
    )
    sc.add_argument(
        "--strict", action="store_true", help="stop at the first invalid cell, naming it"
    )
    sc.add_argument("--missingness", action="store_true", help="print missingness per fact")
    sc.add_argument(
        "--engine",
        choices=("polars", "duckdb"),
        default="polars",
        help="polars (default), or duckdb: the criteria as SQL in an in-process DuckDB",
    )
    sc.add_argument(
        "--batch-rows",
        type=int,
        default=200_000,
        metavar="N",
        help="screen N rows at a time: memory is bounded by the batch (default: 200000)",
    )
    sc.add_argument(
        "--no-record",
        action="store_true",
        help="leave the record column (each row's facts as read) out of --out",
    )
    sc.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar (default: on large files, on a terminal)",
    )
    sc.set_defaults(run=_screen)
    sq = sub.add_parser("sql", help="print the screening as one SQL query (DuckDB, Spark, ...)")
    sq.add_argument(
        "--dialect",
        default="duckdb",
        choices=("duckdb", "spark", "postgres"),
        help="the SQL dialect (default: duckdb)",
    )
    sq.add_argument(
        "--table", default="cohort", help="the table or view to read (default: cohort)"
    )
    for option, metavar, text in (
        ("--units", "FACT=UNIT", "the unit of every value in a fact's column"),
        ("--unit-column", "FACT=COLUMN", "the column holding each row's unit"),
        ("--column", "FACT=COLUMN", "the column holding a fact"),
        ("--param", "NAME=VALUE", "set a parameter"),
        ("--assume-absent", "FACTS", "true/false facts to take as false when empty"),
    ):
        sq.add_argument(option, action="append", default=[], metavar=metavar, help=text)
    sq.add_argument("--id-column", default="id", help="the row id column (default: id)")
    sq.add_argument("--ruleset", default="eligibility", help="ruleset id (default: eligibility)")
    sq.add_argument("--no-record", action="store_true", help="leave the record column out")
    sq.add_argument(
        "--omop",
        action="store_true",
        help="derive the facts from OMOP CDM tables and screen them, in one query",
    )
    sq.add_argument("--assessment-date", help="the screening date (YYYY-MM-DD), with --omop")
    sq.add_argument(
        "--cohort-table",
        help="with --omop, instead of a date: an OHDSI cohort table; its subjects are "
        "screened, each on their first cohort_start_date",
    )
    sq.add_argument("--cohort-definition-id", type=int, help="the cohort's id in --cohort-table")
    sq.add_argument(
        "--cdm-schema", default="cdm", help="the schema of the OMOP tables (default: cdm)"
    )
    sq.set_defaults(run=_sql)
    var = sub.add_parser("variables", help="list the facts a record can carry")
    var.set_defaults(run=_variables)
    return parser


def _fail(message: str, status: int) -> int:
    with contextlib.suppress(OSError):  # standard error itself may not be writable
        print(f"liverfail-criteria: error: {message}", file=sys.stderr, flush=True)
    return status


def _silence_stdout() -> None:
    """Point standard output at the null device: nothing more is flushed into a failure."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # pragma: no cover - no real stdout
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (see the module's documentation)."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
        sys.stdout.flush()
    except _Failure as exc:
        return _fail(str(exc), exc.status)
    except BrokenPipeError:  # e.g. piped into head: the reader has what it wanted
        _silence_stdout()
        return 0
    except OSError as exc:  # standard output on a full disk, or closed
        _silence_stdout()
        return _fail(f"cannot write the output ({exc.strerror or exc})", EXIT_UNWRITABLE)
    except RecursionError:
        return _fail("input nested too deeply", EXIT_BAD_INPUT)
    except Exception as exc:  # a bug: still one line, and a status that says so
        text = " ".join(str(exc).split())[:300]
        return _fail(
            f"internal error ({type(exc).__name__}: {text}); please report it", EXIT_INTERNAL
        )
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
