"""Mutation fuzzing of the parsers for a fixed time budget.

    python benchmarks/fuzz.py --seconds 300 [--seed 1]

Each round takes real sample captures, mutates them (byte flips, cut lines, shuffled and
duplicated lines, lines from other samples, huge tokens, other encodings) and checks that
parsing raises nothing but ``NetnormError``, that every non-blank line is accounted for, that
every row the hot path accepts also passes its dialect's ``ROW.parse_string`` with the same
groups and validates as a ``Connection`` whose JSON is the record's, and that no input takes
more than a second. A failing input is written to ``fuzz-failures/`` so it can be
added to the tests. Exit status 1 when anything failed.
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
    nonblank, seen = account(data)
    lost = nonblank - seen["records"] - seen["structural"] - seen["diagnostics"]
    if lost:
        return f"lines not accounted for: {sorted(lost)[:10]}"
    return model_problem(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    corpus = [p.read_bytes() for p in SAMPLES]
    out = ROOT / "fuzz-failures"
    deadline = time.monotonic() + args.seconds
    rounds = failures = 0
    while time.monotonic() < deadline:
        data = mutate(rng, corpus)
        problem = check(data)
        rounds += 1
        if problem:
            failures += 1
            out.mkdir(exist_ok=True)
            (out / f"case-{args.seed}-{rounds}.bin").write_bytes(data)
            print(f"round {rounds}: {problem.splitlines()[-1]}", file=sys.stderr)
    print(f"{rounds} inputs in {args.seconds:.0f}s, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
