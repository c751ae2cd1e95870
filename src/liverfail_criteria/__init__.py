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

from typing import TYPE_CHECKING, Any

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
    UnreadableSourceError,
    UnwritableOutputError,
)
from .interpreters.record import evaluate
from .interpreters.text import describe
from .lazy import lazy_attributes
from .logic import Outcome
from .records.decisions import READING_DECISIONS
from .result import SCHEMA_VERSION, Eligibility, Fact, Node, Result, Source, Value
from .trial import (
    ACLF,
    CLF,
    ELIGIBILITY,
    EXCLUSIONS,
    INCLUSION,
    PARAMETERS,
    TRIAL,
)
from .trial import DECISIONS as _TRIAL_DECISIONS
from .units import UnitSpec
from .version import __version__

if TYPE_CHECKING:
    from .cohort.duck import screen_duckdb
    from .cohort.explain import explain_row
    from .cohort.funnel import funnel, missingness
    from .cohort.postgres import screen_postgres
    from .cohort.screen import screen
    from .cohort.spark import screen_spark
    from .interpreters.sql.api import to_sql
    from .records.api import (
        from_events,
        from_fhir,
        from_omop,
        omop_sql,
        record_from_fhir,
        screen_omop,
    )
    from .units import ureg

#: Every interpretation decision: the criteria's, in protocol order
#: (``liverfail_criteria.trial.DECISIONS``), then those of reading clinical records
#: (``liverfail_criteria.records.RECORD_DECISIONS``) and OMOP tables
#: (``liverfail_criteria.records.OMOP_DECISIONS``). Each has an id, the protocol text
#: it interprets (empty where records, not the protocol, raise the question), the
#: decision, why and the alternative; the docs site's decisions page shows them all.
DECISIONS: tuple[Decision, ...] = _TRIAL_DECISIONS + READING_DECISIONS

#: The public functions of the table engines, each defined once in its module, which is
#: imported on first use (the modules import their extras, polars, sqlglot, duckdb,
#: only when called); and ``ureg``, pint's registry, made on first use.
_LAZY = {
    "explain_row": "cohort.explain",
    "funnel": "cohort.funnel",
    "missingness": "cohort.funnel",
    "screen": "cohort.screen",
    "screen_duckdb": "cohort.duck",
    "screen_postgres": "cohort.postgres",
    "screen_spark": "cohort.spark",
    "to_sql": "interpreters.sql.api",
    **dict.fromkeys(
        ("from_events", "from_fhir", "from_omop", "omop_sql", "record_from_fhir", "screen_omop"),
        "records.api",
    ),
}


def __getattr__(name: str) -> Any:
    if name == "ureg":
        from .units import registry

        return registry()
    return _lazy(name)


_lazy = lazy_attributes(__name__, _LAZY)


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
    "UnreadableSourceError",
    "UnwritableOutputError",
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
    "from_events",
    "from_fhir",
    "from_omop",
    "funnel",
    "missingness",
    "omop_sql",
    "record_from_fhir",
    "screen",
    "screen_duckdb",
    "screen_omop",
    "screen_postgres",
    "screen_spark",
    "to_sql",
    "ureg",
    "variable",
    "years_between",
]
