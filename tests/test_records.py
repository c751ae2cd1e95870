"""Facts from clinical records: windows, ties, statuses, comparators, units, provenance."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import warnings
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import liverfail_criteria as lc
from liverfail_criteria.records.api import RecordProblemsWarning
from liverfail_criteria.records.value import Censored

pl = pytest.importorskip("polars")

BUNDLE = Path(__file__).parent / "fhir" / "bundle_edge.json"


def record(day: str = "2026-10-20", **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordProblemsWarning)
        return lc.record_from_fhir(BUNDLE, assessment_date=day, **kw)


def origin(rec: Any, fact: str) -> Any:
    return rec[fact].origin


def test_latest_counting_result_in_the_window() -> None:
    rec = record()
    # preliminary (on the day) and final after the assessment date do not count;
    # the amended one at 06:00 +08:00 is 2026-10-18 in UTC.
    assert rec["total_bilirubin"].value == "130.0 umol/L"
    o = origin(rec, "total_bilirubin")
    assert (o.source, o.code, o.time) == (
        "Observation/bili-b",
        "14631-6",
        "2026-10-18T22:00:00+00:00",
    )


def test_window_edges_both_sides() -> None:
    # Assessment 2026-10-17: bili-b (18th) is after it; bili-a (13th) is latest.
    assert origin(record("2026-10-17"), "total_bilirubin").source == "Observation/bili-a"
    # bili-old (12th) is 7 days before the 19th... and 8 before the 20th.
    rec = record("2026-10-19", params={"lab_lookback": "0 d"})
    assert "total_bilirubin" not in rec  # nothing on the 19th itself that counts
    assert origin(record("2026-10-12", params={"lab_lookback": "0 d"}), "total_bilirubin")
    assert "total_bilirubin" not in record("2026-10-11")
    assert origin(record("2026-10-19"), "total_bilirubin").source == "Observation/bili-b"


def test_ties_break_by_source() -> None:
    rec = record()
    assert origin(rec, "inr").source == "Observation/inr-1"  # same time as inr-0
    assert rec["inr"].value == 1.9


def test_statuses() -> None:
    rec = record()
    assert origin(rec, "liver_cancer").source == "Condition/hcc-suspected"  # provisional
    assert "dic" not in rec and "dic" in rec.searched  # refuted never counts
    assert rec["cirrhosis"].value is True  # onset '2019' (partial): counts, no date


def test_missing_unit_is_invalid_and_listed() -> None:
    rec = record()
    assert "albumin" not in rec
    assert rec.invalid["albumin"].startswith("Observation/alb: 28.0 (no unit)")


def test_partial_date_is_not_in_a_bounded_window() -> None:
    rec = record()
    assert "body_weight" not in rec
    assert "29463-7" in rec.searched["body_weight"]
    assert "30 days" in rec.searched["body_weight"]


def test_bad_resources_are_reported_with_id_and_reason() -> None:
    with pytest.warns(RecordProblemsWarning, match="Observation/bad-value"):
        rec = lc.record_from_fhir(BUNDLE, assessment_date="2026-10-20")
    reasons = dict(rec.problems)
    assert "not a number" in reasons["Observation/bad-value"]
    assert "not a FHIR dateTime" in reasons["Observation/bad-date"]


def test_censored_platelets_meet_the_exclusion_and_show_provenance() -> None:
    rec = record(stated={"thrombocytopenia_uncorrectable": True})
    result = lc.evaluate(rec)
    node = result.tree.find("exclusion.thrombocytopenia")
    assert node.outcome is lc.Outcome.MET
    data = result.to_dict()
    jsonschema.validate(data, lc.Result.json_schema())
    assert lc.Result.from_dict(data) == result
    facts = [f for n in result.tree.walk() if n.observed for f in n.observed.facts]
    plt = next(f for f in facts if f.name == "platelets")
    assert plt.origin is not None and plt.origin.source == "Observation/plt"
    assert plt.origin.original == "<5.0 10*9/L"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("<5 10*9/L", lc.Outcome.MET),
        ("<20 10*9/L", lc.Outcome.MET),
        ("<=20 10*9/L", lc.Outcome.UNKNOWN),
        ("<30 10*9/L", lc.Outcome.UNKNOWN),
        (">=20 10*9/L", lc.Outcome.NOT_MET),
        (">19 10*9/L", lc.Outcome.UNKNOWN),
        ("<20000 /uL", lc.Outcome.MET),
    ],
)
def test_censored_values_given_directly(given: str, expected: lc.Outcome) -> None:
    result = lc.evaluate({"platelets": given, "thrombocytopenia_uncorrectable": True})
    assert result.tree.find("exclusion.thrombocytopenia").outcome is expected


@pytest.mark.parametrize(
    ("comparator", "bound", "op", "threshold", "expected"),
    [
        ("<", 20, "<", 20, True),
        ("<=", 20, "<", 20, None),
        ("<=", 20, "<=", 20, True),
        (">", 20, "<=", 20, False),
        (">=", 20, "<", 20, False),
        (">=", 20, "<=", 20, None),
        (">", 20, ">", 20, True),
        ("<", 20, ">=", 20, False),
        ("<=", 20, ">", 20, False),
        ("<=", 20, ">=", 20, None),
    ],
)
def test_interval_comparisons(
    comparator: str, bound: float, op: str, threshold: float, expected: bool | None
) -> None:
    assert Censored(comparator, bound).compare(op, threshold) is expected


def test_stated_beats_derived() -> None:
    rec = record(stated={"progressive_jaundice": True})
    assert rec["progressive_jaundice"].value is True
    o = rec["progressive_jaundice"].origin
    assert o.source == "stated"
    assert o.original == "stated by the caller; derived was false from Observation/bili-b"
    assert rec.stated == ("progressive_jaundice",)
    text = lc.evaluate(rec).explain()
    assert "progressive_jaundice = true [from stated]" in text
    assert record()["progressive_jaundice"].value is False  # 88.9 -> 130 in 5 days


def test_molar_and_mass_bilirubin_read_alike() -> None:
    a = lc.evaluate({"total_bilirubin": record("2026-10-17")["total_bilirubin"]})
    b = lc.evaluate({"total_bilirubin": "88.94 umol/L"})
    fa = next(f for n in a.tree.walk() if n.observed for f in n.observed.facts)
    fb = next(f for n in b.tree.walk() if n.observed for f in n.observed.facts)
    assert fa.value == pytest.approx(fb.value, abs=0.01)


def test_from_fhir_table_screens_without_units() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordProblemsWarning)
        table = lc.from_fhir(BUNDLE, assessment_date="2026-10-20")
    assert table["id"].to_list() == ["p1"]
    assert table["total_bilirubin"].to_list() == ["130.0 umol/L"]
    assert table["total_bilirubin_source"].to_list() == ["Observation/bili-b"]
    results = lc.screen(table)
    assert results["status"].to_list() == ["ineligible"]  # liver cancer suspected
    fields = {e["field"] for e in results["errors"][0]}
    assert "albumin" in fields  # the number without a unit is listed, not guessed


def test_ndjson_gz_and_directories(tmp_path: Path) -> None:
    bundle = json.loads(BUNDLE.read_text())
    lines = [json.dumps(e["resource"]) for e in bundle["entry"]]
    with gzip.open(tmp_path / "Observation.ndjson.gz", "wt") as f:
        f.write("\n".join(lines[1:]) + "\nnot json\n")
    (tmp_path / "Patient.ndjson").write_text(lines[0] + "\n")
    with pytest.warns(RecordProblemsWarning, match="line"):
        table = lc.from_fhir(tmp_path, assessment_date={"p1": dt.date(2026, 10, 20)})
    assert table["total_bilirubin_source"].to_list() == ["Observation/bili-b"]
    with (
        pytest.raises(lc.CriteriaInputError, match="a date per patient"),
        pytest.warns(RecordProblemsWarning),
    ):
        lc.from_fhir(tmp_path, assessment_date={"other": "2026-10-20"})


def test_from_events_reads_censored_text_and_a_column_map() -> None:
    extract = pl.DataFrame(
        {
            "mrn": ["a", "a", "b"],
            "drawn": ["2026-10-19T08:00:00", "2026-10-18T08:00:00", "2026-10-19T08:00:00"],
            "loinc": ["777-3", "777-3", "1975-2"],
            "result": ["<20", "150", "7.1"],
            "units": ["10*9/L", "10*9/L", "mg/dL"],
        }
    )
    cols = {"patient": "mrn", "time": "drawn", "code": "loinc", "value": "result", "unit": "units"}
    table = lc.from_events(extract, columns=cols, assessment_date="2026-10-20")
    rows = {r["id"]: r for r in table.iter_rows(named=True)}
    assert rows["a"]["platelets"] == "<20.0 10*9/L"
    assert rows["a"]["platelets_source"] == "row 0"
    assert rows["b"]["total_bilirubin"] == "7.1 mg/dL"


def test_cli_screen_and_evaluate_fhir(capsys: pytest.CaptureFixture[str]) -> None:
    from liverfail_criteria.cli import main

    day = ["--assessment-date", "2026-10-20"]
    assert main(["screen", "--fhir", str(BUNDLE), *day]) == 0
    out, err = capsys.readouterr()
    assert "ineligible: 1" in out and "Observation/bad-value" in err
    with pytest.warns(RecordProblemsWarning):
        assert main(["evaluate", "--fhir", str(BUNDLE), *day]) == 0
    out = capsys.readouterr().out
    assert "[from Observation/bili-b at 2026-10-18T22:00:00+00:00]" in out
    assert "not found: dic: searched any condition coded D65" in out
    assert "invalid: albumin: Observation/alb" in out
    assert main(["screen", "--fhir", str(BUNDLE)]) == 2
    assert "--assessment-date" in capsys.readouterr().err


def test_the_tree_says_what_was_searched_for_a_missing_fact() -> None:
    result = lc.evaluate(record())
    node = result.tree.find("exclusion.dic")
    leaf = next(n for n in node.walk() if not n.children)
    assert leaf.note is not None
    assert leaf.note.startswith("dic: not found in the records; searched any condition coded D65")
    assert "within 28 days" in leaf.note
    albumin = next(n for n in result.tree.walk() if not n.children and "albumin" in n.missing)
    assert albumin.note is not None and "not readable" in albumin.note
    data = result.to_dict()
    jsonschema.validate(data, lc.Result.json_schema())
    assert lc.Result.from_dict(data) == result


def test_from_events_reads_csv_paths_and_date_columns(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {
            "patient": ["a", "a"],
            "time": [dt.date(2026, 10, 12), dt.date(2026, 10, 13)],  # window edge: 7 days
            "code": ["777-3", "26515-7"],
            "value": [15.0, 30.0],
            "unit": ["10*9/L", "10*3/uL"],
            "status": ["final", "final"],
        }
    )
    path = tmp_path / "labs.csv"
    df.write_csv(path)
    for source in (df, path):
        table = lc.from_events(source, assessment_date="2026-10-20")
        assert table["platelets"].to_list() == ["30.0 10*3/uL"]
        assert table["platelets_source"].to_list() == ["row 1"]
        table = lc.from_events(source, assessment_date="2026-10-19")
        assert table["platelets_source"].to_list() == ["row 1"]
        table = lc.from_events(source, assessment_date="2026-10-12")
        assert table["platelets_source"].to_list() == ["row 0"]


def test_a_records_table_screens_with_its_provenance_in_every_engine(tmp_path):
    """``<fact>_source`` columns are known, and travel into the result after the id."""
    pytest.importorskip("duckdb")
    table = pl.DataFrame(
        {
            "id": ["a", "b"],
            "platelets": ["15 10*9/L", None],
            "platelets_source": ["Observation/p1", None],
        }
    )
    for engine in ("polars", "duckdb"):
        res = lc.screen(table, engine=engine)
        assert res["platelets_source"].to_list() == ["Observation/p1", None], engine
        assert res.columns.index("platelets_source") == res.columns.index("id") + 1
    with pytest.raises(lc.CriteriaInputError, match="platelet_source"):
        lc.screen(table.rename({"platelets_source": "platelet_source"}))
