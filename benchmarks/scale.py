"""analyze at scale: time and peak memory on one large generated capture.

    python benchmarks/scale.py [--rows 100000 1000000] [--table-rows 300000] [--out FILE]

For each size, writes a Linux ``netstat -anp`` capture and runs, each in a fresh process,
``parse -f jsonl`` (the yardstick), ``analyze -f json`` and ``analyze -f jsonl``; then
``analyze -f table`` on a ``--table-rows`` capture. Records wall time and the peak RSS of the
command or its largest worker. Goals: ``analyze -f json`` of 1,000,000 rows under 200 MB, in at
most 2 × the time of ``parse -f jsonl`` on the same file.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import write_linux_anp
from measure import Results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--table-rows", type=int, default=300_000)
    parser.add_argument("--netnorm", default="netnorm", help="the command to measure")
    parser.add_argument("--out", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    command = shlex.split(args.netnorm)
    results = Results()

    def measure(name: str, extra: list[str]) -> None:
        results.measure(name, [*command, *extra])

    with tempfile.TemporaryDirectory(prefix="netnorm-scale-") as tmp:
        for rows in args.rows:
            path = write_linux_anp(Path(tmp) / f"c{rows}.txt", rows)
            measure(f"parse -f jsonl, {rows:,} rows", ["parse", "-f", "jsonl", str(path)])
            measure(f"analyze -f json, {rows:,} rows", ["analyze", "-f", "json", str(path)])
            measure(f"analyze -f jsonl, {rows:,} rows", ["analyze", "-f", "jsonl", str(path)])
            path.unlink()
        path = write_linux_anp(Path(tmp) / "table.txt", args.table_rows)
        measure(
            f"analyze -f table, {args.table_rows:,} rows", ["analyze", "-f", "table", str(path)]
        )
    results.finish(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
