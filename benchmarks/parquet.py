"""Parquet write throughput against JSONL, on one large generated capture.

    python benchmarks/parquet.py [--rows 1000000] [--repeat 3] [--out FILE]

Runs, alternating and each in a fresh process: ``parse -f jsonl -j 1 FILE > file``,
``parse -f jsonl FILE > file`` (the default: the file read in parts by two processes) and
``parse -f parquet -o DIR FILE`` (one process). Records, best of ``--repeat``: wall time, CPU
time (user + system of the command and its workers), peak RSS and the output's size, with the
load average before and after. Needs the ``parquet`` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import write_linux_anp


def run(command: list[str], stdout: Path | None) -> dict[str, float]:
    """Wall and CPU seconds and peak RSS (MB) of one command in a fresh process: ``wait4``
    gives the command's own usage with that of the workers it waited for."""
    start = time.perf_counter()
    with open(stdout or os.devnull, "wb") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {child.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": usage.ru_maxrss / 1024}


def size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    netnorm = [sys.executable, "-m", "netnorm", "parse"]
    load = [os.getloadavg()[0]]
    best: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="netnorm-parquet-") as tmp:
        capture = write_linux_anp(Path(tmp) / "capture.txt", args.rows)
        jsonl, dataset = Path(tmp) / "out.jsonl", Path(tmp) / "dataset"
        runs = {
            "jsonl, -j 1": ([*netnorm, "-f", "jsonl", "-j", "1", str(capture)], jsonl),
            "jsonl, default": ([*netnorm, "-f", "jsonl", str(capture)], jsonl),
            "parquet": ([*netnorm, "-f", "parquet", "-o", str(dataset), str(capture)], None),
        }
        for _ in range(args.repeat):
            for name, (command, stdout) in runs.items():
                shutil.rmtree(dataset, ignore_errors=True)
                figures = run(command, stdout)
                figures["output_mb"] = size(dataset if stdout is None else stdout) / 1e6
                if name not in best or figures["cpu_s"] < best[name]["cpu_s"]:
                    best[name] = figures
    load.append(os.getloadavg()[0])
    print(f"{args.rows:,} rows; load average {load[0]:.2f} before, {load[1]:.2f} after")
    for name, f in best.items():
        rate = args.rows / f["wall_s"] / 1000
        print(
            f"{name:<16} {f['wall_s']:7.2f} s wall {f['cpu_s']:7.2f} s CPU "
            f"{f['peak_rss_mb']:7.1f} MB {f['output_mb']:8.1f} MB out {rate:7.1f} k rows/s"
        )
    if args.out:
        result = {"rows": args.rows, "load": load, "runs": best}
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
