"""Development sessions: ``nox -s tests lint typecheck demo bench docs``."""

from __future__ import annotations

import os

import nox

nox.needs_version = ">=2025.2.9"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHONS = ["3.11", "3.12", "3.13"]


def _examples(session: nox.Session) -> dict[str, str]:
    """Hypothesis's profile: in CI, the first Python runs the full ``ci`` profile (300
    derandomized examples a test); the other Pythons and the core alone run ``ci-quick``
    (the same derandomized generator, 100 examples), so CI stays within its time."""
    if not os.environ.get("CI") or os.environ.get("HYPOTHESIS_PROFILE"):
        return {}
    first = session.name == f"tests-{PYTHONS[0]}"
    return {} if first else {"HYPOTHESIS_PROFILE": "ci-quick"}


#: pytest-xdist's workers, one per CPU: the suite is many independent engine runs.
PARALLEL = ["-n", "auto"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Install the package with its extras (not editable, as users get it); run the tests."""
    session.install(".[cohort,duckdb]", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", *PARALLEL, *session.posargs, env=_examples(session))


@nox.session(python="3.11")
def tests_spark(session: nox.Session) -> None:
    """The SQL on Spark in local mode (needs Java 17; skipped without it): a minute or two."""
    session.install(".[cohort,duckdb,spark]", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", "-q", "tests/test_sql_spark.py", *session.posargs)


#: The tests that need a PostgreSQL server (they skip without LIVERFAIL_PG_DSN elsewhere).
POSTGRES_TESTS = ["tests/test_sql_postgres.py", "tests/test_omop.py"]
#: The tests that run on every engine through the ``engine`` fixture: with a server,
#: PostgreSQL is one of them (their ``[postgres]`` cases; the others run in ``tests``).
ENGINE_TESTS = [
    "tests/test_boundaries.py",
    "tests/test_cql_conformance.py",
    "tests/test_censored_engines.py",
]


@nox.session(python="3.11")
def tests_postgres(session: nox.Session) -> None:
    """The SQL on a real PostgreSQL server (Debian's packages): a minute or two.

    Uses the server that LIVERFAIL_PG_DSN names (``eval "$(.ci/postgres.sh start)"``);
    without one, starts one with ``.ci/postgres.sh`` and stops it afterwards. A server
    that cannot be reached fails the tests: here they never skip.
    """
    session.install(".[cohort,duckdb,postgres]", *nox.project.dependency_groups(PYPROJECT, "test"))
    env = {"LIVERFAIL_PG_REQUIRED": "1"}
    started = not os.environ.get("LIVERFAIL_PG_DSN")
    if started:
        out = session.run(".ci/postgres.sh", "start", external=True, silent=True)
        # (the output may hold the server's messages too: take the export line)
        line = next(x for x in str(out).splitlines() if x.startswith("export LIVERFAIL_PG_DSN="))
        env["LIVERFAIL_PG_DSN"] = line.split("=", 1)[1].strip("'")
    try:
        session.run("pytest", "-q", *PARALLEL, *POSTGRES_TESTS, *session.posargs, env=env)
        session.run(
            "pytest", "-q", *PARALLEL, *ENGINE_TESTS, "-k", "postgres", *session.posargs, env=env
        )
    finally:
        if started:
            session.run(".ci/postgres.sh", "stop", external=True)


@nox.session(python="3.11")
def tests_core(session: nox.Session) -> None:
    """The core alone (attrs and pint, no extras): it works, and extras fail clearly."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", "-q", *PARALLEL, *session.posargs, env=_examples(session))


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """Ruff: lint and formatting."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """Mypy, strict, on the package (with the extras it can import)."""
    session.install(".[cohort,duckdb]", *nox.project.dependency_groups(PYPROJECT, "typecheck"))
    session.run("mypy")


#: The bundled example cohort and the units of its columns that carry none.
EXAMPLE_COHORT = "examples/cohort/cohort.csv"
EXAMPLE_UNITS = ["body_weight=kg", "age=a", "standard_treatment_duration=d"]


@nox.session(python="3.11")
def demo(session: nox.Session) -> None:
    """The main job: screen the bundled example cohort; explain one example patient."""
    session.install(".[cohort]")
    units = [arg for unit in EXAMPLE_UNITS for arg in ("--units", unit)]
    session.run(
        "liverfail-criteria",
        "screen",
        EXAMPLE_COHORT,
        *units,
        "--out",
        "screening-results.parquet",
        "--figure",
        "screening-funnel.png",
        *session.posargs,
    )
    session.run("liverfail-criteria", "evaluate", "examples/patients/clf_eligible.json")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmarks: one evaluation, the import, screening 1,000,000 rows, and the SQL."""
    session.install(".[cohort,duckdb]")
    session.run("python", "benchmarks/bench_evaluate.py")
    session.run("python", "benchmarks/bench_import.py")
    session.run("python", "benchmarks/bench_screen.py", *session.posargs)
    session.run("python", "benchmarks/bench_sql.py", "--rows", "10000000")


#: Each benchmark at a tiny size: run by CI so that none stops working unnoticed (the
#: figures mean nothing at this size; ``nox -s bench`` and the commands in each
#: benchmark's docstring measure).
BENCH_SMOKE = (
    ("bench_evaluate.py", "--records", "20", "--repeats", "1"),
    ("bench_import.py", "--runs", "2"),
    ("bench_screen.py", "--rows", "2000", "--repeats", "1", "--sample", "100"),
    ("bench_sql.py", "--rows", "2000", "--workdir", "{tmp}/sql"),
    ("bench_engines.py", "--rows", "2000", "--repeats", "1"),
    ("bench_memory.py", "--rows", "2000", "--workdir", "{tmp}/memory"),
    ("bench_omop.py", "--persons", "100", "--workdir", "{tmp}/omop", "--delete"),
    ("bench_fhir.py", "--observations", "2000", "--repeats", "1"),
)


@nox.session(python="3.11")
def bench_smoke(session: nox.Session) -> None:
    """Every benchmark runs to its end at a tiny size (no figures are checked)."""
    session.install(".[cohort,duckdb]", *nox.project.dependency_groups(PYPROJECT, "bench"))
    tmp = session.create_tmp()
    for script, *args in BENCH_SMOKE:
        session.run("python", f"benchmarks/{script}", *(a.format(tmp=tmp) for a in args))


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the documentation site, strictly: a broken link or reference fails."""
    session.install(".[cohort]", *nox.project.dependency_groups(PYPROJECT, "docs"))
    session.run("mkdocs", "build", "--strict", *session.posargs)


@nox.session(name="docs_browser", python="3.11")
def docs_browser(session: nox.Session) -> None:
    """Build the site and check it in headless Chromium: screenshots, search, print.

    Not run by CI: it needs Chromium on the machine (Debian: apt-get install chromium).
    ``nox -s docs_browser -- --out DIR`` keeps the screenshots in DIR.
    """
    session.install(
        ".[cohort]", *nox.project.dependency_groups(PYPROJECT, "docs"), "websocket-client>=1.6,<2"
    )
    session.run("mkdocs", "build", "--strict")
    session.run("python", "tests/browser/check_site.py", *session.posargs)
