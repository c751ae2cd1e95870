"""Interpreters over the criteria trees.

- :mod:`.facts`: reads one patient record into checked, canonical facts.
- :mod:`.record`: the reference evaluator of one record, with its evaluation tree.
- :mod:`.text`, :mod:`.clinical`, :mod:`.markdown`: write expressions out for people.
- :mod:`.plan` and :mod:`.spellings`: how a table's columns are read, engine-neutrally.
- :mod:`.vector`: the vectorised compiler, one walk of the criteria for every engine;
  :mod:`.frame` builds its polars expressions, :mod:`.sql` its SQL (``lc.to_sql``).

Nothing here imports :mod:`liverfail_criteria.cohort`, which runs these on tables.
"""
