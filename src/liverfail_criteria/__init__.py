"""liverfail_criteria: the eligibility criteria of trial NCT05727722 as a declarative DSL.

Evaluate one patient::

    import liverfail_criteria as lc

    result = lc.evaluate({"age": "52 years", "total_bilirubin": "120 umol/L", ...})
    result.status     # Eligibility.ELIGIBLE | INELIGIBLE | UNDETERMINED
    result.groups     # frozenset({"CLF"}), {"ACLF"}, both, or none
    result.missing    # facts that could change an UNDETERMINED status
    print(result.explain())

The criteria are plain data (:mod:`liverfail_criteria.dsl`); the trial's rulesets are
:data:`CLF`, :data:`ACLF`, :data:`EXCLUSIONS` and :data:`ELIGIBILITY`.
"""

from __future__ import annotations

from typing import Any

from .cohort import explain_row, funnel, missingness, screen
from .dictionary import VARIABLES, variable
from .dsl import (
    Criterion,
    Decision,
    Expr,
    Kind,
    Parameter,
    Ruleset,
    ValueType,
    Variable,
    all_of,
    any_of,
    at_least,
    choice,
    coalesce,
    days_between,
    years_between,
)
from .errors import (
    CriteriaInputError,
    DefinitionError,
    LiverfailError,
    MissingDependencyError,
)
from .interpreters.record import evaluate
from .interpreters.text import describe
from .logic import Outcome
from .result import SCHEMA_VERSION, Eligibility, Fact, Node, Result, Source, Value
from .sql import screen_duckdb, screen_spark, to_sql
from .trial import (
    ACLF,
    CLF,
    DECISIONS,
    ELIGIBILITY,
    EXCLUSIONS,
    INCLUSION,
    PARAMETERS,
    TRIAL,
)
from .units import UnitSpec

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # ``lc.ureg``, the pint registry, is made (and pint imported) on first access.
    if name == "ureg":
        from .units import registry

        return registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ACLF",
    "CLF",
    "DECISIONS",
    "ELIGIBILITY",
    "EXCLUSIONS",
    "INCLUSION",
    "PARAMETERS",
    "SCHEMA_VERSION",
    "TRIAL",
    "VARIABLES",
    "CriteriaInputError",
    "Criterion",
    "Decision",
    "DefinitionError",
    "Eligibility",
    "Expr",
    "Fact",
    "Kind",
    "LiverfailError",
    "MissingDependencyError",
    "Node",
    "Outcome",
    "Parameter",
    "Result",
    "Ruleset",
    "Source",
    "UnitSpec",
    "Value",
    "ValueType",
    "Variable",
    "__version__",
    "all_of",
    "any_of",
    "at_least",
    "choice",
    "coalesce",
    "days_between",
    "describe",
    "evaluate",
    "explain_row",
    "funnel",
    "missingness",
    "screen",
    "screen_duckdb",
    "screen_spark",
    "to_sql",
    "ureg",
    "variable",
    "years_between",
]
