"""Benchmark: ``import liverfail_criteria`` in a fresh interpreter.

Reports the import's own cumulative time as ``python -X importtime`` measures it, and
the wall time of ``python -c "import liverfail_criteria"`` less that of ``python -c
pass``, each the median of several runs.

    python benchmarks/bench_import.py [--runs 15] [--instructions]

With ``--instructions`` (needs valgrind), also the instructions the import executes
(``python -c "import liverfail_criteria"`` less ``python -c pass``, counted by
callgrind): the same count on a loaded machine as on a quiet one, so a change's
effect on import time can be measured while other work runs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time


def importtime_us() -> int:
    """The cumulative import time of liverfail_criteria, from -X importtime, in µs."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import liverfail_criteria"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == "liverfail_criteria":
            return int(parts[1])
    raise RuntimeError("liverfail_criteria not in -X importtime output")


def wall_ms(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return (time.perf_counter() - start) * 1e3


def instructions(code: str) -> int:
    """The instructions ``python -c code`` executes, counted by valgrind's callgrind."""
    valgrind = ("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null")
    done = subprocess.run(
        [*valgrind, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError("no instruction count in callgrind's output")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--instructions", action="store_true", help="count with callgrind")
    args = parser.parse_args(argv)
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind")
    wall_ms("import liverfail_criteria")  # warm the file system cache and .pyc files
    own = statistics.median(importtime_us() for _ in range(args.runs)) / 1e3
    base = statistics.median(wall_ms("pass") for _ in range(args.runs))
    full = statistics.median(wall_ms("import liverfail_criteria") for _ in range(args.runs))
    print(f"python {sys.version.split()[0]}")
    print(f"import liverfail_criteria (-X importtime, cumulative): median {own:6.1f} ms")
    print(f"interpreter start + import, less bare start          : median {full - base:6.1f} ms")
    if args.instructions:
        count = instructions("import liverfail_criteria") - instructions("pass")
        print(f"instructions of the import (callgrind)               : {count / 1e6:8.1f} M")


if __name__ == "__main__":
    main()
