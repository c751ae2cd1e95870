"""Benchmark: peak memory and wall time of screening a large Parquet file to a Parquet file.

Generates a seeded cohort with the example cohort's columns (``examples/cohort/generate.py``:
1,000,000 rows, seed 7, copied with fresh ids up to ``--rows``, written one copy at a time
in row groups of 250,000 rows, so that making it never holds the whole table), then screens
it to a Parquet result in a fresh subprocess per way, which reports its own peak resident
memory (``ru_maxrss``) and wall time:

- ``polars``: ``lc.screen(path, out=...)``, the polars engine in batches;
- ``duckdb``: ``lc.screen(path, engine="duckdb", out=...)``, DuckDB's result fetched in
  record batches;
- ``cli`` and ``cli-duckdb``: ``liverfail-criteria screen FILE --out results.parquet``
  (with ``--engine duckdb``), which also prints the funnel;
- ``polars-memory`` and ``duckdb-memory``: the whole result in memory, then written (how it
  was done before batches: for comparison).

``--no-record`` leaves the ``record`` column out (``keep_record=False``, ``--no-record``).

    python benchmarks/bench_memory.py [--rows 10000000] [--only polars duckdb cli]
        [--workdir /tmp/lc_bench_memory] [--batch-rows 200000] [--no-record] [--keep]

The generated cohort is cached in ``--workdir``; the results are deleted after each run,
and the cohort too unless ``--keep``.

Measured (2026-12-03, 2 cores shared with four other sessions, load average 10 to 20, so
the wall times are several times what an idle machine gives; peak memory is not shared),
10,000,000 rows, ``record`` kept, batches of 200,000 rows:

=============  ===========  =========  ============================================
way            peak RSS     wall       note
=============  ===========  =========  ============================================
polars         573 MiB      579 s      reading one slice at a time
cli            574 MiB      1473 s     the command, funnel counted as it writes
duckdb         1040 MiB     557 s      record batches from DuckDB
(before)       10.6 GB      -          polars, whole result in memory (issue 10)
(before)       6.1 GiB      -          ``screen_duckdb``, whole result (issue 10)
=============  ===========  =========  ============================================

Polars' own streaming reader (``collect_batches``), tried first, read ahead of the
screening and peaked at 1961 MiB; slices read on demand hold one batch.
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
KINDS = ("polars", "duckdb", "cli", "cli-duckdb", "polars-memory", "duckdb-memory")
BASE_ROWS = 1_000_000
SEED = 7


def make_cohort(rows: int, workdir: Path) -> Path:
    """The seeded cohort of ``rows`` rows as Parquet (cached), written copy by copy."""
    import polars as pl
    import pyarrow.parquet as pq

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"cohort_{rows}.parquet"
    if path.exists():
        return path
    base_rows = min(rows, BASE_ROWS)
    base = workdir / f"base_{base_rows}_{SEED}.parquet"
    if not base.exists():
        command = [sys.executable, str(ROOT / "examples/cohort/generate.py")]
        command += ["--rows", str(base_rows), "--seed", str(SEED), "--out", str(base)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    frame = pl.read_parquet(base)
    partial = path.with_suffix(".partial")
    writer = None
    try:
        for i in range(-(-rows // base_rows)):
            copy = frame.head(rows - i * base_rows).with_columns(
                pl.format("R{}-{}", pl.lit(i), pl.col("id")).alias("id")
            )
            table = copy.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(partial, table.schema)
            writer.write_table(table, row_group_size=250_000)
    finally:
        if writer is not None:
            writer.close()
    partial.rename(path)
    return path


def run(kind: str, path: Path, out: Path, batch_rows: int, keep_record: bool) -> None:
    """One measured run, in this (sub)process: prints the status counts."""
    import liverfail_criteria as lc

    engine = "duckdb" if "duckdb" in kind else "polars"
    if kind.startswith("cli"):
        from liverfail_criteria.cli import main

        argv = ["screen", str(path), "--out", str(out), "--batch-rows", str(batch_rows)]
        argv += [f"--units={fact}={unit}" for fact, unit in UNITS.items()]
        argv += ["--engine", engine, "--no-progress"]
        argv += [] if keep_record else ["--no-record"]
        status = main(argv)
        if status:
            raise SystemExit(status)
    elif kind.endswith("-memory"):
        from liverfail_criteria.cohort.files import write

        results = lc.screen(path, units=UNITS, engine=engine, keep_record=keep_record)
        write(results, out)
        del results
    else:
        lc.screen(
            path,
            units=UNITS,
            engine=engine,
            keep_record=keep_record,
            out=out,
            batch_rows=batch_rows,
        )
    import polars as pl

    counts = pl.scan_parquet(out).group_by("status").len().sort("status").collect()
    print(json.dumps([[str(s), n] for s, n in counts.rows()]))


def measure(kind: str, path: Path, out: Path, batch_rows: int, keep_record: bool) -> dict:
    """Run ``kind`` in a fresh subprocess: its wall time, peak memory and status counts."""
    command = [sys.executable, __file__, "--run", kind, "--path", str(path), "--out", str(out)]
    command += ["--batch-rows", str(batch_rows)] + ([] if keep_record else ["--no-record"])
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    lines = done.stdout.strip().splitlines()
    size = out.stat().st_size
    out.unlink()
    return {
        "kind": kind,
        "wall_s": round(wall, 1),
        "peak_mib": round(int(lines[-1]) / 1024),
        "out_mib": round(size / 2**20),
        "status": json.loads(lines[-2]),
    }


def main() -> None:
    """Generate the cohort, then measure each way in its own subprocess."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/lc_bench_memory"))
    parser.add_argument("--only", nargs="*", default=["polars", "duckdb"], choices=KINDS)
    parser.add_argument("--batch-rows", type=int, default=200_000)
    parser.add_argument("--no-record", action="store_true", help="keep_record=False")
    parser.add_argument("--keep", action="store_true", help="keep the generated cohort")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        sys.path.insert(0, str(ROOT / "src"))
        run(args.run, args.path, args.out, args.batch_rows, not args.no_record)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB: this process's peak
        return
    start = time.perf_counter()
    path = make_cohort(args.rows, args.workdir)
    made = time.perf_counter() - start
    print(
        f"cohort: {path} ({args.rows:,} rows, {path.stat().st_size / 2**20:.0f} MiB, "
        f"ready in {made:.0f} s); batch {args.batch_rows:,} rows; "
        f"record {'left out' if args.no_record else 'kept'}"
    )
    try:
        for kind in args.only:
            out = args.workdir / f"out_{kind}.parquet"
            figures = measure(kind, path, out, args.batch_rows, not args.no_record)
            print(json.dumps(figures), flush=True)
    finally:
        if not args.keep:
            path.unlink()


if __name__ == "__main__":
    main()
