"""Fleet audit at scale: 2,000 files of 300 rows, Linux and Windows mixed.

    python benchmarks/fleet.py [--files 2000] [--rows 300] [--repeat 3] [--out FILE]

Writes the folder (``host_time.txt`` names, 1,000 Linux ``-anp`` and 1,000 Windows ``-ano`` /
``-anob`` captures of 200 hosts), then times ``netnorm analyze --format json FOLDER`` with
``--jobs 1`` and ``--jobs 2`` (alternating, ``--repeat`` times each, the best kept), and records
the peak RSS of the whole process tree (the main process or its largest worker). Targets:
``--jobs 2`` at least 1.6x faster than ``--jobs 1``, and peak RSS under 200 MB. With ``--dask``,
``--engine dask --jobs 2`` (a local cluster of two worker processes, started by the run) is
timed in the same alternation, and its time is given against ``--jobs 2``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import write_linux_anp, write_windows_ano, write_windows_anob


def make_folder(folder: Path, files: int, rows: int) -> None:
    """Write the fleet: host names ``lnx000``/``win000``, hourly times."""
    for i in range(files):
        host = f"{'lnx' if i % 2 == 0 else 'win'}{(i // 2) % 100:03d}"
        stamp = f"202611{20 + (i // 200) % 5:02d}T{(i // 2) % 24:02d}0000"
        path = folder / f"{host}_{stamp}.txt"
        if i % 2 == 0:
            write_linux_anp(path, rows, seed=i)
        elif i % 4 == 1:
            write_windows_ano(path, rows, seed=i)
        else:
            write_windows_anob(path, rows, seed=i)


#: Runs the command in a fresh process and prints the largest peak RSS (KB) among the command
#: and the workers it waited for, so that each measurement stands alone.
_PROBE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
    " stderr=subprocess.DEVNULL).returncode\n"
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds, and the peak RSS in MB of the command or its largest worker."""
    start = time.perf_counter()
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, *command], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    code, rss_kb = (int(x) for x in probe.stdout.split())
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed with status {code}")
    return wall, rss_kb / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/fleet.json"))
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each --jobs value, alternating; best kept"
    )
    parser.add_argument(
        "--dask",
        action="store_true",
        help="also time --engine dask with 2 workers (needs pip install '.[dask]')",
    )
    args = parser.parse_args()
    netnorm = [sys.executable, "-m", "netnorm"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "fleet"
        folder.mkdir()
        make_folder(folder, args.files, args.rows)
        settings: dict[object, list[str]] = {1: ["--jobs", "1"], 2: ["--jobs", "2"]}
        if args.dask:
            settings["dask"] = ["--engine", "dask", "--jobs", "2"]
        runs: dict[object, list[tuple[float, float]]] = {key: [] for key in settings}
        # alternating, so that a busy spell of the machine does not fall on one setting only
        for _ in range(max(1, args.repeat)):
            for key, options in settings.items():
                command = [*netnorm, "analyze", "--format", "json", "--quiet"]
                wall, rss = timed([*command, *options, str(folder)])
                runs[key].append((wall, rss))
                print(f"{' '.join(options)}: {wall:7.2f} s   peak RSS {rss:6.1f} MB")
        results = {
            key: {
                "seconds": round(min(w for w, _ in done), 2),
                "all_seconds": [round(w, 2) for w, _ in done],
                "peak_rss_mb": round(max(r for _, r in done), 1),
            }
            for key, done in runs.items()
        }
        for key, result in results.items():
            best, peak_mb = result["seconds"], result["peak_rss_mb"]
            print(f"best {' '.join(settings[key])}: {best:7.2f} s, peak RSS {peak_mb} MB")
    if args.dask:
        overhead = results["dask"]["seconds"] / results[2]["seconds"]
        print(f"a 2-worker local Dask cluster takes {overhead:.2f} x the time of --jobs 2")
    speedup = results[1]["seconds"] / results[2]["seconds"]
    peak = max(r["peak_rss_mb"] for k, r in results.items() if k != "dask")
    print(f"speed-up {speedup:.2f}x (target >= 1.6), peak RSS {peak:.1f} MB (target < 200)")
    record = {
        "files": args.files,
        "rows_per_file": args.rows,
        "jobs": results,
        "speedup": round(speedup, 2),
        "dask_over_jobs_2": round(results["dask"]["seconds"] / results[2]["seconds"], 2)
        if args.dask
        else None,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "date": time.strftime("%Y-%m-%d"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
