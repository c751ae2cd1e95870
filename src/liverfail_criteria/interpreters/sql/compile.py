"""The SQL interpreter: a ruleset compiled to SQL expressions over fact columns.

The walk of the criteria trees is :mod:`..vector`'s, shared with the polars engine;
this module is the SQL side of it: the :class:`SqlBackend` that builds sqlglot
expressions (SQL's ``AND``, ``OR`` and ``NOT`` are Kleene's, NULL is UNKNOWN; masks are
BIGINT words), and the stages that add the compiled columns to a :class:`~.frame.Frame`
whose fact columns :func:`.cells.read_cells` made.
"""

from __future__ import annotations

import datetime as dt
from builtins import id as builtins_id
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ...dsl import Kind, Ruleset
from ...dsl.nodes import Op
from ..facts import Native
from ..vector import Program, compile_program, mask_position
from .cells import bound_ref, comparator_ref, completed_years, fact_ref
from .dialect import SqlDialect
from .frame import Frame, is_null_constant, ref
from .numeric import quantise_stages
from .ops import (
    and_,
    balanced,
    case,
    cast,
    coalesce,
    div,
    eq,
    ge,
    gt,
    is_null,
    le,
    lit,
    lt,
    mul,
    ne,
    not_,
    or_,
)

__all__ = [
    "Compiled",
    "SqlBackend",
    "apply",
    "compile_ruleset",
    "compiled",
    "mask_name",
    "missing_list",
    "node_name",
]


def node_name(id: str) -> str:
    """The internal column of the outcome of criterion or ruleset ``id``."""
    return f"node.{id}"


def mask_name(id: str, word: int) -> str:
    """The internal column of word ``word`` of node ``id``'s missing-facts mask."""
    return f"mask.{id}.{word}"


