"""Benchmark: each vectorised engine against a hand-written query of the same rule, in one run.

The yardstick is what a competent analyst would write for this one table: the trial's
eligibility logic with Kleene ``and``/``or``, one column per criterion, validating nothing
and listing no missing facts (``bench_screen.py``'s hand-written polars query; the same
rule in DuckDB SQL below). Both run in this process on the same rows, in turns, best of
``--repeats``: the ratio is what this benchmark reports, since the absolute times on a
shared machine mean little.

Measured, on ``--rows`` rows of the seeded example cohort (``examples/cohort/generate.py``):

1. ``lc.screen`` on the rows in memory with **canonical units** (each quantity already in
   its canonical unit, no unit columns; ``units=`` names the canonical unit), against the
   hand-written polars query on the same frame (and with ``keep_record=False``);
2. the same with the cohort as generated: **per-row unit columns** (and a few invalid
   cells), against the hand-written query with its unit conversions;
3. ``lc.to_sql(ELIGIBILITY)`` run in DuckDB on the canonical rows (a registered Arrow
   table), the result fetched as an Arrow table, against a hand-written DuckDB query
   (and without the ``record`` column);
4. the size of the SQL for each dialect, its stages (CTEs), and the time to generate it:
   cold (nothing remembered), for a new table (the criteria's SQL, which does not
   depend on the table, is reused) and repeated (the same call: the query is remembered).

    python benchmarks/bench_engines.py [--rows 1000000] [--repeats 3] [--sql-only]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import liverfail_criteria as lc  # noqa: E402

FIXED = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}


def _module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def cohort(rows: int) -> Any:
    """The example cohort of ``rows`` rows (seeded), with per-row unit columns."""
    import polars as pl

    cache = Path(tempfile.gettempdir()) / f"lc_bench_engines_{rows}.parquet"
    if not cache.exists():
        gen = _module(ROOT / "examples" / "cohort" / "generate.py", "lc_cohort_generate")
        gen.generate(rows, seed=7).write_parquet(cache)
    return pl.read_parquet(cache)


def canonical(frame: Any) -> tuple[Any, dict[str, str]]:
    """The frame with every quantity in its canonical unit and no unit columns."""
    import polars as pl

    units = dict(FIXED)
    columns = []
    for name in frame.columns:
        unit_column = f"{name}_unit"
        if unit_column in frame.columns:
            spec = lc.VARIABLES[name].type.unit
            spellings = frame[unit_column].drop_nulls().unique().to_list()
            factors = {}
            for s in spellings:
                # not a unit of the fact: an invalid cell, left empty here
                with contextlib.suppress(lc.CriteriaInputError):
                    factors[s] = spec.factor(s)
            value = pl.col(name) * pl.col(unit_column).replace_strict(
                factors, default=None, return_dtype=pl.Float64
            )
            columns.append(value.alias(name))
            units[name] = spec.canonical
        elif not name.endswith("_unit"):
            columns.append(pl.col(name))
    return frame.select(columns), units


def hand_polars(with_units: bool) -> Callable[[Any], Any]:
    """The hand-written polars query (bench_screen.py's), on a frame."""
    source = (ROOT / "benchmarks" / "bench_screen.py").read_text(encoding="utf-8")
    body = re.search(r'HAND_WRITTEN = r"""(.*?)"""', source, re.S)
    assert body is not None
    code = body.group(1)
    code = code.replace("lf = pl.scan_parquet(sys.argv[1])", "lf = FRAME.lazy()")
    code = code.split("import resource")[0]
    if not with_units:  # the values are canonical: no conversion
        code = re.sub(
            r"def convert\(value, unit, factors\):.*?return expr\n",
            "def convert(value, unit, factors):\n    return pl.col(value)\n",
            code,
            flags=re.S,
        )

    def run(frame: Any) -> Any:
        scope: dict[str, Any] = {"FRAME": frame}
        exec(code, scope)  # our own benchmark text
        return scope["out"]

    return run


HAND_SQL = """
WITH t AS (
  SELECT *,
    COALESCE(age, CAST(date_diff('year', birth_date, assessment_date) AS DOUBLE)) AS age_y,
    COALESCE(pao2_fio2_ratio, pao2 / fio2) AS ratio
  FROM cohort
), c AS (
  SELECT id,
    cirrhosis AND hepatic_decompensation AS clf_cd,
    body_weight > 40 AS w,
    age_y >= 18 AND age_y < 66 AS a,
    total_bilirubin > total_bilirubin_uln AND total_bilirubin < 10 * total_bilirubin_uln AS clf_tb,
    hepatic_encephalopathy_grade <= 2 AS clf_he,
    standard_treatment_duration > 3 AND NOT improved_on_treatment AS tr,
    fatigue AND (anorexia OR vomiting OR abdominal_distension) AS sy,
    (ascites AND date_diff('day', diagnosis_date, ascites_onset_date) BETWEEN 0 AND 28)
      OR (hepatic_encephalopathy_grade >= 1
          AND date_diff('day', diagnosis_date, hepatic_encephalopathy_onset_date)
              BETWEEN 0 AND 28) AS co,
    progressive_jaundice AND total_bilirubin >= 85 AS ja,
    inr > 1.5 OR prothrombin_activity < 40 AS cg,
    brain_edema OR cerebral_herniation OR intracranial_hemorrhage OR liver_cancer
      OR (ratio < 200 AND hypoxemia_uncorrectable) OR dic OR active_hemorrhage
      OR uncontrolled_infection OR (platelets < 20 AND thrombocytopenia_uncorrectable)
      OR hiv_positive OR sars_cov_2_positive
      OR COALESCE(drug_abuse_past_year,
                  date_diff('day', last_drug_abuse_date, assessment_date) BETWEEN 0 AND 365)
      OR hemodynamic_instability
      OR (CASE WHEN pregnant IS NULL AND sex = 'male' THEN FALSE ELSE pregnant END)
      OR (CASE WHEN lactating IS NULL AND sex = 'male' THEN FALSE ELSE lactating END)
      OR clinician_excluded AS ex
  FROM t
), r AS (
  SELECT *, clf_cd AND w AND a AND clf_tb AND clf_he AND tr AS clf,
    w AND a AND sy AND co AND ja AND cg AND tr AS aclf FROM c
)
SELECT id,
  CASE WHEN (clf OR aclf) AND NOT ex THEN 'eligible'
       WHEN NOT ((clf OR aclf) AND NOT ex) THEN 'ineligible' ELSE 'undetermined' END AS status,
  clf, aclf, ex, clf_cd, w, a, clf_tb, clf_he, tr, sy, co, ja, cg
FROM r
"""


def best(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def sql_sizes(repeats: int) -> dict[str, Any]:
    """Per dialect: the SQL's size, its stages, and the time to generate it.

    Times are wall clock and this process's CPU time (``_cpu``): on a shared machine the
    CPU time is the steadier figure.
    """
    from liverfail_criteria.interpreters.sql import compile as sql_compile
    from liverfail_criteria.interpreters.sql import query as sql_query

    def timed(fn: Callable[[], Any]) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - wall, time.process_time() - cpu

    sizes = {}
    for dialect in ("duckdb", "postgres", "spark"):
        # cold: nothing remembered; new table: the criteria's SQL (which does not depend
        # on the table) is reused; repeat: the same call again (the query is remembered)
        sql_compile._COMPILED.clear()
        sql_query._QUERIES.clear()
        cold = timed(lambda d=dialect: lc.to_sql(table="cohort", dialect=d))
        new = min(
            timed(lambda d=dialect, i=i: lc.to_sql(table=f"cohort_{i}", dialect=d))
            for i in range(repeats)
        )
        again = min(
            timed(lambda d=dialect: lc.to_sql(table="cohort", dialect=d)) for _ in range(repeats)
        )
        text = lc.to_sql(table="cohort", dialect=dialect)
        sizes[dialect] = {
            "kb": len(text) / 1000,
            "kb_unindented": len(lc.to_sql(table="cohort", dialect=dialect, pretty=False)) / 1000,
            "ctes": len(re.findall(r"(?:^WITH |\n\), )(\w+) AS \(", text)),
            "generate_cold_s": cold[0],
            "generate_cold_cpu_s": cold[1],
            "generate_new_table_s": new[0],
            "generate_new_table_cpu_s": new[1],
            "generate_repeat_s": again[0],
            "generate_repeat_cpu_s": again[1],
        }
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sql-only", action="store_true", help="only item 4")
    args = parser.parse_args()
    if args.sql_only:
        print(json.dumps({"sql": sql_sizes(args.repeats)}, indent=2))
        return
    import duckdb

    frame = cohort(args.rows)
    plain, units = canonical(frame)
    report: dict[str, Any] = {"rows": frame.height}

    ours = best(lambda: lc.screen(plain, units=units), args.repeats)
    hand = best(lambda: hand_polars(False)(plain), args.repeats)
    report["polars canonical"] = {"screen_s": ours, "hand_s": hand, "ratio": ours / hand}

    # keep_record=False: the record column (a copy of every fact as read) left out
    ours = best(lambda: lc.screen(plain, units=units, keep_record=False), args.repeats)
    report["polars canonical, no record"] = {
        "screen_s": ours,
        "hand_s": hand,
        "ratio": ours / hand,
    }

    ours = best(lambda: lc.screen(frame, units=FIXED), args.repeats)
    hand = best(lambda: hand_polars(True)(frame), args.repeats)
    report["polars unit columns"] = {"screen_s": ours, "hand_s": hand, "ratio": ours / hand}

    con = duckdb.connect()
    con.register("cohort", plain.to_arrow())
    schema = {name: _kind(dtype) for name, dtype in plain.schema.items()}
    sql = lc.to_sql(table="cohort", units=units, schema=schema)
    ours = best(lambda: _arrow(con.sql(sql)), args.repeats)
    hand = best(lambda: _arrow(con.sql(HAND_SQL)), args.repeats)
    report["duckdb to_sql canonical"] = {"sql_s": ours, "hand_s": hand, "ratio": ours / hand}
    bare = lc.to_sql(table="cohort", units=units, schema=schema, keep_record=False)
    ours = best(lambda: _arrow(con.sql(bare)), args.repeats)
    report["duckdb to_sql canonical, no record"] = {
        "sql_s": ours,
        "hand_s": hand,
        "ratio": ours / hand,
    }

    report["sql"] = sql_sizes(args.repeats)
    print(json.dumps(report, indent=2))


def _arrow(result: Any) -> Any:
    """The result as an Arrow table (DuckDB's method has had two names)."""
    fetch = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
    return fetch()


def _kind(dtype: Any) -> str:
    import polars as pl

    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "number"
    if dtype == pl.Date:
        return "date"
    return "string"


if __name__ == "__main__":
    main()
