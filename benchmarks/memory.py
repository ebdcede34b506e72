"""Peak memory of the outputs other than JSONL, on large generated captures.

    python benchmarks/memory.py [--json-rows 2000000] [--table-rows 200000] [--netnorm CMD]
                                [--out FILE]

Writes a Linux ``netstat -anp`` capture of ``--json-rows`` rows and one of ``--table-rows``
rows, then runs, each in a fresh process, ``parse -f jsonl`` and ``parse -f json`` on the first
and ``parse -f table`` on the second, and records wall time and peak RSS (of the command or its
largest worker). ``--netnorm`` runs another build (e.g. a checkout through ``python -c``), for a
before-and-after comparison. The goal: ``json`` and ``table`` in about the memory of ``jsonl``.
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
    parser.add_argument("--json-rows", type=int, default=2_000_000)
    parser.add_argument("--table-rows", type=int, default=200_000)
    parser.add_argument("--netnorm", default="netnorm", help="the command to measure")
    parser.add_argument("--out", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    command = shlex.split(args.netnorm)
    results = Results(34)
    with tempfile.TemporaryDirectory(prefix="netnorm-memory-") as tmp:
        big = write_linux_anp(Path(tmp) / "big.txt", args.json_rows)
        table = write_linux_anp(Path(tmp) / "table.txt", args.table_rows)
        runs = [
            (f"parse -f jsonl, {args.json_rows:,} rows", ["parse", "-f", "jsonl", str(big)]),
            (f"parse -f json, {args.json_rows:,} rows", ["parse", "-f", "json", str(big)]),
            (f"parse -f table, {args.table_rows:,} rows", ["parse", "-f", "table", str(table)]),
        ]
        for name, extra in runs:
            results.measure(name, [*command, *extra])
    results.finish(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
