"""The synthetic screening cohort (examples/cohort): what it covers, and that it is reproducible.

The cohort is test data for screening a whole table; these tests check it with the
reference evaluator, row by row, as its generator's ``--check`` does.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import liverfail_criteria as lc

pl = pytest.importorskip("polars")

ROOT = Path(__file__).resolve().parent.parent
COHORT = ROOT / "examples" / "cohort"
CSV = COHORT / "cohort.csv"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "example_cohort_generate", COHORT / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def summary() -> Any:
    return gen.check_cohort(CSV)


def test_the_fixed_block_gives_the_outcomes_it_states(summary: Any) -> None:
    assert summary.rows >= len(gen.CASES)
    assert summary.mismatches == ()


def test_eligible_ineligible_and_undetermined_are_all_present(summary: Any) -> None:
    n = summary.rows
    assert 0.15 * n <= summary.status["ELIGIBLE"] <= 0.25 * n
    assert summary.status["UNDETERMINED"] >= 0.15 * n
    assert summary.status["INELIGIBLE"] >= 0.15 * n


def test_both_groups_and_their_overlap_are_well_represented(summary: Any) -> None:
    n = summary.rows
    assert summary.groups["CLF"] >= 0.1 * n
    assert summary.groups["ACLF"] >= 0.05 * n
    assert summary.groups["CLF + ACLF"] >= 0.03 * n


def test_every_exclusion_criterion_is_met_several_times(summary: Any) -> None:
    ids = {c.id for c in lc.EXCLUSIONS.criteria()}
    assert set(summary.exclusions) == ids
    assert {cid: k for cid, k in summary.exclusions.items() if k < 5} == {}


def test_invalid_rows_are_present_and_few(summary: Any) -> None:
    raised = summary.errors.total()
    assert 0 < raised < 0.02 * summary.rows
    assert {"total_bilirubin", "body_weight", "platelets", "pao2_fio2_ratio"} <= set(
        summary.errors
    )


def test_the_columns_follow_the_table_conventions() -> None:
    df = pl.read_csv(CSV, infer_schema_length=None, try_parse_dates=True)
    assert df.columns == list(gen.table_schema())
    assert df.columns[0] == "id"
    assert df["id"].str.contains(r"^P\d{4}$").all()
    assert df["id"].is_unique().all()
    for name, var in lc.VARIABLES.items():
        kind = var.value_type.kind
        if kind is lc.Kind.BOOLEAN:
            assert df.schema[name] == pl.Boolean, name
        elif kind is lc.Kind.DATE:
            assert df.schema[name] == pl.Date, name
        elif kind is lc.Kind.QUANTITY:
            assert df.schema[name].is_numeric(), name
        assert df[name].null_count() > 0 or name in {"assessment_date"}, name
    for name in gen.FIXED_UNITS:
        assert f"{name}_unit" not in df.columns
    for name in gen.PLAIN_NUMBERS:
        assert f"{name}_unit" not in df.columns
    assert set(df["sex"].drop_nulls()) == {"male", "female"}
    assert set(df["hepatic_encephalopathy_grade"].drop_nulls()) == {0, 1, 2, 3, 4}
    assert df["assessment_date"].null_count() == 0
    assert df["assessment_date"].dt.year().is_in([2025, 2026]).all()
    assert df["fio2"].drop_nulls().is_between(0.21, 1.0).all()
    # Some rows give age, others only a birth date, never both.
    assert df["birth_date"].null_count() < df.height
    assert (df["age"].is_null() | df["birth_date"].is_null()).all()


def test_unit_columns_mix_units_row_by_row() -> None:
    df = gen.read_cohort(CSV)
    expected = {
        "total_bilirubin": {"umol/L", "mg/dL"},
        "total_bilirubin_uln": {"umol/L", "mg/dL"},
        "albumin": {"g/L", "g/dL"},
        "platelets": {"10*9/L", "10*3/uL", "/uL"},
        "pao2": {"mm[Hg]", "kPa"},
        "pao2_fio2_ratio": {"mm[Hg]", "kPa"},
        "prothrombin_activity": {"%"},
    }
    for name, units in expected.items():
        assert units <= set(df[f"{name}_unit"].drop_nulls()), name


def test_the_boundary_values_are_in_the_file() -> None:
    df = gen.read_cohort(CSV)

    def has(**cells: object) -> bool:
        condition = pl.all_horizontal(pl.col(k) == v for k, v in cells.items())
        return df.filter(condition).height > 0

    assert has(total_bilirubin=85, total_bilirubin_unit="umol/L")
    assert has(total_bilirubin=4.97, total_bilirubin_unit="mg/dL")
    assert has(total_bilirubin=171, total_bilirubin_uln=17.1)
    assert has(total_bilirubin=10, total_bilirubin_unit="mg/dL", total_bilirubin_uln=1)
    assert has(inr=1.5)
    assert has(prothrombin_activity=40)
    assert has(platelets=20, platelets_unit="10*9/L")
    assert has(platelets=20000, platelets_unit="/uL")
    assert has(pao2_fio2_ratio=200, pao2_fio2_ratio_unit="mm[Hg]")
    assert has(body_weight=40)
    for age in (18, 65, 66):
        assert has(age=age)
    assert has(standard_treatment_duration=3)


def test_the_file_is_what_the_generator_regenerates(tmp_path: Path) -> None:
    out = tmp_path / "cohort.csv"
    assert gen.main(["--out", str(out)]) == 0
    assert out.read_bytes() == CSV.read_bytes()


def test_parquet_holds_the_same_table_as_csv(tmp_path: Path) -> None:
    csv, parquet = tmp_path / "c.csv", tmp_path / "c.parquet"
    for out in (csv, parquet):
        assert gen.main(["--rows", "400", "--seed", "7", "--out", str(out)]) == 0
    from_csv, from_parquet = gen.read_cohort(csv), gen.read_cohort(parquet)
    assert from_csv.schema == from_parquet.schema
    assert from_csv.equals(from_parquet)
    assert from_csv.height == 400


def test_a_cohort_smaller_than_the_fixed_block_is_its_first_rows() -> None:
    small = gen.generate(rows=12)
    assert small.height == 12
    assert small["id"].to_list()[:2] == ["P0001", "P0002"]
    assert small.equals(gen.generate()[:12])


def test_the_seed_decides_the_random_rows() -> None:
    a, b = gen.generate(rows=300, seed=1), gen.generate(rows=300, seed=2)
    n = len(gen.CASES)
    assert a[:n].equals(b[:n])
    assert not a[n:].equals(b[n:])
    assert a.equals(gen.generate(rows=300, seed=1))
