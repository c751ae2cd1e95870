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
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from ...dsl import Kind, Ruleset
from ...dsl.nodes import Op
from ..facts import Native
from ..vector import MASK_BITS, Program, compile_program, mask_position
from .cells import bound_ref, comparator_ref, completed_years, fact_ref
from .dialect import SqlDialect
from .frame import Frame, generator, is_null_constant, ref
from .numeric import quantise_stages
from .ops import (
    add,
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
    needs_parens,
    not_,
    or_,
    sqlglot_exp,
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


def _operand(word: Any) -> Any:
    """A mask word as an operand of ``|`` (copied if in a tree; wrapped if an operator)."""
    exp = sqlglot_exp()

    word = word if word.parent is None else word.copy()
    return exp.Paren(this=word) if needs_parens(exp.BitwiseOr, word) else word


def _is_null(e: Any) -> bool:
    """Whether ``e`` is NULL in every row, by its expression alone."""
    return is_null_constant(e, lambda _: False)


def _strict_reads(e: Any) -> set[str] | None:
    """The columns ``e`` reads, if it is NULL exactly where one of them is; else ``None``.

    Columns, constants other than NULL, and comparisons, sums, differences and products
    of them (a quotient can be NULL where nothing is: DuckDB's ``x / 0``).
    """
    exp = sqlglot_exp()
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, exp.Column):
        return {e.name}
    if isinstance(e, exp.Literal) or (isinstance(e, exp.Neg) and isinstance(e.this, exp.Literal)):
        return set()
    if isinstance(
        e, (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.Add, exp.Sub, exp.Mul)
    ):
        left, right = _strict_reads(e.this), _strict_reads(e.expression)
        return None if left is None or right is None else left | right
    return None


def _bits_of(word: Any) -> set[str] | None:
    """The columns of a word ``CASE WHEN c IS NULL THEN bit ELSE 0 END | ...``; else ``None``."""
    exp = sqlglot_exp()
    while isinstance(word, exp.Paren):
        word = word.this
    if isinstance(word, exp.BitwiseOr):
        left, right = _bits_of(word.this), _bits_of(word.expression)
        return None if left is None or right is None else left | right
    ifs = word.args.get("ifs") if isinstance(word, exp.Case) else None
    if not ifs or len(ifs) != 1 or word.args.get("this") is not None:
        return None
    test, default = ifs[0].this, word.args.get("default")
    zero = isinstance(default, exp.Literal) and default.this == "0"
    if not zero or not isinstance(test, exp.Is) or test.args.get("negate"):
        return None
    if not isinstance(test.this, exp.Column) or not isinstance(test.expression, exp.Null):
        return None
    return {test.this.name}


