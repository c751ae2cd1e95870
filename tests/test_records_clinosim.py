"""End to end on data no one here wrote: clinosim's simulated cirrhosis patients (FHIR R4)."""

from __future__ import annotations

from pathlib import Path

import pytest

import liverfail_criteria as lc

pl = pytest.importorskip("polars")

EXPORT = Path(__file__).parents[1] / "examples" / "fhir" / "export"
DAY = "2024-06-16"


def test_from_fhir_screen_and_evaluate_agree_on_every_patient() -> None:
    table = lc.from_fhir(EXPORT, assessment_date=DAY)
    assert table.height == 8
    assert table["cirrhosis"].to_list() == [True] * 8  # K74.60, closed with the encounter
    assert all(s.startswith("Condition/") for s in table["cirrhosis_source"].to_list())
    bilirubins = [v for v in table["total_bilirubin"].to_list() if v is not None]
    assert len(bilirubins) >= 6 and all(v.endswith(" mg/dL") for v in bilirubins)
    results = lc.screen(table)
    assert set(results["status"].to_list()) <= {"ineligible", "undetermined"}
    for row in results.iter_rows(named=True):
        record = lc.record_from_fhir(EXPORT, assessment_date=DAY, patient=row["id"])
        result = lc.evaluate(record)
        assert row["status"] == result.status.value, row["id"]
        assert sorted(row["missing"]) == sorted(result.missing), row["id"]
        bilirubin = record.get("total_bilirubin")
        if bilirubin is None:
            assert "1975-2" in record.searched["total_bilirubin"]
            continue
        assert bilirubin.origin.code == "1975-2"
        assert bilirubin.origin.source.startswith("Observation/")


def test_the_cli_screens_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    from liverfail_criteria.cli import main

    assert main(["screen", "--fhir", str(EXPORT), "--assessment-date", DAY]) == 0
    out = capsys.readouterr().out
    assert "Screened: 8 rows" in out


def test_an_unknown_patient_is_an_error() -> None:
    with pytest.raises(lc.CriteriaInputError, match="patient"):
        lc.record_from_fhir(EXPORT, assessment_date=DAY, patient="nobody")
