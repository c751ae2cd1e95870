"""The cohort interpreter: a ruleset compiled to polars expressions over fact columns.

The walk of the criteria trees is :mod:`..vector`'s, shared with the SQL compiler; this
module is the polars side of it: the :class:`PolarsBackend` that builds polars
expressions (polars' ``&``, ``|`` and ``~`` are Kleene's, null is UNKNOWN), and the
stages that add the compiled columns to a LazyFrame whose fact columns
:func:`.cells.read_cells` made. Each criterion and ruleset becomes a column named by
its id; its missing-facts mask, internal columns beside it. Derived quantities that
the reference rounds are rounded as it rounds them (:mod:`.numeric`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from ...dsl import Kind, Ruleset
from ...dsl.nodes import Op
from ..facts import Native
from ..vector import Program, compile_program
from .cells import (
    bound_column,
    comparator_column,
    completed_years,
    fact_column,
    polars_dtype,
)
from .numeric import quantise_columns

__all__ = ["PolarsBackend", "add_masks", "add_outcomes", "compile_ruleset", "mask_column"]

_P = "__lc."


def mask_column(id: str, word: int) -> str:
    """The internal column of word ``word`` of node ``id``'s missing-facts mask."""
    return f"{_P}mask.{id}.{word}"


def _zero() -> Any:
    import polars as pl

    return pl.lit(0, dtype=pl.Int64)


class PolarsBackend:
    """Polars expressions for :func:`..vector.compile_program`."""

    def derived(self, name: str) -> Any:
        """A derived quantity's internal column."""
        import polars as pl

        return pl.col(f"{_P}{name}")

    def node(self, id: str) -> Any:
        """A criterion's or ruleset's outcome: the column named by its id."""
        import polars as pl

        return pl.col(id)

    def mask(self, id: str, word: int) -> Any:
        """See :func:`mask_column`."""
        import polars as pl

        return pl.col(mask_column(id, word))

    def fact(self, name: str) -> Any:
        """The fact's column."""
        import polars as pl

        return pl.col(fact_column(name))

    def bound(self, name: str) -> Any:
        """A censored fact's bound (null where the fact is exact or missing)."""
        import polars as pl

        return pl.col(bound_column(name))

    def comparator(self, name: str) -> Any:
        """A censored fact's comparator, ``<``, ``<=``, ``>`` or ``>=`` (else null)."""
        import polars as pl

        return pl.col(comparator_column(name))

    def when(self, condition: Any, value: Any) -> Any:
        """``value`` where ``condition`` is true, else null."""
        import polars as pl

        return pl.when(condition).then(value)

    def literal(self, value: Native | None, kind: Kind) -> Any:
        """A constant; a typed null for ``None``."""
        import polars as pl

        if value is None:
            return pl.lit(None, dtype=polars_dtype(kind))
        return pl.lit(value)

    def boolean(self, value: bool) -> Any:
        """True or false."""
        import polars as pl

        return pl.lit(value, dtype=pl.Boolean)

    def compare(self, op: Op, left: Any, right: Any) -> Any:
        """``left op right``."""
        compare: dict[str, Any] = {
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
            "==": left == right,
            "!=": left != right,
        }
        return compare[op]

    def all_of(self, outcomes: Sequence[Any]) -> Any:
        """``a & b & ...``."""
        return functools.reduce(lambda a, b: a & b, outcomes)

    def any_of(self, outcomes: Sequence[Any]) -> Any:
        """``a | b | ...``."""
        return functools.reduce(lambda a, b: a | b, outcomes)

    def negate(self, outcome: Any) -> Any:
        """``~a``."""
        return ~outcome

    def at_least(self, n: int, outcomes: Sequence[Any]) -> Any:
        """Counts of the true and the null outcomes, against ``n``."""
        import polars as pl

        met = pl.sum_horizontal([o.fill_null(False).cast(pl.Int32) for o in outcomes])
        unknown = pl.sum_horizontal([o.is_null().cast(pl.Int32) for o in outcomes])
        return (
            pl.when(met >= n)
            .then(True)
            .when(met + unknown < n)
            .then(False)
            .otherwise(pl.lit(None, dtype=pl.Boolean))
        )

    def coalesce(self, values: Sequence[Any]) -> Any:
        """The first value that is not null."""
        import polars as pl

        return pl.coalesce(list(values))

    def as_boolean(self, value: Any) -> Any:
        """A true/false value, cast."""
        import polars as pl

        return value.cast(pl.Boolean)

    def scaled(self, value: Any, factor: float) -> Any:
        """``value * factor``."""
        return value * factor

    def ratio(self, numerator: Any, denominator: Any) -> Any:
        """``numerator / denominator``, null where the denominator is 0."""
        import polars as pl

        return pl.when(denominator != 0).then(numerator / denominator)

    def days(self, start: Any, end: Any) -> Any:
        """Whole days, as a double."""
        import polars as pl

        return (end - start).dt.total_days().cast(pl.Float64)

    def years(self, start: Any, end: Any) -> Any:
        """Completed years, as a double."""
        import polars as pl

        return completed_years(start, end).cast(pl.Float64)

    def bit_if_null(self, value: Any, bit: int) -> Any:
        """``bit`` where ``value`` is null, else 0."""
        import polars as pl

        return pl.when(value.is_null()).then(pl.lit(bit, dtype=pl.Int64)).otherwise(_zero())

    def bits_or(self, words: Sequence[Any]) -> Any:
        """``a | b | ...`` of mask words."""
        return functools.reduce(lambda a, b: a | b, words)

    def bits_if_null(self, outcome: Any, word: Any) -> Any:
        """``word`` where ``outcome`` is null, else 0."""
        import polars as pl

        return pl.when(outcome.is_null()).then(word).otherwise(_zero())


def compile_ruleset(ruleset: Ruleset, params: Mapping[str, Native | None]) -> Program:
    """Compile ``ruleset`` with the parameters' canonical values (``None``: unset)."""
    return compile_program(ruleset, params, PolarsBackend())


def add_outcomes(program: Program, lf: Any) -> Any:
    """Add the derived quantities and a column per criterion and ruleset to ``lf``."""
    import polars as pl

    for stage in program.derived:
        lf = quantise_columns(lf, {f"{_P}{n}": e for n, e in stage.items()})
    for level in program.levels:
        lf = lf.with_columns(**{id: outcome.cast(pl.Boolean) for id, outcome, _ in level})
    return lf


def add_masks(program: Program, lf: Any) -> Any:
    """Add the missing-facts masks to a LazyFrame :func:`add_outcomes` made.

    Cheapest on the rows whose outcome is unknown alone, the only ones they concern.
    """
    for level in program.levels:
        lf = lf.with_columns(
            **{
                mask_column(id, w): (word if word is not None else _zero())
                for id, _, mask in level
                for w, word in enumerate(mask)
            }
        )
    return lf
