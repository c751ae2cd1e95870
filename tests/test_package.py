"""The package: a light import, a typed and documented public API."""

from __future__ import annotations

import inspect
import subprocess
import sys
from importlib import resources

import liverfail_criteria as lc


def test_import_pulls_in_only_the_core_dependencies() -> None:
    code = (
        "import sys, liverfail_criteria; "
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.strip().split(","))
    for heavy in ("polars", "pandas", "numpy", "pyarrow", "matplotlib", "duckdb", "cattrs"):
        assert heavy not in loaded


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
