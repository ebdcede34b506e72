"""Mutation fuzzing of the parsers for a fixed time budget.

    python benchmarks/fuzz.py --seconds 300 [--seed 1] [--cli]

Each round takes real sample captures, mutates them (byte flips, cut lines, shuffled and
duplicated lines, lines from other samples, huge tokens, other encodings) and checks that
parsing raises nothing but ``NetnormError``, that every non-blank line is accounted for, that
every row the hot path accepts also passes its dialect's ``ROW.parse_string`` with the same
groups and validates as a ``Connection`` whose JSON is the record's, and that no input takes
more than a second. A failing input is written to ``fuzz-failures/`` so it can be
added to the tests. Exit status 1 when anything failed.

With ``--cli`` each round goes through the console script instead, in a subprocess, as a user
runs it: a mutated input under a hostile file name (bytes that are not UTF-8, bidi and
invisible characters), through a random command and format (``parse``, ``analyze``, ``diff``;
a file, a folder or stdin). It checks the exit status (0, 1 or 2), that standard error holds no
traceback and no internal error, that the output is UTF-8, that JSON output parses, that human
outputs hold no raw control or invisible character, and that JSONL holds every row the library
reads.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import netnorm  # noqa: E402
from netnorm.errors import NetnormError  # noqa: E402
from tests.hostile import account, model_problem  # noqa: E402

SAMPLES = sorted((ROOT / "tests" / "samples").glob("*/*.txt"))


def mutate(rng: random.Random, corpus: list[bytes]) -> bytes:
    """One mutated input built from the sample captures."""
    data = bytearray(rng.choice(corpus))
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(8)
        lines = bytes(data).split(b"\n")
        if op == 0 and data:  # flip bytes
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            continue
        if op == 1 and lines:  # cut a line short
            i = rng.randrange(len(lines))
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif op == 2:  # shuffle
            rng.shuffle(lines)
        elif op == 3 and lines:  # duplicate a block
            i = rng.randrange(len(lines))
            lines[i:i] = lines[i : i + rng.randint(1, 10)] * rng.randint(1, 3)
        elif op == 4:  # splice in lines of another capture
            other = rng.choice(corpus).split(b"\n")
            i = rng.randrange(len(lines) + 1)
            lines[i:i] = other[: rng.randint(1, len(other))]
        elif op == 5 and lines:  # a huge token
            i = rng.randrange(len(lines))
            lines[i] += rng.choice([b"9", b":", b"[", b"a ", b"(0.0/0/0)"]) * rng.randint(
                10, 70_000
            )
        elif op == 6:  # another encoding
            text = bytes(data).decode("utf-8", errors="replace")
            return text.encode(
                rng.choice(["utf-16-le", "utf-16", "cp850", "cp932", "latin-1"]), errors="replace"
            )
        elif op == 7 and lines:  # strip or change indentation
            i = rng.randrange(len(lines))
            lines[i] = b" " * rng.randint(0, 3) + lines[i].lstrip()
        data = bytearray(b"\n".join(lines))
    return bytes(data)


def check(data: bytes) -> str | None:
    """Return a description of what went wrong, or None."""
    start = time.perf_counter()
    try:
        netnorm.parse(data)
    except NetnormError:
        pass
    except Exception:
        return traceback.format_exc()
    if time.perf_counter() - start > 1.0:
        return f"slow: {time.perf_counter() - start:.2f}s"
    try:
        nonblank, seen = account(data)
    except NetnormError:  # refused whole (binary data): there are no lines to account for
        return None
    lost = nonblank - seen["records"] - seen["structural"] - seen["diagnostics"]
    if lost:
        return f"lines not accounted for: {sorted(lost)[:10]}"
    return model_problem(data)


#: Parts of hostile file names: a byte that is not UTF-8, bidi and invisible characters.
_NAME_PARTS = [
    b"\xff",
    b"\xc3",
    "\u202e".encode(),
    "\u061c".encode(),
    "\u200b".encode(),
    b"\x1b[31m",
]
_COMMANDS = [
    ["parse", "-f", "jsonl"],
    ["parse", "-f", "json"],
    ["parse", "-f", "csv"],
    ["parse", "-f", "table"],
    ["analyze", "-f", "json"],
    ["analyze", "-f", "jsonl"],
    ["analyze", "-f", "table"],
    ["analyze", "-f", "markdown"],
    ["analyze", "-f", "ecs"],
    ["analyze", "-f", "ocsf"],
    ["diff", "-f", "json"],
    ["diff", "-f", "table"],
]
_HUMAN = {"table", "markdown", "csv"}
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}


def _console_script() -> list[str]:
    found = Path(sys.executable).with_name("netnorm")
    return [str(found)] if found.exists() else [sys.executable, "-m", "netnorm"]


def check_cli(rng: random.Random, data: bytes, folder: Path) -> str | None:
    """Run one mutated input through the console script; a description of what went wrong."""
    import json
    import os
    import subprocess
    import unicodedata

    name = b"c" + b"".join(rng.sample(_NAME_PARTS, rng.randint(0, 3))) + b".txt"
    path = os.path.join(os.fsencode(folder), name)
    with open(path, "wb") as handle:
        handle.write(data)
    command = rng.choice(_COMMANDS)
    how = rng.choice(["file", "folder", "stdin"]) if command[0] != "diff" else "file"
    target: list[str | bytes] = [path] if how == "file" else [os.fsencode(folder)]
    if command[0] == "diff":
        target = [path, str(rng.choice(SAMPLES))]
    stdin = None
    if how == "stdin":
        target, stdin = [], data
    try:
        done = subprocess.run(
            [*_console_script(), *command, *target],
            input=stdin,
            capture_output=True,
            timeout=30,
            check=False,
            env={**os.environ, "COLUMNS": str(rng.choice([60, 80, 200]))},
        )
    except subprocess.TimeoutExpired:
        return f"{command} timed out"
    finally:
        os.unlink(path)
    err = done.stderr.decode("utf-8", "replace")
    if done.returncode not in (0, 1, 2):
        return f"{command}: exit status {done.returncode}: {err[-300:]}"
    if "Traceback" in err or "internal error" in err:
        return f"{command}: {err[-500:]}"
    try:
        out = done.stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"{command}: output is not UTF-8: {exc}"
    fmt = command[-1]
    if fmt in _HUMAN:
        for ch in out:
            if ch not in "\n\t" and unicodedata.category(ch) in (
                "Cc",
                "Cf",
                "Zl",
                "Zp",
                "Co",
                "Cs",
            ):
                return f"{command}: raw U+{ord(ch):04X} in the output"
    elif out and fmt in ("jsonl", "ecs", "ocsf"):
        try:
            rows = [json.loads(line) for line in out.splitlines()]
        except ValueError as exc:
            return f"{command}: JSONL that does not parse: {exc}"
        if fmt == "jsonl" and how != "folder" and (command[0] == "parse" or done.returncode != 2):
            expected = _library_rows(data)
            if len(rows) != expected:
                return f"{command}: {len(rows)} JSONL rows, the library reads {expected}"
    elif out and fmt == "json":
        try:
            json.loads(out)
        except ValueError as exc:
            return f"{command}: JSON that does not parse: {exc}"
    return None


def _library_rows(data: bytes) -> int:
    try:
        return sum(len(c.connections) for c in netnorm.parse(data))
    except NetnormError:
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cli", action="store_true", help="fuzz through the console script")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    corpus = [p.read_bytes() for p in SAMPLES]
    out = ROOT / "fuzz-failures"
    deadline = time.monotonic() + args.seconds
    rounds = failures = 0
    import tempfile

    scratch = tempfile.TemporaryDirectory(prefix="netnorm-fuzz-")
    while time.monotonic() < deadline:
        data = mutate(rng, corpus)
        problem = check_cli(rng, data, Path(scratch.name)) if args.cli else check(data)
        rounds += 1
        if problem:
            failures += 1
            out.mkdir(exist_ok=True)
            (out / f"case-{args.seed}-{rounds}.bin").write_bytes(data)
            print(f"round {rounds}: {problem.splitlines()[-1]}", file=sys.stderr)
    scratch.cleanup()
    mode = "through the console script" if args.cli else "through the library"
    print(f"{rounds} inputs {mode} in {args.seconds:.0f}s, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
