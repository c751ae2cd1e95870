"""Generate the FHIR example: decompensated cirrhosis patients simulated by clinosim.

Run from the repository root (needs the ``clinosim`` test dependency, pinned in
pyproject.toml's ``test-records`` group)::

    python examples/fhir/generate.py

It simulates a seeded cohort with clinosim's ``test-disease`` command and keeps the
Patient, Observation and Condition NDJSON files of its FHIR R4 Bulk Data output,
gzipped, in ``examples/fhir/export/``. The same seed gives the same patients.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SEED = 20261020
PATIENTS = 8
KEPT = ("Patient", "Observation", "Condition")
HERE = Path(__file__).resolve().parent


def main() -> None:
    out = HERE / "export"
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable, "-m", "clinosim.simulator.cli", "test-disease",
            "liver_cirrhosis_decompensated", "-n", str(PATIENTS), "-s", str(SEED),
            "--format", "fhir-r4", "-o", tmp,
        ]  # fmt: skip
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        for kind in KEPT:
            source = Path(tmp) / "fhir_r4" / f"{kind}.ndjson"
            with (
                source.open("rb") as f,
                gzip.GzipFile(out / f"{kind}.ndjson.gz", "wb", mtime=0) as g,
            ):
                shutil.copyfileobj(f, g)
    print(f"wrote {', '.join(k + '.ndjson.gz' for k in KEPT)} to {out}")


if __name__ == "__main__":
    main()
