"""Run a Python module and write its own peak resident memory to a file when it exits.

    python -m bench.peak OUT_FILE MODULE [ARGS...]

The benchmark cannot take a child's peak from ``wait4``: Linux carries the parent's high-water
mark into a forked child (exec records the copied address space's peak), so a child of the
benchmark process, which holds the corpus and the baselines, reported the parent's memory
(338 MB for every build past a point). ``VmHWM`` in ``/proc/self/status`` belongs to the
address space made at exec, so it is the child's own.
"""

from __future__ import annotations

import atexit
import runpy
import sys
from pathlib import Path


def peak_kb() -> int:
    """Return this process's peak resident memory in KB (0 where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    out, module, *args = sys.argv[1:]
    atexit.register(lambda: Path(out).write_text(str(peak_kb())))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
