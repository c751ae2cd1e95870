"""Benchmark: FHIR R4 records to screening results.

1. One patient's Bundle of 200 resources (from the clinosim example) to a Result:
   ``lc.record_from_fhir`` then ``lc.evaluate``; the median time of several runs.
2. A Bulk Data export of many Observations (the clinosim example scaled by rewriting
   ids: each copy is a new set of patients) from NDJSON to screened results
   (``lc.from_fhir`` then ``lc.screen``), beside DuckDB alone reading the same files
   into a table (``read_json``), each in a fresh process so that its peak memory
   (max RSS) is its own.

    python benchmarks/bench_fhir.py [--observations 1000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "fhir" / "export"
DAY = "2024-06-16"


def _resources(kind: str) -> list[dict[str, object]]:
    with gzip.open(EXAMPLE / f"{kind}.ndjson.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def bundle_of_200() -> dict[str, object]:
    patients = _resources("Patient")
    pid = patients[0]["id"]
    mine = [
        r
        for kind in ("Condition", "Observation")
        for r in _resources(kind)
        if r["subject"]["reference"] == f"Patient/{pid}"  # type: ignore[index]
    ]
    entries = [{"resource": patients[0]}] + [{"resource": r} for r in mine[:199]]
    assert len(entries) == 200, len(entries)
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def bench_bundle(repeats: int) -> None:
    import liverfail_criteria as lc

    bundle = bundle_of_200()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        lc.evaluate(lc.record_from_fhir(bundle, assessment_date=DAY))
        times.append(time.perf_counter() - start)
    print(f"bundle of 200 resources -> Result: {statistics.median(times) * 1000:.1f} ms (median)")


def write_export(directory: Path, observations: int) -> int:
    kinds = {
        k: [json.dumps(r) for r in _resources(k)] for k in ("Patient", "Observation", "Condition")
    }
    copies = -(-observations // len(kinds["Observation"]))
    for kind, lines in kinds.items():
        with (directory / f"{kind}.ndjson").open("w", encoding="utf-8") as f:
            for c in range(copies):
                # New ids for every copy (a new set of patients), references alike.
                for line in lines:
                    line = line.replace('"id": "', f'"id": "c{c}-')
                    f.write(line.replace('"Patient/', f'"Patient/c{c}-') + "\n")
    return copies * len(kinds["Observation"])


def step(name: str, directory: Path) -> None:
    start = time.perf_counter()
    if name == "fhir":
        import liverfail_criteria as lc

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = lc.from_fhir(directory, assessment_date=DAY)
        rows = lc.screen(table).height
    else:
        import duckdb

        con = duckdb.connect()
        con.execute(
            "CREATE TABLE t AS SELECT * FROM read_json(?, format='newline_delimited', "
            "union_by_name=true, sample_size=-1)",
            [str(directory / "*.ndjson")],
        )
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]  # type: ignore[index]
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"step": name, "seconds": seconds, "peak_mb": peak, "rows": rows}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--step", choices=["fhir", "duckdb"])
    parser.add_argument("--dir")
    args = parser.parse_args()
    if args.step:
        step(args.step, Path(args.dir))
        return
    bench_bundle(args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        n = write_export(Path(tmp), args.observations)
        size = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
        print(f"bulk export: {n} Observations, {size:.0f} MB of NDJSON")
        out = {}
        for name in ("duckdb", "fhir"):
            command = [sys.executable, __file__, "--step", name, "--dir", tmp]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"step {name} failed:\n{done.stderr}")
            out[name] = json.loads(done.stdout.strip().splitlines()[-1])
            print(done.stdout.strip().splitlines()[-1])
        ratio = out["fhir"]["seconds"] / out["duckdb"]["seconds"]
        print(
            f"NDJSON -> screened results: {out['fhir']['seconds']:.1f} s, "
            f"peak {out['fhir']['peak_mb']:.0f} MB; DuckDB read alone: "
            f"{out['duckdb']['seconds']:.1f} s, peak {out['duckdb']['peak_mb']:.0f} MB; "
            f"ratio {ratio:.2f}"
        )


if __name__ == "__main__":
    main()