class SqlBackend:
    """sqlglot expressions for :func:`..vector.compile_program`, in one dialect.

    It remembers each mask word it makes of an outcome (:meth:`bits_if_null`), so that
    a node's own mask can read the node's column instead of its expression again.
    """

    def __init__(self, d: SqlDialect) -> None:
        self.d = d
        self.when_null: dict[int, tuple[Any, Any]] = {}

    def derived(self, name: str) -> Any:
        """A derived quantity's internal column."""
        return ref(name)

    def node(self, id: str) -> Any:
        """See :func:`node_name`."""
        return ref(node_name(id))

    def mask(self, id: str, word: int) -> Any:
        """See :func:`mask_name`."""
        return ref(mask_name(id, word))

    def fact(self, name: str) -> Any:
        """The fact's column."""
        return fact_ref(name)

    def bound(self, name: str) -> Any:
        """A censored fact's bound (NULL where the fact is exact or missing)."""
        return bound_ref(name)

    def comparator(self, name: str) -> Any:
        """A censored fact's comparator, ``<``, ``<=``, ``>`` or ``>=`` (else NULL)."""
        return comparator_ref(name)

    def when(self, condition: Any, value: Any) -> Any:
        """``CASE WHEN condition THEN value END``."""
        return case([(condition, value)])

    def literal(self, value: Native | None, kind: Kind) -> Any:
        """A constant; a typed NULL for ``None``; a double written exactly."""
        d = self.d
        if value is None:
            return {
                Kind.QUANTITY: d.null("DOUBLE"),
                Kind.BOOLEAN: d.null("BOOLEAN"),
                Kind.ORDINAL: d.null("BIGINT"),
                Kind.CATEGORY: d.null(d.text_type()),
                Kind.DATE: d.null("DATE"),
            }[kind]
        if kind is Kind.QUANTITY:
            assert isinstance(value, (int, float))
            return d.double(float(value))
        if isinstance(value, dt.date):
            return d.date(value.isoformat())
        return lit(value)

    def boolean(self, value: bool) -> Any:
        """TRUE or FALSE."""
        return lit(value)

    def compare(self, op: Op, left: Any, right: Any) -> Any:
        """``left op right``."""
        build = {"<": lt, "<=": le, ">": gt, ">=": ge, "==": eq, "!=": ne}[op]
        return build(left, right)

    def all_of(self, outcomes: Sequence[Any]) -> Any:
        """``a AND b AND ...``."""
        return and_(*outcomes)

    def any_of(self, outcomes: Sequence[Any]) -> Any:
        """``a OR b OR ...``."""
        return or_(*outcomes)

    def negate(self, outcome: Any) -> Any:
        """``NOT a``."""
        return not_(outcome)

    def at_least(self, n: int, outcomes: Sequence[Any]) -> Any:
        """Counts of the true and the NULL outcomes, against ``n``."""
        from sqlglot import exp

        met: Any = None
        unknown: Any = None
        for o in outcomes:
            m = case([(coalesce(o, lit(False)), lit(1))], lit(0))
            u = case([(is_null(o), lit(1))], lit(0))
            met = m if met is None else exp.Add(this=met, expression=m)
            unknown = u if unknown is None else exp.Add(this=unknown, expression=u)
        both = exp.Add(this=exp.Paren(this=met.copy()), expression=exp.Paren(this=unknown))
        return case(
            [(ge(met, lit(n)), lit(True)), (lt(both, lit(n)), lit(False))],
            self.d.null("BOOLEAN"),
        )

    def coalesce(self, values: Sequence[Any]) -> Any:
        """``COALESCE(...)``."""
        return coalesce(*values)

    def as_boolean(self, value: Any) -> Any:
        """A true/false value, cast."""
        return cast(value, "BOOLEAN")

    def scaled(self, value: Any, factor: float) -> Any:
        """``value * factor``, the factor an exact double literal."""
        return mul(value, self.d.double(float(factor)))

    def ratio(self, numerator: Any, denominator: Any) -> Any:
        """``numerator / denominator``, NULL where the denominator is 0."""
        return case([(ne(denominator, self.d.double(0.0)), div(numerator, denominator.copy()))])

    def days(self, start: Any, end: Any) -> Any:
        """Whole days, as a double."""
        return cast(self.d.days(start, end), "DOUBLE")

    def years(self, start: Any, end: Any) -> Any:
        """Completed years, as a double."""
        return cast(completed_years(self.d, start, end), "DOUBLE")

    def bit_if_null(self, value: Any, bit: int) -> Any:
        """``bit`` where ``value`` is NULL, else 0."""
        return case([(is_null(value), lit(bit))], lit(0))

    def bits_or(self, words: Sequence[Any]) -> Any:
        """``a | b | ...`` of mask words."""
        from sqlglot import exp

        return balanced(
            lambda a, b: exp.BitwiseOr(this=a, expression=b),
            [exp.Paren(this=w if w.parent is None else w.copy()) for w in words],
        )

    def bits_if_null(self, outcome: Any, word: Any) -> Any:
        """``word`` where ``outcome`` is NULL, else 0."""
        made = case([(is_null(outcome), word)], lit(0))
        self.when_null[id(made)] = (outcome, word)
        return made

    def own_mask(self, id_: str, outcome: Any, word: Any) -> Any:
        """A mask word of node ``id_``, reading the node's column where it can.

        ``CASE WHEN <outcome> IS NULL THEN w ELSE 0 END`` becomes ``CASE WHEN <node> IS
        NULL THEN w ELSE 0 END``: the node's column is its outcome cast to a boolean,
        NULL exactly where the outcome is. Without this, every criterion's expression
        is written twice (and Spark parses and plans it twice).
        """
        made = self.when_null.get(builtins_id(word)) if word is not None else None
        if made is None or made[0] is not outcome:
            return word
        inner = made[1]
        inner.pop()  # taken from the mask it was made for, which is dropped
        return case([(is_null(ref(node_name(id_))), inner)], lit(0))


def compile_ruleset(
    ruleset: Ruleset, params: Mapping[str, Native | None], d: SqlDialect
) -> Program:
    """Compile ``ruleset`` with the parameters' canonical values (``None``: unset).

    Each node's mask reads the node's column where it can (:meth:`SqlBackend.own_mask`).
    """
    backend = SqlBackend(d)
    program = compile_program(ruleset, params, backend)
    levels = tuple(
        tuple(
            (id_, outcome, tuple(backend.own_mask(id_, outcome, w) for w in mask))
            for id_, outcome, mask in level
        )
        for level in program.levels
    )
    return attrs.evolve(program, levels=levels)


