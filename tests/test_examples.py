"""The bundled examples and the README's example run and say what they claim."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

import liverfail_criteria as lc

ROOT = Path(__file__).resolve().parent.parent

EXPECTED = {
    "clf_eligible.json": (lc.Eligibility.ELIGIBLE, {"CLF"}),
    "aclf_eligible.json": (lc.Eligibility.ELIGIBLE, {"ACLF"}),
    "excluded_thrombocytopenia.json": (lc.Eligibility.INELIGIBLE, {"CLF"}),
    "undetermined_missing_facts.json": (lc.Eligibility.UNDETERMINED, set()),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_patients(name: str) -> None:
    record = json.loads((ROOT / "examples" / "patients" / name).read_text(encoding="utf-8"))
    result = lc.evaluate(record)
    assert (result.status, set(result.groups)) == EXPECTED[name]


def test_every_example_patient_is_checked() -> None:
    assert {p.name for p in (ROOT / "examples" / "patients").glob("*.json")} == set(EXPECTED)


def test_apasl_example_is_a_working_custom_ruleset() -> None:
    module = runpy.run_path(str(ROOT / "examples" / "apasl_aclf.py"))
    apasl = module["APASL_ACLF"]
    assert isinstance(apasl, lc.Ruleset)
    patient = {
        "total_bilirubin": "5 mg/dL",
        "inr": 1.5,
        "ascites": True,
        "diagnosis_date": "2026-01-01",
        "ascites_onset_date": "2026-01-29",
    }
    result = lc.evaluate(patient, apasl)
    assert result.status is lc.Eligibility.ELIGIBLE
    assert result.groups == {"APASL-ACLF"}
    late = lc.evaluate({**patient, "ascites_onset_date": "2026-01-30"}, apasl)
    assert late.status is lc.Eligibility.UNDETERMINED  # HE not recorded: it could still count
    assert late.missing == ("hepatic_encephalopathy_grade", "hepatic_encephalopathy_onset_date")
    short = lc.evaluate({**patient, "total_bilirubin": "85 umol/L"}, apasl)
    assert short.status is lc.Eligibility.INELIGIBLE  # 85 µmol/L < 5 mg/dL = 85.52 µmol/L


def test_readme_example_says_what_it_claims() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(code.replace("print(result.explain())", ""), namespace)
    result = namespace["result"]
    assert isinstance(result, lc.Result)
    assert result.status is lc.Eligibility.UNDETERMINED
    assert result.groups == {"CLF"}
    assert result.missing[:3] == ("assessment_date", "brain_edema", "cerebral_herniation")


def test_every_readme_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("polars")
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in readme.split("```python\n")[1:]]
    assert len(blocks) >= 2
    namespace: dict[str, object] = {}
    for code in blocks:
        exec(code.replace("print(result.explain())", ""), namespace)
    results = namespace["results"]
    assert results.height == 1000  # type: ignore[attr-defined]
