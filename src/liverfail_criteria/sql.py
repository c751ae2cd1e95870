"""The SQL functions under their earlier module path, ``liverfail_criteria.sql``.

Each is defined once, with its documentation, in the module that holds it:
:func:`~liverfail_criteria.to_sql` in :mod:`.interpreters.sql.api`,
:func:`~liverfail_criteria.screen_duckdb` in :mod:`.cohort.duck`,
:func:`~liverfail_criteria.screen_postgres` in :mod:`.cohort.postgres` and
:func:`~liverfail_criteria.screen_spark` in :mod:`.cohort.spark`; this module only
names them, for code that imports them from here.
"""

from __future__ import annotations

from .cohort.duck import screen_duckdb
from .cohort.postgres import screen_postgres
from .cohort.spark import screen_spark
from .interpreters.sql.api import to_sql

__all__ = ["screen_duckdb", "screen_postgres", "screen_spark", "to_sql"]
