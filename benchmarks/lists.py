"""Address lists at scale: IOC loading, and analyze with many internal networks.

Usage: ``python benchmarks/lists.py [--rows 20000] [--sizes 0,2000,20000,1000000]``

Writes a generated Linux ``netstat -anp`` capture of ``--rows`` rows, then for each size a list
of that many random /24 networks (none of which holds the capture's peers, so that every lookup
runs to the end), and times, in one process each:

- loading a 1M-entry IOC file (``netset.ioc_set``), CPU seconds;
- ``netnorm analyze -f json --jobs 1 --internal-file LIST`` on the capture (no list for 0).
  A TOML ``internal = [...]`` of a million strings takes tomllib about 7 s to read alone, so
  long lists go in a file.

Prints one line per run and the load average, as the other benchmarks do.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import generate


def _networks(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    # 198.18.0.0/15 and the like are avoided: the ranges are only "public" /24s in 1-223
    return [
        f"{rng.choice([n for n in range(1, 224) if n not in (10, 127)])}."
        f"{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24"
        for _ in range(count)
    ]


def _cpu(command: list[str], cwd: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of a command and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--sizes", default="0,2000,20000,1000000")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="netnorm-lists-") as tmp:
        folder = Path(tmp)
        capture = generate.write_linux_anp(folder / "c.txt", args.rows)
        big = _networks(1_000_000, 1)
        ioc = folder / "ioc.txt"
        ioc.write_text("\n".join(big) + "\n", encoding="utf-8")
        code = (
            "import time; from netnorm.analysis.netset import ioc_set; "
            f"t = time.process_time(); s = ioc_set(({str(ioc)!r},)); "
            "print(f'{s.size} entries in {time.process_time() - t:.2f} s CPU')"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        print(f"IOC file of 1,000,000 /24s: {out.stdout.strip() or out.stderr.strip()}")
        for size in sizes:
            command = ["netnorm", "analyze", "-f", "json", "-j", "1"]
            if size:
                listed = folder / f"internal-{size}.txt"
                listed.write_text("\n".join(big[:size]) + "\n", encoding="utf-8")
                command += ["--internal-file", str(listed)]
            cpu, wall = _cpu([*command, str(capture)], folder)
            print(
                f"analyze {args.rows:,} rows, {size:>9,} internal networks: "
                f"{cpu:6.2f} s CPU, {wall:6.2f} s wall"
            )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
