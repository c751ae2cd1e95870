"""One SELECT: the plan's cells read, the ruleset compiled, the result's columns.

The output columns are those of :func:`liverfail_criteria.screen`, in its order: the id
(or ``row``), ``status``, ``groups``, ``missing``, ``errors``, one boolean per ruleset
and per criterion, and (optionally) ``record``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from ...dsl import Ruleset
from ...errors import DefinitionError
from ..facts import Native
from ..plan import Plan, UnitTable
from .cells import given_ref, read_cells
from .compile import apply, compiled, missing_list, node_name, remembered
from .dialect import SqlDialect
from .frame import Frame, ref, source_column
from .ops import case, coalesce, is_null, lit, not_

__all__ = ["build_query", "output_name", "short_name"]


def build_query(
    source: Any,
    columns: Iterable[str],
    plan: Plan,
    ruleset: Ruleset,
    params: Mapping[str, Native | None],
    tables: Mapping[str, UnitTable],
    d: SqlDialect,
    *,
    assume_absent: Iterable[str] = (),
    keep_record: bool = True,
    pretty: bool = False,
    shorten_names: bool = False,
) -> str:
    """The screening of ``source`` (a sqlglot ``FROM`` item) as the SQL text of one SELECT.

    The text is a function of the arguments alone: it is remembered for the last few
    argument sets (a repeated query is not compiled again). An output name longer than
    the dialect keeps (a criterion id of more than 63 bytes, in PostgreSQL) is an error,
    or with ``shorten_names`` its :func:`short_name`, for a runner that renames the
    result's columns back.
    """
    assume_absent = tuple(assume_absent)
    columns = tuple(columns)
    key = (
        source.sql(d.name),
        columns,
        repr(plan),  # attrs' repr: every field, in order
        ruleset,
        tuple(sorted(params.items())),
        repr(sorted(tables.items())),
        d.name,
        assume_absent,
        keep_record,
        pretty,
        shorten_names,
    )
    return remembered(
        _QUERIES,
        16,
        key,
        lambda: _build(
            source,
            columns,
            plan,
            ruleset,
            params,
            tables,
            d,
            assume_absent,
            keep_record,
            pretty,
            shorten_names,
        ),
    )


_QUERIES: dict[Any, str] = {}


def _build(
    source: Any,
    columns: Iterable[str],
    plan: Plan,
    ruleset: Ruleset,
    params: Mapping[str, Native | None],
    tables: Mapping[str, UnitTable],
    d: SqlDialect,
    assume_absent: Iterable[str],
    keep_record: bool,
    pretty: bool,
    shorten_names: bool,
) -> str:
    frame = Frame(source, columns, d, pretty=pretty)
    if plan.id_column is None:
        frame.add({"row": d.row_index()})
        id_expr = ref("row")
    else:
        id_expr = source_column(plan.id_column)
    error_columns = read_cells(frame, plan, tables, d, assume_absent)
    censored = [n for n in frame.physical if n.startswith(("bound.", "comparator."))]
    nulls = frozenset(n for n in censored if frame.is_null(n))
    criteria = compiled(ruleset, params, d, pretty=pretty, nulls=nulls)
    apply(criteria, frame, d)
    program = criteria.program

    root = ref(node_name(ruleset.id))
    status = case(
        [(root, lit("eligible")), (not_(root.copy()), lit("ineligible"))], lit("undetermined")
    )
    if program.groups:
        groups = d.compact([case([(ref(node_name(r.id)), lit(r.group))]) for r in program.groups])
    else:
        groups = d.empty(d.text_type())
    if error_columns:
        # no error record: their COALESCE is NULL
        none = is_null(coalesce(*[ref(c) for c, _ in error_columns]))
        errors = case(
            [(none, d.empty(d.error_type()))], d.compact([ref(c) for c, _ in error_columns])
        )
    else:
        errors = d.empty(d.error_type())
    outputs: list[tuple[str, Any]] = [
        (plan.id_output, id_expr),
        *[(name, source_column(name)) for name in plan.passthrough],
        ("status", status),
        ("groups", groups),
        ("missing", missing_list(program, d)),
        ("errors", errors),
        *[(r.id, ref(node_name(r.id))) for r in program.rulesets],
        *[(c.id, ref(node_name(c.id))) for c in program.criteria],
    ]
    if keep_record:
        if plan.facts:
            record = d.struct({f.name: given_ref(f.name) for f in plan.facts})
        else:
            record = d.null("STRUCT<x BOOLEAN>" if d.has_struct else "JSONB")
        outputs.append(("record", record))
    outputs = [(output_name(name, d, shorten_names), e) for name, e in outputs]
    return str(frame.select(outputs))


def short_name(name: str) -> str:
    """``name`` cut to 40 bytes, then ``~`` and 12 hex digits of its SHA-256: 53 bytes."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    head = name.encode("utf-8")[:40].decode("utf-8", errors="ignore")
    return f"{head}~{digest}"


def output_name(name: str, d: SqlDialect, shorten: bool) -> str:
    """The name of an output column in ``d``: ``name``, or its :func:`short_name`.

    Raises:
        DefinitionError: ``name`` is longer than ``d`` keeps and ``shorten`` is false:
            the engine would truncate it silently (two names could become one).
    """
    limit = d.max_identifier
    if limit is None or len(name.encode("utf-8")) <= limit:
        return name
    if shorten:
        return short_name(name)
    raise DefinitionError(
        f"the output column {name!r} is {len(name.encode('utf-8'))} bytes long, and "
        f"{d.name} truncates names to {limit} bytes: expected criterion and ruleset ids "
        f"of at most {limit} bytes for to_sql(dialect={d.name!r}) "
        "(screen_postgres renames long ones and gives them back)"
    )
