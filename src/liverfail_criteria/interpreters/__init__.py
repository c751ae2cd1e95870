"""Interpreters over the criteria trees.

- :mod:`.facts`: reads one patient record into checked, canonical facts.
- :mod:`.record`: the reference evaluator of one record, with its evaluation tree.
- :mod:`.text`: writes expressions out for people (tree titles, documentation).
"""
