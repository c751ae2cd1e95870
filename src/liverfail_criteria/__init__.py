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
    UnreadableSourceError,
    UnwritableOutputError,
)
from .interpreters.record import evaluate
from .interpreters.text import describe
from .logic import Outcome
from .records.api import (
    from_events,
    from_fhir,
    from_omop,
    omop_sql,
    record_from_fhir,
    screen_omop,
)
from .records.decisions import READING_DECISIONS
from .result import SCHEMA_VERSION, Eligibility, Fact, Node, Result, Source, Value
from .sql import screen_duckdb, screen_postgres, screen_spark, to_sql
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
from .units import UnitSpec, ureg

#: Every interpretation decision: the criteria's, in protocol order
#: (``liverfail_criteria.trial.DECISIONS``), then those of reading clinical records
#: (``liverfail_criteria.records.RECORD_DECISIONS``) and OMOP tables
#: (``liverfail_criteria.records.OMOP_DECISIONS``). Each has an id, the protocol text
#: it interprets (empty where records, not the protocol, raise the question), the
#: decision, why and the alternative; the docs site's decisions page shows them all.
DECISIONS: tuple[Decision, ...] = _TRIAL_DECISIONS + READING_DECISIONS

__version__ = "0.1.0"

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
