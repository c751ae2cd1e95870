"""MkDocs hook: add the pages generated from the criteria to the site at build time.

The pages are produced by the package's own documentation renderer
(:mod:`liverfail_criteria.interpreters.markdown`), from the same definitions the
evaluator runs, so they cannot drift from the code. They are never written to
``docs/``: MkDocs reads them from memory as if they were there, under ``criteria/``.
"""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files

from liverfail_criteria.interpreters.markdown import trial_site

#: The folder of ``docs/`` the generated pages appear in.
FOLDER = "criteria"


def on_files(files: Files, config: Any) -> Files:
    """Add each generated page as a virtual file."""
    for name, markdown in trial_site().pages().items():
        files.append(File.generated(config, f"{FOLDER}/{name}", content=markdown))
    return files
