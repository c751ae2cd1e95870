"""Benchmark: screening a 1,000,000-row cohort, against two yardsticks.

Three measurements, each in a fresh subprocess (so peak memory is its own):

1. ``lc.screen`` on the Parquet file, with every criterion and ruleset column, the
   groups, the missing facts, the errors and the ``record`` column.
2. A hand-written polars query of the same eligibility logic, as a competent analyst
   would write it for this one table (unit conversions by ``when``/``then``, Kleene
   logic, one column per criterion): the practical limit. It validates nothing and
   reports nothing, and lists no missing facts.
3. The single-record evaluator (``lc.evaluate``) on a sample of the same rows, each
   turned into a record, scaled to the whole cohort.

The cohort is made by ``examples/cohort/generate.py`` (seeded) and cached.

    python benchmarks/bench_screen.py [--rows 1000000] [--repeats 3] [--sample 5000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNITS = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}

SCREEN = """
import json, sys, time
import liverfail_criteria as lc
t = time.perf_counter()
results = lc.screen(sys.argv[1], units=json.loads(sys.argv[2]))
import resource
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "rows": results.height, "peak_mb": peak,
                  "eligible": int((results["status"] == "eligible").sum())}))
"""

HAND_WRITTEN = r"""
import json, sys, time
import polars as pl

def kleene_all(*xs):
    out = xs[0]
    for x in xs[1:]:
        out = out & x
    return out

def kleene_any(*xs):
    out = xs[0]
    for x in xs[1:]:
        out = out | x
    return out

def convert(value, unit, factors):
    u = pl.col(unit)
    expr = pl.lit(None, dtype=pl.Float64)
    for spelling, factor in factors.items():
        expr = pl.when(u == spelling).then(pl.col(value) * factor).otherwise(expr)
    return expr

t = time.perf_counter()
lf = pl.scan_parquet(sys.argv[1])
BILI = {"umol/L": 1.0, "µmol/L": 1.0, "mg/dL": 17.104, "mg/dl": 17.104, "mmol/L": 1000.0}
lf = lf.with_columns(
    tb=convert("total_bilirubin", "total_bilirubin_unit", BILI),
    uln=convert("total_bilirubin_uln", "total_bilirubin_uln_unit", BILI),
    alb=convert("albumin", "albumin_unit", {"g/L": 1.0, "g/dL": 10.0}),
    plt=convert("platelets", "platelets_unit",
                {"10*9/L": 1.0, "10*3/uL": 1.0, "/uL": 0.001, "10*9/l": 1.0}),
    pta=pl.col("prothrombin_activity"),
    ratio=pl.coalesce(
        convert("pao2_fio2_ratio", "pao2_fio2_ratio_unit", {"mm[Hg]": 1.0, "kPa": 7.50061683}),
        convert("pao2", "pao2_unit", {"mm[Hg]": 1.0, "kPa": 7.50061683}) / pl.col("fio2"),
    ),
    age_y=pl.coalesce(
        pl.col("age"),
        (pl.col("assessment_date").dt.year() - pl.col("birth_date").dt.year()
         - ((pl.col("assessment_date").dt.month() < pl.col("birth_date").dt.month())
            | ((pl.col("assessment_date").dt.month() == pl.col("birth_date").dt.month())
               & (pl.col("assessment_date").dt.day() < pl.col("birth_date").dt.day()))
            ).cast(pl.Int32)).cast(pl.Float64),
    ),
)
weight = pl.col("body_weight") > 40
age = (pl.col("age_y") >= 18) & (pl.col("age_y") < 66)
treat = (pl.col("standard_treatment_duration") > 3) & ~pl.col("improved_on_treatment")
def male_false(flag):
    male = (pl.col("sex") == "male").fill_null(False)
    return pl.when(pl.col(flag).is_null() & male).then(False).otherwise(pl.col(flag))
def within_28(onset):
    d = (pl.col(onset) - pl.col("diagnosis_date")).dt.total_days()
    return (d >= 0) & (d <= 28)
lf = lf.with_columns(
    **{
        "clf.cirrhosis_decompensation": pl.col("cirrhosis") & pl.col("hepatic_decompensation"),
        "clf.body_weight": weight, "clf.age": age,
        "clf.bilirubin": (pl.col("tb") > pl.col("uln")) & (pl.col("tb") < 10 * pl.col("uln")),
        "clf.hepatic_encephalopathy": pl.col("hepatic_encephalopathy_grade") <= 2,
        "clf.no_improvement": treat,
        "aclf.body_weight": weight, "aclf.age": age,
        "aclf.symptoms": pl.col("fatigue") & kleene_any(
            pl.col("anorexia"), pl.col("vomiting"), pl.col("abdominal_distension")),
        "aclf.complications": kleene_any(
            pl.col("ascites") & within_28("ascites_onset_date"),
            (pl.col("hepatic_encephalopathy_grade") >= 1)
            & within_28("hepatic_encephalopathy_onset_date")),
        "aclf.jaundice": pl.col("progressive_jaundice") & (pl.col("tb") >= 85),
        "aclf.coagulopathy": (pl.col("inr") > 1.5) | (pl.col("pta") < 40),
        "aclf.no_improvement": treat,
        "exclusion.cerebral": kleene_any(pl.col("brain_edema"), pl.col("cerebral_herniation"),
                                         pl.col("intracranial_hemorrhage")),
        "exclusion.liver_cancer": pl.col("liver_cancer"),
        "exclusion.oxygenation": (pl.col("ratio") < 200) & pl.col("hypoxemia_uncorrectable"),
        "exclusion.dic": pl.col("dic"),
        "exclusion.active_hemorrhage": pl.col("active_hemorrhage"),
        "exclusion.infection": pl.col("uncontrolled_infection"),
        "exclusion.thrombocytopenia": (pl.col("plt") < 20)
        & pl.col("thrombocytopenia_uncorrectable"),
        "exclusion.hiv_sars_cov_2": pl.col("hiv_positive") | pl.col("sars_cov_2_positive"),
        "exclusion.drug_abuse": pl.coalesce(
            pl.col("drug_abuse_past_year"),
            ((pl.col("assessment_date") - pl.col("last_drug_abuse_date")).dt.total_days()
             .is_between(0, 365))),
        "exclusion.hemodynamic_instability": pl.col("hemodynamic_instability"),
        "exclusion.pregnancy_lactation": male_false("pregnant") | male_false("lactating"),
        "exclusion.clinician": pl.col("clinician_excluded"),
    }
)
clf = kleene_all(*[pl.col(c) for c in ["clf.cirrhosis_decompensation", "clf.body_weight",
      "clf.age", "clf.bilirubin", "clf.hepatic_encephalopathy", "clf.no_improvement"]])