#: A stage of the criteria: its name and its columns, as :meth:`.Frame.template` texts.
Stage = tuple[str, tuple[tuple[str, str], ...]]


@attrs.frozen
class Compiled:
    """A ruleset compiled for one dialect and indentation, its criteria written once.

    Attributes:
        program: the compiled ruleset (its derived quantities are copied before use).
        stages: the criteria's stages as SQL, their references not yet resolved: level
            ``k``'s criteria in ``criteria_k`` with the masks of level ``k - 1`` (which
            read those nodes' columns), the root's mask in ``missing``.
    """

    program: Program
    stages: tuple[Stage, ...]


def compiled(
    ruleset: Ruleset, params: Mapping[str, Native | None], d: SqlDialect, *, pretty: bool
) -> Compiled:
    """The :class:`Compiled` ruleset: made once per ruleset, parameters, dialect, indent.

    The criteria's SQL does not depend on the table (its references are resolved in
    each query's frame), so a second query of the same ruleset, for any table, reuses it.
    """
    try:
        key = (ruleset, tuple(sorted(params.items())), d.name, pretty)
        hash(key)
    except TypeError:  # pragma: no cover - parameters are canonical natives
        return _compile(ruleset, params, d, pretty)
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) >= 32:
            _COMPILED.pop(next(iter(_COMPILED)))
        found = _COMPILED[key] = _compile(ruleset, params, d, pretty)
    return found


_COMPILED: dict[Any, Compiled] = {}


def _compile(
    ruleset: Ruleset, params: Mapping[str, Native | None], d: SqlDialect, pretty: bool
) -> Compiled:
    from sqlglot.dialects.dialect import Dialect

    program = compile_ruleset(ruleset, params, d)
    generator = Dialect.get_or_raise(d.name).generator(pretty=pretty)

    def write(columns: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        return tuple((n, str(generator.generate(e, copy=False))) for n, e in columns.items())

    stages: list[Stage] = []
    masks: dict[str, Any] = {}
    for k, level in enumerate(program.levels, start=1):
        batch = masks
        masks = {}
        for id_, outcome, mask in level:
            batch[node_name(id_)] = cast(outcome, "BOOLEAN")
            for w, word in enumerate(mask):
                masks[mask_name(id_, w)] = cast(word if word is not None else lit(0), "BIGINT")
        stages.append((f"criteria_{k}", write(batch)))
    stages.append(("missing", write(masks)))
    return Compiled(program, tuple(stages))


def apply(compiled: Compiled, frame: Frame, d: SqlDialect) -> None:
    """Add the derived quantities, then each criterion and ruleset with its mask.

    A derived quantity of a fact the table lacks is NULL, without rounding stages
    (rounding NULL gives NULL; on Spark, stages of constants would grow as its optimizer
    inlines them). Then the criteria's stages (:attr:`Compiled.stages`).
    """
    for stage in compiled.program.derived:
        lacking = [n for n, e in stage.items() if is_null_constant(e, frame.is_null)]
        frame.add({n: d.null("DOUBLE") for n in lacking})
        rest = {n: e.copy() for n, e in stage.items() if n not in lacking}
        quantise_stages(frame, d, rest)
    for name, columns in compiled.stages:
        frame.add_text(dict(columns), name=name)


def missing_list(program: Program, d: SqlDialect) -> Any:
    """An expression: the root's missing facts as a list of names, in order."""
    from sqlglot import exp

    root = program.ruleset.id
    names = []
    for i, name in enumerate(program.facts):
        word, bit = mask_position(i)
        has = exp.BitwiseAnd(this=ref(mask_name(root, word)), expression=lit(bit))
        names.append(case([(ne(exp.Paren(this=has), lit(0)), lit(name))]))
    if not names:
        return d.empty(d.text_type())
    nothing = and_(*[eq(ref(mask_name(root, w)), lit(0)) for w in range(program.words)])
    return case([(nothing, d.empty(d.text_type()))], d.compact(names))
