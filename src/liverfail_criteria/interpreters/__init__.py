"""Interpreters over the criteria trees.

- :mod:`.record`: the reference evaluator of one patient record, with its tree.
- :mod:`.text`: writes expressions out for people (tree titles, documentation).
"""
