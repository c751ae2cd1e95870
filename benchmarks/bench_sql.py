"""Benchmark: screening a large Parquet cohort with DuckDB SQL, polars, and a hand query.

Generates a cohort with ``examples/cohort/generate.py`` (1,000,000 rows, replicated with
fresh ids up to ``--rows``), writes it to Parquet, then measures each way of screening
it in its own subprocess (wall time, and peak memory from ``ru_maxrss`` of the child):

- ``sql``: ``lc.to_sql`` on ``read_parquet(...)``, run by DuckDB, written to Parquet;
- ``duckdb``: ``screen_duckdb(path)``, the engine API (result as a polars DataFrame);
- ``polars``: ``lc.screen(path)``, the polars engine;
- ``hand``: a hand-written DuckDB query of the same eligibility logic, as a competent
  analyst would write it (unit CASEs, Kleene AND/OR; no rounding, no errors, no
  missing-fact lists), written to Parquet.

    python benchmarks/bench_sql.py [--rows 10000000] [--workdir /tmp/lc_bench]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNITS = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}


def make_cohort(rows: int, workdir: Path) -> Path:
    import polars as pl

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"cohort_{rows}.parquet"
    if path.exists():
        return path
    base_rows = min(rows, 1_000_000)
    base = workdir / f"base_{base_rows}.parquet"
    if not base.exists():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "examples/cohort/generate.py"),
                "--rows",
                str(base_rows),
                "--out",
                str(base),
            ],
            check=True,
        )
    frame = pl.read_parquet(base)
    copies = -(-rows // base_rows)
    parts = [
        frame.with_columns(pl.format("R{}-{}", pl.lit(i), pl.col("id")).alias("id"))
        for i in range(copies)
    ]
    pl.concat(parts).head(rows).write_parquet(path)
    return path


def hand_query(path: Path) -> str:
    """The eligibility logic as an analyst writes it for the generated cohort's layout."""
    import liverfail_criteria as lc

    def factors(fact: str, spellings: list[str]) -> str:
        spec = lc.VARIABLES[fact].type.unit
        whens = " ".join(f"WHEN '{s}' THEN {spec.factor(s)!r}" for s in spellings)
        return f"{fact} * CASE {fact}_unit {whens} END"

    tb = factors("total_bilirubin", ["umol/L", "µmol/L", "mg/dL", "mg/dl"])
    uln = factors("total_bilirubin_uln", ["umol/L", "µmol/L", "mg/dL", "mg/dl"])
    ratio = factors("pao2_fio2_ratio", ["mm[Hg]", "kPa"])
    pao2 = factors("pao2", ["mm[Hg]", "kPa"])
    plt = factors("platelets", ["10*9/L", "10*3/uL", "/uL"])
    return f"""
    WITH f AS (
      SELECT id, {tb} AS tb, {uln} AS uln, {ratio} AS ratio, {pao2} AS pao2, {plt} AS plt,
        COALESCE(age, date_diff('year', birth_date, assessment_date)) AS age_y, *
        EXCLUDE (id)
      FROM read_parquet('{path}')
    ), c AS (
      SELECT id,
        cirrhosis AND hepatic_decompensation AS clf_background,
        body_weight > 40 AS weight,
        age_y >= 18 AND age_y < 66 AS age_ok,
        tb > uln AND tb < 10 * uln AS clf_bilirubin,
        hepatic_encephalopathy_grade <= 2 AS clf_he,
        standard_treatment_duration > 3 AND NOT improved_on_treatment AS no_improvement,
        fatigue AND (anorexia OR vomiting OR abdominal_distension) AS symptoms,
        (ascites AND ascites_onset_date - diagnosis_date BETWEEN 0 AND 28)
          OR (hepatic_encephalopathy_grade >= 1
              AND hepatic_encephalopathy_onset_date - diagnosis_date BETWEEN 0 AND 28)
          AS complications,
        progressive_jaundice AND tb >= 85 AS jaundice,
        inr > 1.5 OR prothrombin_activity < 40 AS coagulopathy,
        (brain_edema OR cerebral_herniation OR intracranial_hemorrhage)
          OR liver_cancer
          OR (COALESCE(ratio, pao2 / fio2) < 200 AND hypoxemia_uncorrectable)
          OR dic OR active_hemorrhage OR uncontrolled_infection
          OR (plt < 20 AND thrombocytopenia_uncorrectable)
          OR hiv_positive OR sars_cov_2_positive
          OR COALESCE(drug_abuse_past_year,
                      assessment_date - last_drug_abuse_date BETWEEN 0 AND 365)
          OR hemodynamic_instability
          OR (CASE WHEN sex = 'male' THEN FALSE ELSE pregnant OR lactating END)
          OR clinician_excluded AS excluded
      FROM f
    )
    SELECT id,
      CASE WHEN e THEN 'eligible' WHEN NOT e THEN 'ineligible' ELSE 'undetermined' END
        AS status, *
    FROM (
      SELECT *,
        ((clf_background AND weight AND age_ok AND clf_bilirubin AND clf_he AND no_improvement)
         OR (weight AND age_ok AND symptoms AND complications AND jaundice AND coagulopathy
             AND no_improvement))
        AND NOT excluded AS e
      FROM c
    )
    """


