"""Screening whole cohorts: tables in, a table of outcomes out, a funnel, pictures.

Needs the ``cohort`` extra (``pip install 'liverfail-criteria[cohort]'``): polars, and
matplotlib for the funnel figure. Nothing here imports them until it is called, so
``import liverfail_criteria`` stays light.
"""

from __future__ import annotations

from .explain import explain_row
from .funnel import funnel, missingness
from .screen import screen

__all__ = ["explain_row", "funnel", "missingness", "screen"]
