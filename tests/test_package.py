"""The package: a light import, a typed and documented public API."""

from __future__ import annotations

import inspect
import subprocess
import sys
from importlib import resources

import pytest

import liverfail_criteria as lc


def _top_level_modules_after(statement: str) -> set[str]:
    names = "{m.split('.')[0] for m in sys.modules}"
    code = f"import sys; {statement}; print(','.join(sorted({names})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.strip().split(","))


HEAVY = ("pint", "polars", "pandas", "numpy", "pyarrow", "matplotlib", "duckdb", "sqlglot")


def test_import_pulls_in_only_the_core_dependencies() -> None:
    # pint (which imports numpy where it is installed) is loaded only when needed.
    loaded = _top_level_modules_after("import liverfail_criteria")
    for heavy in HEAVY:
        assert heavy not in loaded, f"import liverfail_criteria imports {heavy}"


def test_evaluating_documented_spellings_needs_no_pint() -> None:
    # Every documented spelling's factor is in the shipped table, so a record written
    # in them is read without pint; asking for the registry loads it.
    statement = (
        "import liverfail_criteria as lc; "
        "lc.evaluate({'total_bilirubin': '5 mg/dL', 'total_bilirubin_uln': '1 mg/dL', "
        "'platelets': '20000 /uL', 'body_weight': '128 [lb_av]', 'age': '600 mo', "
        "'pao2_fio2_ratio': '40 kPa', 'standard_treatment_duration': '36 h'})"
    )
    loaded = _top_level_modules_after(statement)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    assert "pint" in _top_level_modules_after("import liverfail_criteria as lc; lc.ureg")


def test_py_typed_and_definitions_are_shipped() -> None:
    package = resources.files("liverfail_criteria")
    assert package.joinpath("py.typed").is_file()
    assert package.joinpath("units", "definitions.txt").is_file()
    assert package.joinpath("schemas", "result.schema.json").is_file()


def test_every_public_name_is_documented() -> None:
    for name in lc.__all__:
        obj = getattr(lc, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and (
                    inspect.isfunction(member)
                    or isinstance(member, (property, classmethod, staticmethod))
                ):
                    assert inspect.getdoc(member), f"{name}.{attr} has no docstring"


def test_version() -> None:
    assert lc.__version__ == "0.1.0"


def test_an_extra_that_is_missing_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    # Where polars is installed, hide it: the message must be the same as without it.
    for module in ("polars", "sqlglot", "duckdb"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(lc.MissingDependencyError, match=r"liverfail-criteria\[cohort\]"):
        lc.screen("examples/cohort/cohort.csv")
    with pytest.raises(lc.MissingDependencyError, match=r"liverfail-criteria\[sql\]"):
        lc.to_sql(table="cohort")
    with pytest.raises(ImportError, match=r"liverfail-criteria\[duckdb\]"):
        lc.screen("examples/cohort/cohort.csv", engine="duckdb")