def run(kind: str, path: Path, out: Path) -> None:
    """One measured run (in a subprocess): prints the status counts."""
    import duckdb

    import liverfail_criteria as lc

    if kind == "polars":
        results = lc.screen(path, units=UNITS)
        print(json.dumps(results["status"].value_counts().sort("status").rows()))
        return
    if kind == "duckdb":
        from liverfail_criteria.cohort.duck import screen_duckdb

        results = screen_duckdb(path, units=UNITS)
        print(json.dumps(results["status"].value_counts().sort("status").rows()))
        return
    con = duckdb.connect()
    if kind == "sql":
        from sqlglot import exp

        from liverfail_criteria.cohort.duck import duckdb_kinds, scan_spellings
        from liverfail_criteria.interpreters.sql.api import prepare
        from liverfail_criteria.interpreters.sql.dialect import DuckDB

        source = exp.Anonymous(this="READ_PARQUET", expressions=[exp.Literal.string(str(path))])
        kinds = duckdb_kinds(con, source)
        prepared = prepare(
            None,
            kinds,
            columns=None,
            units=UNITS,
            unit_columns=None,
            params=None,
            assume_absent=(),
            id_column="id",
        )
        spellings = scan_spellings(con, source, prepared.plan, DuckDB())
        from liverfail_criteria.interpreters.sql.api import to_sql

        query = to_sql(
            table=f"read_parquet('{path}')",
            units=UNITS,
            schema=kinds,
            unit_spellings=dict(spellings),
            pretty=False,
        )
    else:
        query = hand_query(path)
    con.execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)")
    counts = con.execute(
        f"SELECT status, count(*) FROM read_parquet('{out}') GROUP BY 1 ORDER BY 1"
    ).fetchall()
    print(json.dumps(counts))


def measure(kind: str, path: Path, out: Path) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--run", kind, "--path", str(path), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    counts, _, peak = done.stdout.strip().rpartition("\n")
    del before
    return wall, int(peak) / 1024, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/lc_bench"))
    parser.add_argument("--only", nargs="*", default=["hand", "sql", "duckdb", "polars"])
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(args.run, args.path, args.out)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB, this process's peak
        return
    path = make_cohort(args.rows, args.workdir)
    print(f"cohort: {path} ({args.rows:,} rows)")
    figures: dict[str, tuple[float, float]] = {}
    for kind in args.only:
        wall, peak, counts = measure(kind, path, args.workdir / f"out_{kind}.parquet")
        figures[kind] = (wall, peak)
        print(f"{kind:7} {wall:8.1f} s  peak {peak:8.0f} MiB  {counts}")
    if "hand" in figures:
        hand = figures["hand"][0]
        for kind, (wall, _) in figures.items():
            print(f"{kind:7} / hand: {wall / hand:5.2f}x")


if __name__ == "__main__":
    main()
