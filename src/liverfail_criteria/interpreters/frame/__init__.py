"""The polars compiler: the criteria and the cells as polars expressions.

- :mod:`.cells`: how each cell is read and checked; :mod:`.compile`: the criteria.
- :mod:`.numeric`: rounding as the reference rounds, for the values that need it.
"""