def _boolean(e: Any) -> bool:
    """Whether ``e`` is of SQL's true/false type by its expression alone."""
    exp = sqlglot_exp()

    if isinstance(e, exp.Boolean):
        return True
    if isinstance(e, exp.Cast):
        return bool(e.to.is_type("boolean"))
    if isinstance(e, (exp.Predicate, exp.Connector, exp.Not)):
        return True
    if isinstance(e, exp.Case) and e.args.get("this") is None:
        default = e.args.get("default")
        results = [i.args["true"] for i in e.args.get("ifs") or []]
        return all(_boolean(r) for r in [*results, *([default] if default else [])])
    return False


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

    def __init__(self, d: SqlDialect, nulls: frozenset[str] = frozenset()) -> None:
        self.d = d
        self.nulls = nulls
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
        """A censored fact's bound (NULL where the fact is exact or missing).

        A NULL constant where the table has no censored values of the fact.
        """
        if f"bound.{name}" in self.nulls:
            return self.d.null("DOUBLE")
        return bound_ref(name)

    def comparator(self, name: str) -> Any:
        """A censored fact's comparator, ``<``, ``<=``, ``>`` or ``>=`` (else NULL)."""
        if f"comparator.{name}" in self.nulls:
            return self.d.null(self.d.text_type())
        return comparator_ref(name)

    def when(self, condition: Any, value: Any) -> Any:
        """``CASE WHEN condition THEN value END``: a typed NULL where both say it is one.

        (Where the condition is a NULL constant and the value is true or false.)
        """
        if _is_null(condition) and _boolean(value):
            return self.d.null("BOOLEAN")
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
        if _is_null(left) or _is_null(right):
            return self.d.null("BOOLEAN")
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
        both = add(met.copy(), unknown)
        return case(
            [(ge(met, lit(n)), lit(True)), (lt(both, lit(n)), lit(False))],
            self.d.null("BOOLEAN"),
        )

    def coalesce(self, values: Sequence[Any]) -> Any:
        """``COALESCE(...)`` of the values that are not NULL constants (of one kind).

        A single value is itself; no value left, the first.
        """
        kept = [v for v in values if not _is_null(v)] or list(values[:1])
        return kept[0] if len(kept) == 1 else coalesce(*kept)

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
            [_operand(w) for w in words],
        )

    def bits_if_null(self, outcome: Any, word: Any) -> Any:
        """``word`` where ``outcome`` is NULL, else 0.

        ``word`` itself where it is the bits of columns (``CASE WHEN c IS NULL THEN
        bit ELSE 0 END | ...``) that ``outcome`` reads strictly (a comparison or sum of
        columns and constants, NULL exactly where one of its columns is): then ``word``
        is 0 wherever ``outcome`` is not NULL.
        """
        reads = _strict_reads(outcome)
        bits = _bits_of(word)
        if reads is not None and bits is not None and bits <= reads:
            return word
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
    ruleset: Ruleset,
    params: Mapping[str, Native | None],
    d: SqlDialect,
    nulls: frozenset[str] = frozenset(),
) -> Program:
    """Compile ``ruleset`` with the parameters' canonical values (``None``: unset).

    Each node's mask reads the node's column where it can (:meth:`SqlBackend.own_mask`).
    ``nulls``: the censored facts' columns (``bound.<fact>``, ``comparator.<fact>``)
    that are NULL in every row of the table (its cells cannot be censored), so that no
    comparison of a censored value is written for them.
    """
    backend = SqlBackend(d, nulls)
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
    ruleset: Ruleset,
    params: Mapping[str, Native | None],
    d: SqlDialect,
    *,
    pretty: bool,
    nulls: frozenset[str] = frozenset(),
) -> Compiled:
    """The :class:`Compiled` ruleset: once per ruleset, parameters, dialect, indent, nulls.

    The criteria's SQL depends on the table only through ``nulls`` (see
    :func:`compile_ruleset`; its references are resolved in each query's frame), so a
    second query of the same ruleset, for any table of the same kind, reuses it.
    """
    key = (ruleset, tuple(sorted(params.items())), d.name, pretty, nulls)
    return remembered(_COMPILED, 32, key, lambda: _compile(ruleset, params, d, pretty, nulls))


_COMPILED: dict[Any, Compiled] = {}
_T = TypeVar("_T")


def remembered(cache: dict[Any, _T], limit: int, key: Hashable, make: Callable[[], _T]) -> _T:
    """``cache[key]``, made by ``make()`` the first time; past ``limit`` entries, the oldest goes.

    For values that are pure functions of their key (the criteria's SQL, whole queries).
    """
    found = cache.get(key)
    if found is None:
        if len(cache) >= limit:
            cache.pop(next(iter(cache)))
        found = cache[key] = make()
    return found


def _compile(
    ruleset: Ruleset,
    params: Mapping[str, Native | None],
    d: SqlDialect,
    pretty: bool,
    nulls: frozenset[str],
) -> Compiled:
    program = compile_ruleset(ruleset, params, d, nulls)
    writer = generator(d, pretty)

    def write(columns: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        return tuple((n, str(writer.generate(e, copy=False))) for n, e in columns.items())

    stages: list[Stage] = []
    masks: dict[str, Any] = {}
    for k, level in enumerate(program.levels, start=1):
        batch = masks
        masks = {}
        for id_, outcome, mask in level:
            batch[node_name(id_)] = outcome if _boolean(outcome) else cast(outcome, "BOOLEAN")
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
    exp = sqlglot_exp()

    root = program.ruleset.id
    if not program.facts:
        return d.empty(d.text_type())
    nothing = and_(*[eq(ref(mask_name(root, w)), lit(0)) for w in range(program.words)])
    words = [
        d.named_bits(program.facts[w * MASK_BITS : (w + 1) * MASK_BITS], ref(mask_name(root, w)))
        for w in range(program.words)
    ]
    if all(w is not None for w in words):
        listed = (
            words[0] if len(words) == 1 else exp.ArrayConcat(this=words[0], expressions=words[1:])
        )
        return case([(nothing, d.empty(d.text_type()))], listed)
    names = []
    for i, name in enumerate(program.facts):
        word, bit = mask_position(i)
        has = exp.BitwiseAnd(this=ref(mask_name(root, word)), expression=lit(bit))
        names.append(case([(ne(has, lit(0)), lit(name))]))
    return case([(nothing.copy(), d.empty(d.text_type()))], d.compact(names))
