"""The SQL compiler: the criteria and the cells as one SELECT, built with sqlglot.

- :mod:`.api`: :func:`~liverfail_criteria.to_sql`, the public entry.
- :mod:`.query`: the query, from the table's plan, its unit tables and the ruleset.
- :mod:`.cells`: how each cell is read and checked; :mod:`.compile`: the criteria.
- :mod:`.frame`: stages of columns as CTEs; :mod:`.ops`: small expression builders.
- :mod:`.dialect`: what differs between DuckDB, Spark and PostgreSQL.
- :mod:`.numeric`: rounding as the reference rounds, for the values that need it.
"""