aclf = kleene_all(*[pl.col(c) for c in ["aclf.body_weight", "aclf.age", "aclf.symptoms",
       "aclf.complications", "aclf.jaundice", "aclf.coagulopathy", "aclf.no_improvement"]])
exclusions = kleene_any(*[pl.col(c) for c in lf.collect_schema().names()
                          if c.startswith("exclusion.")])
lf = lf.with_columns(clf=clf, aclf=aclf, exclusions=exclusions)
lf = lf.with_columns(inclusion=pl.col("clf") | pl.col("aclf"))
lf = lf.with_columns(eligibility=pl.col("inclusion") & ~pl.col("exclusions"))
out = lf.select(
    "id",
    pl.when(pl.col("eligibility")).then(pl.lit("eligible"))
    .when(~pl.col("eligibility")).then(pl.lit("ineligible"))
    .otherwise(pl.lit("undetermined")).alias("status"),
    "eligibility", "inclusion", "clf", "aclf", "exclusions", pl.col("^(clf|aclf|exclusion)\..*$"),
).collect()
import resource
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "rows": out.height, "peak_mb": peak,
                  "eligible": int((out["status"] == "eligible").sum())}))
"""

PER_RECORD = """
import importlib.util, json, sys, time
import polars as pl
import liverfail_criteria as lc
spec = importlib.util.spec_from_file_location("gen", sys.argv[3])
gen = importlib.util.module_from_spec(spec); sys.modules["gen"] = gen
spec.loader.exec_module(gen)
table = pl.read_parquet(sys.argv[1]).head(int(sys.argv[2]))
records = [gen.to_record(row) for row in table.iter_rows(named=True)]
t = time.perf_counter()
done = 0
for record in records:
    try:
        lc.evaluate(record)
    except lc.CriteriaInputError:
        pass
    done += 1
import resource
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "rows": done, "peak_mb": peak}))
"""


def measure(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; the JSON line it prints (with its peak RSS)."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sample", type=int, default=5000)
    parser.add_argument("--cohort", type=Path, help="a Parquet cohort to use instead")
    args = parser.parse_args()

    generator = ROOT / "examples" / "cohort" / "generate.py"
    cohort = args.cohort or Path(tempfile.gettempdir()) / f"liverfail_cohort_{args.rows}.parquet"
    if not cohort.exists():
        print(f"generating {args.rows} rows into {cohort} ...", flush=True)
        subprocess.run(
            [sys.executable, str(generator), "--rows", str(args.rows), "--out", str(cohort)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    units = json.dumps(UNITS)
    print(f"python {sys.version.split()[0]}, cohort {cohort} ({args.rows} rows)")

    runs = {"screen": [], "hand-written": []}
    for _ in range(args.repeats):
        runs["screen"].append(measure(SCREEN, str(cohort), units))
        runs["hand-written"].append(measure(HAND_WRITTEN, str(cohort)))
    per_record = measure(PER_RECORD, str(cohort), str(args.sample), str(generator))

    best = {k: min(v, key=lambda r: r["seconds"]) for k, v in runs.items()}
    scaled = per_record["seconds"] / per_record["rows"] * args.rows
    s, h = best["screen"]["seconds"], best["hand-written"]["seconds"]
    print(f"lc.screen (every column)     : {s:8.2f} s   (best of {args.repeats})")
    print(f"hand-written polars query    : {h:8.2f} s")
    print(
        f"lc.evaluate per record       : {scaled:8.2f} s   "
        f"(scaled from {per_record['rows']:.0f} rows: "
        f"{per_record['seconds'] / per_record['rows'] * 1e6:.0f} µs each)"
    )
    print(f"screen / hand-written        : {s / h:8.2f} x")
    print(f"per-record / screen          : {scaled / s:8.0f} x")
    print(
        f"eligible rows: screen {best['screen']['eligible']:.0f}, "
        f"hand-written {best['hand-written']['eligible']:.0f} "
        "(the hand-written query validates nothing, so invalid cells count as values)"
    )
    peak = {k: max(r["peak_mb"] for r in v) for k, v in runs.items()}
    print(
        f"peak memory (whole process): screen {peak['screen']:.0f} MB, "
        f"hand-written {peak['hand-written']:.0f} MB, per-record sample "
        f"{per_record['peak_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
