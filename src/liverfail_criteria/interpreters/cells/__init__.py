"""Reading a table's cells into facts, once for both vectorised engines.

This is where a cell is read: a number, a text with its unit (``"85 umol/L"``), a
censored value (``"<20 10*9/L"``), a unit from ``units=`` or a per-row unit column, a
true/false, a grade, a category, a date. Each fact column of the
:class:`~liverfail_criteria.interpreters.plan.Plan` becomes the fact's canonical value
(``fact.<name>``: a double in the canonical unit, a boolean, a grade, a category, a
date), a censored value's bound and comparator (``bound.<name>``, ``comparator.<name>``),
the value as read (``given.<name>``, for the row's ``record``), and, where a cell cannot
be used, an error (``{field, value, expected}``). Then the checks across facts that the
reference evaluator makes (:mod:`..facts`) leave out every cell of a contradiction, and
the implications of ``sex = "male"`` and the caller's ``assume_absent`` fill in facts.

The reading is written once, against a :class:`CellBackend` that builds one engine's
expressions and adds them to its table in stages (:mod:`..frame.cells` for polars,
:mod:`..sql.cells` for SQL), as :mod:`..vector` compiles the criteria once for both. The
texts of the errors and the checks across facts are data (:data:`CONTRADICTIONS` and
the constants below), not code repeated per engine. The reference evaluator reads a
record on its own (:mod:`..facts`): it is what this module is tested against.

Each stage reads only the columns of earlier stages, so no expression is computed
twice. An invalid cell is marked in its stage (:meth:`CellBackend.mark`: a list of
``(condition, expected)`` branches, the first that holds says what the cell should
have been); the engine decides how the error's text is kept (polars builds it only for
the rows marked, SQL in a column).
"""

from .backend import TEXT_KIND, TYPE_OF, CellBackend
from .checks import CONTRADICTIONS, Contradiction
from .read import read_cells
from .texts import unknown_spelling

__all__ = [
    "CONTRADICTIONS",
    "TEXT_KIND",
    "TYPE_OF",
    "CellBackend",
    "Contradiction",
    "read_cells",
    "unknown_spelling",
]
