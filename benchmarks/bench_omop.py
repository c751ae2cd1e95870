"""Benchmark: screening an OMOP CDM database in DuckDB, beside a hand-written query.

Builds an OMOP database of ``--persons`` persons and about 20 measurement rows each
(total bilirubin in mg/dL or umol/L, albumin, platelets, INR, body weight; dates over
60 days before the assessment date; some after it), as Parquet, with DuckDB's own SQL.
Then, in the same process, measures (wall time; peak memory is the process's
``ru_maxrss`` after each step):

- ``derive``: the derivations alone (the event view, the facts of every person in one
  row: ``records.sql.derivations_sql``), to a polars DataFrame;
- ``omop``: ``lc.screen_omop(folder, assessment_date=...)``: the event view, the
  derivations and the whole screening in one DuckDB query, to a polars DataFrame;
- ``hand``: a hand-written DuckDB query that takes the latest value per person of the
  same concepts in the same 7-day window (ties by date then id) and applies the
  thrombocytopenia and bilirubin rules, to a polars DataFrame.

    python benchmarks/bench_omop.py [--persons 1000000] [--workdir /tmp/lc_bench_omop]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSESSMENT = "2025-06-01"
# concept id, LOINC code, unit concept id, UCUM code, low, high
LABS = [
    (3024128, "1975-2", 8840, "mg/dL", 0.2, 30.0),
    (3024561, "1751-7", 8713, "g/dL", 1.5, 5.0),
    (3024929, "777-3", 8848, "10*3/uL", 10.0, 400.0),
    (3022217, "6301-6", 8523, "{ratio}", 0.9, 4.0),
    (3025315, "29463-7", 9529, "kg", 40.0, 120.0),
]


def make_omop(persons: int, workdir: Path) -> Path:
    import duckdb

    folder = workdir / f"omop_{persons}"
    if (folder / "measurement.parquet").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    concepts = [(c, "LOINC", code) for c, code, *_ in LABS]
    concepts += [(u, "UCUM", ucum) for _, _, u, ucum, *_ in LABS]
    concepts += [(8749, "UCUM", "umol/L")]
    values = ", ".join(f"({c}, 'c{c}', '{v}', '{code}')" for c, v, code in concepts)
    con.execute(
        f"COPY (SELECT * FROM (VALUES {values}) AS t(concept_id, concept_name, vocabulary_id, "
        f"concept_code)) TO '{folder}/concept.parquet'"
    )
    con.execute(
        f"COPY (SELECT i AS person_id, CASE WHEN i % 2 = 0 THEN 8507 ELSE 8532 END "
        "AS gender_concept_id, 1940 + i % 60 AS year_of_birth, 1 + i % 12 AS month_of_birth, "
        "1 + i % 28 AS day_of_birth, CAST(NULL AS TIMESTAMP) AS birth_datetime "
        f"FROM range({persons}) AS r(i)) TO '{folder}/person.parquet'"
    )
    lab = " ".join(f"WHEN {k} THEN {c}" for k, (c, *_r) in enumerate(LABS))
    unit = " ".join(f"WHEN {k} THEN {u}" for k, (_, _, u, *_r) in enumerate(LABS))
    low = " ".join(f"WHEN {k} THEN {lo}" for k, (*_r, lo, _) in enumerate(LABS))
    high = " ".join(f"WHEN {k} THEN {hi}" for k, (*_r, hi) in enumerate(LABS))
    con.execute(
        f"""COPY (
        SELECT row_number() OVER () AS measurement_id, p AS person_id,
          CASE k {lab} END AS measurement_concept_id,
          DATE '{ASSESSMENT}' - CAST(hash(p, j) % 66 AS INTEGER) + 3 AS measurement_date,
          CAST(NULL AS TIMESTAMP) AS measurement_datetime,
          CAST(NULL AS INTEGER) AS operator_concept_id,
          round((CASE k {low} END) + (hash(j, p) % 1000) / 1000.0
            * ((CASE k {high} END) - (CASE k {low} END)), 2) AS value_as_number,
          CASE WHEN k = 0 AND hash(p) % 2 = 0 THEN 8840 ELSE CASE k {unit} END END
            AS unit_concept_id,
          CAST(NULL AS VARCHAR) AS unit_source_value,
          CAST(NULL AS VARCHAR) AS value_source_value
        FROM range({persons}) AS a(p), range(20) AS b(j), (SELECT j % 5 AS k) AS kk
        ) TO '{folder}/measurement.parquet'"""
    )
    con.execute(
        "COPY (SELECT 1 AS condition_occurrence_id, 0 AS person_id, 0 AS condition_concept_id, "
        "DATE '2020-01-01' AS condition_start_date, CAST(NULL AS TIMESTAMP) AS "
        "condition_start_datetime, CAST(NULL AS DATE) AS condition_end_date, 0 AS "
        "condition_status_concept_id, 0 AS condition_source_concept_id, '' AS "
        f"condition_source_value) TO '{folder}/condition_occurrence.parquet'"
    )
    return folder


def hand(folder: Path) -> object:
    import duckdb

    m = f"read_parquet('{folder}/measurement.parquet')"
    con = duckdb.connect()
    query = f"""
    WITH latest AS (
      SELECT person_id, measurement_concept_id AS c, value_as_number AS v, unit_concept_id AS u
      FROM {m}
      WHERE measurement_concept_id IN (3024128, 3024929)
        AND measurement_date BETWEEN DATE '{ASSESSMENT}' - 7 AND DATE '{ASSESSMENT}'
      QUALIFY row_number() OVER (PARTITION BY person_id, measurement_concept_id
        ORDER BY measurement_date DESC, measurement_id DESC) = 1)
    SELECT p.person_id,
      MAX(CASE WHEN c = 3024929 THEN v < 50 END) AS thrombocytopenia,
      MAX(CASE WHEN c = 3024128 THEN (CASE WHEN u = 8840 THEN v * 17.104 ELSE v END) >= 85
        END) AS bilirubin_high
    FROM read_parquet('{folder}/person.parquet') AS p LEFT JOIN latest AS l
      ON l.person_id = p.person_id
    GROUP BY p.person_id"""
    return con.sql(query).pl()


def derive(folder: Path) -> object:
    sys.path.insert(0, str(ROOT / "src"))
    from liverfail_criteria.records.omop import demographics_sql, events_sql, open_omop
    from liverfail_criteria.records.sql import derivations_sql

    con, schema, _ = open_omop(folder)
    query = derivations_sql(
        events_sql("duckdb", schema, ("concept",)), demographics_sql("duckdb", schema), ASSESSMENT
    )
    return con.sql(query).pl()


def omop(folder: Path) -> object:
    sys.path.insert(0, str(ROOT / "src"))
    import liverfail_criteria as lc

    return lc.screen_omop(folder, assessment_date=ASSESSMENT)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/lc_bench_omop"))
    args = parser.parse_args()
    # The folder has no concept_relationship or concept_ancestor: said once, not per run.
    warnings.filterwarnings("ignore", message="OMOP vocabulary incomplete")
    folder = make_omop(args.persons, args.workdir)
    print(f"{args.persons:,} persons, {args.persons * 20:,} measurement rows: {folder}")
    times = {}
    for name, run in (("hand", hand), ("derive", derive), ("omop", omop), ("hand ", hand)):
        start = time.perf_counter()
        result = run(folder)
        times[name.strip()] = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows = getattr(result, "height", "?")
        print(f"{name.strip():6} {times[name.strip()]:8.2f} s  {rows} rows  peak {peak:.0f} MiB")
    print(f"ratio derive / hand: {times['derive'] / times['hand']:.2f}")
    print(f"ratio omop / hand: {times['omop'] / times['hand']:.2f}")


if __name__ == "__main__":
    main()
