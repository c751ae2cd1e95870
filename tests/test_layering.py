"""The package's layers: each part imports only the parts below it, so nothing is circular.

Read from the source with ``ast`` (every import, at the top of a module or inside a
function): the core (units, the DSL, the dictionary, the trial) knows no interpreter;
the interpreters, which compile the criteria, know nothing of ``cohort``, which runs
them on tables; only the command line and the package's front door sit above both.
``records`` (clinical records to facts) has two halves, named module by module: its
definitions and per-patient reference (the event schema, code sets, derivation nodes,
values with their origin), which the reference evaluator and the docs read, sit below the
interpreters; its table engines (polars, SQL, OMOP, the public functions) sit above
``cohort``, whose screening they feed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "liverfail_criteria"

#: The modules of ``records`` that define derivations and interpret them one patient at a
#: time (below the interpreters), and those that run them on tables (above ``cohort``).
RECORD_DEFINITIONS = (
    "build", "catalog", "codes", "codesets", "decisions", "fhir", "nodes", "omop_concepts", "read",
    "record", "reference", "render", "schema", "value",
)  # fmt: skip
RECORD_ENGINES = ("api", "frame", "omop", "sql")

#: The parts of the package, lowest first. A part may import the parts of its own layer
#: and those of the layers listed before it.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "extras", "lazy", "logic", "version", "whitespace", "arguments"}),
    frozenset({"units"}),
    frozenset({"dsl"}),
    frozenset({"dictionary"}),
    frozenset({"trial"}),
    frozenset({"result", "render", "serialize"}),
    frozenset(f"records.{name}" for name in RECORD_DEFINITIONS) | {"records"},
    frozenset({"interpreters"}),
    frozenset({"cohort"}),
    frozenset(f"records.{name}" for name in RECORD_ENGINES),
    frozenset({"cli", "__main__", "sql", ""}),  # "": the package's __init__
)
LEVEL = {part: i for i, layer in enumerate(LAYERS) for part in layer}


def _module(path: Path) -> list[str]:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _part(dotted: list[str]) -> str:
    if dotted[:1] == ["records"] and len(dotted) > 1:
        return f"records.{dotted[1]}"
    return dotted[0] if dotted else ""


def imports(path: Path) -> set[str]:
    """The parts of the package that the module at ``path`` imports."""
    here = _module(path)
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = base + (node.module.split(".") if node.module else [])
            if target:
                found.add(_part(target))
            else:  # from .. import name: a module of the package, or the package itself
                for alias in node.names:
                    is_module = (PACKAGE / alias.name).is_dir() or (
                        PACKAGE / f"{alias.name}.py"
                    ).is_file()
                    found.add(alias.name if is_module else "")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            for name in names:
                if name.split(".")[0] == "liverfail_criteria":
                    found.add(_part(name.split(".")[1:]))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_part_has_a_layer() -> None:
    assert {_part(_module(p)) for p in MODULES} == set(LEVEL)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_from_below(path: Path) -> None:
    mine = _part(_module(path))
    above = {p for p in imports(path) if LEVEL[p] > LEVEL[mine]}
    assert not above, f"{path.relative_to(PACKAGE)} imports {sorted(above)}, from above"


def test_the_check_sees_an_upward_import() -> None:
    # The reader of imports must find each form of import that could point upward.
    sample = PACKAGE / "interpreters" / "record.py"
    found = imports(sample)
    assert "logic" in found and "dsl" in found
    assert "cohort" in imports(PACKAGE / "cli.py")
    assert "" in imports(PACKAGE / "__main__.py") or "cli" in imports(PACKAGE / "__main__.py")


#: The modules written once for both vectorised engines: they build expressions only
#: through the engine's backend, so they import neither engine.
ENGINE_NEUTRAL = (
    *(
        f"interpreters/cells/{p.name}"
        for p in sorted((PACKAGE / "interpreters" / "cells").glob("*.py"))
    ),
    "interpreters/vector.py",
)


def _shared_reader() -> str:
    """The text of the shared cell reader, every module of ``interpreters/cells/``."""
    return "\n".join(
        p.read_text(encoding="utf-8")
        for p in sorted((PACKAGE / "interpreters" / "cells").glob("*.py"))
    )


@pytest.mark.parametrize("name", ENGINE_NEUTRAL)
def test_the_shared_compilers_import_no_engine(name: str) -> None:
    tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if node.level == 0 or top in ("frame", "sql"):
                imported.add(top)
    assert not imported & {"polars", "sqlglot", "duckdb", "pyspark", "frame", "sql"}, name


def test_a_cell_is_read_in_one_place() -> None:
    # Each engine's cells.py holds its backend only: the reading (the error texts, the
    # checks across facts) is in the package interpreters/cells/, once.
    shared = _shared_reader()
    for engine in ("frame", "sql"):
        text = (PACKAGE / "interpreters" / engine / "cells.py").read_text(encoding="utf-8")
        for phrase in ("true or false", "a whole-number grade", "completed years, as", "mmHg"):
            assert phrase in shared
            assert phrase not in text, f"{engine}/cells.py spells {phrase!r} again"
