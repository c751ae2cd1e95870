"""MkDocs hook: add the pages generated from the criteria to the site at build time.

It also draws the screening funnel of the example cohort that the cohort guide shows.

The pages are produced by the package's own documentation renderer
(:mod:`liverfail_criteria.interpreters.markdown`), from the same definitions the
evaluator runs, so they cannot drift from the code. They are never written to
``docs/``: MkDocs reads them from memory as if they were there, under ``criteria/``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

from liverfail_criteria.interpreters.markdown import trial_site

#: The folder of ``docs/`` the generated pages appear in.
FOLDER = "criteria"


#: The example cohort whose funnel the guide shows, and the units of its columns.
COHORT = Path(__file__).resolve().parents[2] / "examples" / "cohort" / "cohort.csv"
UNITS = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}


def funnel_figure() -> bytes:
    """The example cohort's screening funnel, drawn now, as SVG."""
    import liverfail_criteria as lc

    results = lc.screen(COHORT, units=UNITS)
    figure = lc.funnel(results).plot(title="Screening funnel: the example cohort")
    out = io.BytesIO()
    figure.savefig(out, format="svg", bbox_inches="tight")
    return out.getvalue()


def on_files(files: Files, config: Any) -> Files:
    """Add each generated page, and the funnel figure, as virtual files."""
    for name, markdown in trial_site().pages().items():
        files.append(File.generated(config, f"{FOLDER}/{name}", content=markdown))
    files.append(File.generated(config, "guide/funnel.svg", content=funnel_figure()))
    return files
