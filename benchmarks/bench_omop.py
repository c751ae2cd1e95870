"""Benchmark: screening an OMOP CDM database in DuckDB (or Spark), beside hand-written queries.

Builds an OMOP database of ``--persons`` persons and 20 measurement rows each (total
bilirubin in mg/dL or umol/L, albumin, platelets, INR, body weight; dates over 66 days
before the assessment date, some after it), as Parquet, with DuckDB's own SQL. Then
runs each step in a fresh process, one after the other, and reports its wall time,
its CPU time (DuckDB's threads included; Spark's JVM not) and its peak memory (the
process's ``ru_maxrss``; Spark: the Python driver only). Spark's session is started,
and the tables registered and read once, before the step is timed:

- ``hand``: a hand-written query: the latest value per person of bilirubin and
  platelets in the 7-day window (ties by date then id), and the thrombocytopenia and
  bilirubin rules;
- ``hand5``: the same for all five concepts, each in its window (body weight 30 days),
  each value written with its unit as text, as the derivation writes it;
- ``derive``: the derivations alone (the event view, the facts of every person in one
  row: ``records.sql.derivations_sql``), to a polars DataFrame (Spark: collected);
- ``omop``: ``lc.screen_omop(folder, assessment_date=...)``: the event view, the
  derivations and the whole screening in one query (Spark: collected).

``hand`` runs first and last; the ratios are to the mean of the two.

    python benchmarks/bench_omop.py [--persons 1000000] [--workdir /tmp/lc_bench_omop]
    python benchmarks/bench_omop.py --engine spark --persons 20000
    python benchmarks/bench_omop.py --delete    # remove the generated folder afterwards
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

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
          CAST(NULL AS VARCHAR) AS value_source_value,
          CAST(NULL AS INTEGER) AS value_as_concept_id
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


def _hand_query(m: str, p: str, all_five: bool) -> str:
    """The hand-written query, in SQL both DuckDB and Spark run."""
    day = f"DATE '{ASSESSMENT}'"
    if all_five:
        concepts = ", ".join(str(c) for c, *_ in LABS)
        window = (
            f"(measurement_concept_id = 3025315 AND measurement_date BETWEEN {day} - "
            f"INTERVAL 30 DAY AND {day}) OR (measurement_concept_id <> 3025315 AND "
            f"measurement_date BETWEEN {day} - INTERVAL 7 DAY AND {day})"
        )
        text = (
            "CAST(v AS STRING) || ' ' || CASE u WHEN 8840 THEN 'mg/dL' WHEN 8713 THEN 'g/dL' "
            "WHEN 8848 THEN '10*3/uL' WHEN 8523 THEN '{ratio}' WHEN 9529 THEN 'kg' END"
        )
        picks = "".join(
            f"MAX(CASE WHEN c = {c} THEN {text} END) AS c{c}, "
            f"MAX(CASE WHEN c = {c} THEN 'measurement/' || CAST(id AS STRING) END) AS s{c}, "
            for c, *_ in LABS
        )
    else:
        concepts = "3024128, 3024929"
        window = f"measurement_date BETWEEN {day} - INTERVAL 7 DAY AND {day}"
        picks = ""
    return f"""
    WITH ranked AS (
      SELECT person_id, measurement_id AS id, measurement_concept_id AS c,
        value_as_number AS v, unit_concept_id AS u,
        row_number() OVER (PARTITION BY person_id, measurement_concept_id
          ORDER BY measurement_date DESC, measurement_id DESC) AS r
      FROM {m}
      WHERE measurement_concept_id IN ({concepts}) AND ({window})),
    latest AS (SELECT * FROM ranked WHERE r = 1)
    SELECT p.person_id, {picks}
      MAX(CASE WHEN c = 3024929 THEN v < 50 END) AS thrombocytopenia,
      MAX(CASE WHEN c = 3024128 THEN (CASE WHEN u = 8840 THEN v * 17.104 ELSE v END) >= 85
        END) AS bilirubin_high
    FROM {p} AS p LEFT JOIN latest AS l
      ON l.person_id = p.person_id
    GROUP BY p.person_id"""


def hand(folder: Path, all_five: bool = False) -> object:
    import duckdb

    m = f"read_parquet('{folder}/measurement.parquet')"
    p = f"read_parquet('{folder}/person.parquet')"
    return duckdb.connect().sql(_hand_query(m, p, all_five)).pl()


def hand5(folder: Path) -> object:
    return hand(folder, all_five=True)


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


def _spark(folder: Path) -> object:
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        # As tests/test_sql_spark.py: with the default 1 GB, analysing screen_omop's
        # query ran the driver out of heap (java.lang.OutOfMemoryError).
        .config("spark.driver.memory", "6g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    for file in sorted(folder.glob("*.parquet")):
        spark.read.parquet(str(file)).createOrReplaceTempView(file.stem)
    return spark


def spark_hand(folder: Path, all_five: bool = False) -> object:
    spark: Any = _spark(folder)
    return len(spark.sql(_hand_query("measurement", "person", all_five)).collect())


def spark_hand5(folder: Path) -> object:
    return spark_hand(folder, all_five=True)


def spark_derive(folder: Path) -> object:
    sys.path.insert(0, str(ROOT / "src"))
    from liverfail_criteria.records.omop import demographics_sql, events_sql
    from liverfail_criteria.records.sql import derivations_sql

    spark: Any = _spark(folder)
    query = derivations_sql(
        events_sql("duckdb", None, ("concept",)),
        demographics_sql("duckdb", None),
        ASSESSMENT,
        dialect="spark",
    )
    return len(spark.sql(query).collect())


def spark_omop(folder: Path) -> object:
    sys.path.insert(0, str(ROOT / "src"))
    import liverfail_criteria as lc

    spark = _spark(folder)
    return len(lc.screen_omop(spark, engine="spark", assessment_date=ASSESSMENT).collect())


STEPS = {
    "duckdb": {"hand": hand, "hand5": hand5, "derive": derive, "omop": omop},
    "spark": {
        "hand": spark_hand,
        "hand5": spark_hand5,
        "derive": spark_derive,
        "omop": spark_omop,
    },
}


def run_step(engine: str, name: str, folder: Path) -> None:
    """One step in this process: print its wall and CPU time, rows and peak, as JSON."""
    warnings.filterwarnings("ignore", message="OMOP vocabulary incomplete")
    if engine == "spark":  # the session started and the tables registered before timing
        spark: Any = _spark(folder)
        spark.sql("SELECT COUNT(*) FROM measurement").collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = STEPS[engine][name](folder)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    rows = getattr(result, "height", result)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "cpu": cpu, "rows": rows, "peak": peak}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/lc_bench_omop"))
    parser.add_argument("--engine", choices=sorted(STEPS), default="duckdb")
    parser.add_argument("--step", help=argparse.SUPPRESS)  # one step, in a child process
    parser.add_argument("--delete", action="store_true", help="delete the data afterwards")
    args = parser.parse_args()
    folder = make_omop(args.persons, args.workdir)
    if args.step:
        run_step(args.engine, args.step, folder)
        return
    print(f"{args.persons:,} persons, {args.persons * 20:,} measurement rows: {folder}")
    print(f"engine {args.engine}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    times: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    for name in ("hand", "hand5", "derive", "omop", "hand"):
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--persons",
                str(args.persons),
                "--workdir",
                str(args.workdir),
                "--engine",
                args.engine,
                "--step",
                name,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        got = json.loads(child.stdout.strip().splitlines()[-1])
        times.setdefault(name, []).append(got["wall"])
        cpus.setdefault(name, []).append(got["cpu"])
        print(
            f"{name:7} {got['wall']:8.2f} s  cpu {got['cpu']:8.2f} s  {got['rows']} rows  "
            f"peak {got['peak']:.0f} MiB"
        )
    for what, measured in (("wall", times), ("cpu", cpus)):
        hand_mean = sum(measured["hand"]) / len(measured["hand"])
        for name in ("derive", "omop"):
            print(
                f"{what} ratio {name} / hand: {measured[name][0] / hand_mean:.1f}; "
                f"/ hand5: {measured[name][0] / measured['hand5'][0]:.1f}"
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.delete:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
