"""The command line: explained trees, JSON, and one-line errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import liverfail_criteria as lc
from liverfail_criteria.cli import main

ROOT = Path(__file__).resolve().parent.parent
PATIENTS = ROOT / "examples" / "patients"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liverfail_criteria", *args],
        capture_output=True,
        text=True,
        input=stdin,
        check=False,
        cwd=ROOT,
    )


def test_evaluate_prints_the_explained_tree() -> None:
    done = run("evaluate", str(PATIENTS / "clf_eligible.json"))
    assert done.returncode == 0, done.stderr
    assert "ELIGIBLE  record CLF-001" in done.stdout
    assert "[MET] clf: Chronic liver failure (CLF) group" in done.stdout


def test_evaluate_json_matches_the_library(tmp_path: Path) -> None:
    done = run("evaluate", "--json", str(PATIENTS / "aclf_eligible.json"))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    record = json.loads((PATIENTS / "aclf_eligible.json").read_text(encoding="utf-8"))
    assert lc.Result.from_dict(data) == lc.evaluate(record)


def test_several_files_and_stdin() -> None:
    files = sorted(str(p) for p in PATIENTS.glob("*.json"))
    done = run("evaluate", "--json", *files)
    assert [d["status"] for d in json.loads(done.stdout)] == [
        "eligible",
        "eligible",
        "ineligible",
        "undetermined",
    ]
    piped = run("evaluate", "--json", "-", stdin='[{"dic": true}, {"dic": false}]')
    assert [d["status"] for d in json.loads(piped.stdout)] == ["ineligible", "undetermined"]


def test_params_and_assumptions(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(PATIENTS / "undetermined_missing_facts.json")
    code = main(
        [
            "evaluate",
            "--json",
            path,
            "--param",
            "total_bilirubin_uln=17.1 umol/L",
            "--assume-absent",
            "dic,hiv_positive",
            "--assume-absent",
            "sars_cov_2_positive",
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["status"] == "eligible"
    code = main(["evaluate", path, "--ruleset", "exclusions"])
    assert code == 0
    assert capsys.readouterr().out.count("== ") == 1


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["evaluate", "missing.json"], None, "missing.json: cannot read"),
        (["evaluate", "-"], "{not json", "-: not valid JSON"),
        (["evaluate", "-"], "[1, 2]", "-[0]: expected a JSON object"),
        (["evaluate", "-"], '{"age": 52}', "age: got 52; expected a quantity with a unit"),
        (["evaluate", "-"], '{"wieght": "70 kg"}', "did you mean"),
        (["evaluate", "-", "--param", "nope"], "{}", "expected NAME=VALUE"),
        (["evaluate", "-", "--param", "x=1"], "{}", "a parameter of ruleset"),
        (["evaluate", "-", "--ruleset", "nope"], "{}", "expected one of"),
        (["evaluate", "-", "--assume-absent", "age"], "{}", "assume_absent"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], stdin: str | None, message: str) -> None:
    done = run(*args, stdin=stdin)
    unreadable = "cannot read" in message or "not valid JSON" in message
    assert done.returncode == (3 if unreadable else 2)  # 3: a source that cannot be read
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_variables_lists_the_dictionary() -> None:
    done = run("variables")
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == len(lc.VARIABLES)
    assert "total_bilirubin" in done.stdout
