"""Reading one file in parts gives exactly what one pass gives (``netnorm.parallel``)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from netnorm import parallel
from netnorm.api import iter_items
from netnorm.cli import app
from netnorm.decode import SAMPLE_SIZE, detect_encoding
from netnorm.render.records import JsonlWriter
from tests.hostile import jsonl_output

SAMPLES = Path(__file__).parent / "samples"
FILES = sorted(p for p in SAMPLES.rglob("*.txt"))


def _output(items: Any) -> tuple[str, list[Any]]:
    """The JSONL text and the diagnostics of a run, as the CLI would print them."""
    return jsonl_output(items)


def _line_starts(data: bytes) -> list[tuple[int, int]]:
    """``(offset, line number)`` of every line but the first."""
    starts = []
    offset = data.find(b"\n")
    line = 2
    while 0 <= offset < len(data) - 1:
        starts.append((offset + 1, line))
        offset = data.find(b"\n", offset + 1)
        line += 1
    return starts


def _cases() -> list[Any]:
    cases = []
    for path in FILES:
        data = path.read_bytes()
        encoding = detect_encoding(data[:SAMPLE_SIZE])
        if not parallel.splittable(encoding) or data.count(b"\r") != data.count(b"\r\n"):
            continue
        cases.append(pytest.param(path, encoding, id=path.stem))
    return cases


@pytest.mark.parametrize(("path", "encoding"), _cases())
def test_every_cut_gives_the_single_pass_output(path: Path, encoding: str) -> None:
    """Cut at every line (one cut, then two), whatever the line is: guessed right or wrong, the
    rows, their numbers and captures, and the diagnostics are the single pass's."""
    name = str(path)
    expected = _output(iter_items(path, name=name)[1])
    data = path.read_bytes()
    seed = parallel.guess(data[:SAMPLE_SIZE], encoding, None)
    if seed is None:
        pytest.skip("no table to guess from: such a file is always read in one pass")
    starts = _line_starts(data)
    cut_sets = [[start] for start in starts]
    cut_sets += [[a, b] for a, b in zip(starts[::3], starts[2::3], strict=False)]
    for cuts in cut_sets:
        items = parallel._items(str(path), cuts, encoding, seed, name, None, None, inline=True)
        assert _output(items) == expected, f"cut at lines {[line for _, line in cuts]}"


def test_a_guess_that_fails_falls_back(tmp_path: Path) -> None:
    """A second table with other columns after the cut: the worker's guess (the first table's
    columns) is wrong, and its part is read again with the right ones."""
    first = (SAMPLES / "linux" / "anp--server.txt").read_bytes()
    second = (SAMPLES / "linux" / "neopa--timers.txt").read_bytes()
    path = tmp_path / "two.txt"
    path.write_bytes(first + second)
    name = str(path)
    expected = _output(iter_items(path, name=name)[1])
    data = path.read_bytes()
    seed = parallel.guess(first, "utf-8", None)  # as if the first table filled the head
    assert seed is not None and not seed.columns["linux-netstat"].timer
    cut = len(first) + second.index(b"\ntcp") + 1
    line = data[:cut].count(b"\n") + 1
    items = parallel._items(name, [(cut, line)], "utf-8", seed, name, None, None, inline=True)
    assert _output(items) == expected
    assert '"kind":"keepalive"' in expected[0]


@pytest.mark.skipif(not parallel.can_fork(), reason="workers are forked; not on this platform")
def test_a_large_file_is_read_by_workers(tmp_path: Path, run: CliRunner) -> None:
    """Over 4 MB, ``netnorm parse -j 2`` forks a worker, and prints what ``-j 1`` prints."""
    windows = (SAMPLES / "windows" / "anob--owners.txt").read_bytes()
    linux = (SAMPLES / "linux" / "anp--server.txt").read_bytes()
    path = tmp_path / "big.txt"
    with path.open("wb") as f:
        while f.tell() < parallel.MIN_SIZE + 200_000:
            f.write(windows)
            f.write(linux)
    data = path.read_bytes()
    assert parallel.plan(io.BytesIO(data), len(data), "utf-8", 2, "windows-netstat")
    rendered = []  # runs of rows a worker serialised: there are some only with -j 2
    original = JsonlWriter.spooled

    def counting(self: JsonlWriter, spool: Any, cap: Any) -> None:
        rendered.append(spool.size)
        original(self, spool, cap)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(JsonlWriter, "spooled", counting)
        one = run.invoke(app, ["parse", "-j", "1", "--format", "jsonl", str(path)])
        assert rendered == []
        two = run.invoke(app, ["parse", "-j", "2", "--format", "jsonl", str(path)])
        assert rendered
    assert one.exit_code == two.exit_code == 0
    assert two.stdout == one.stdout
    assert two.stdout.count("\n") > 10_000

    def no_fork() -> int:
        raise OSError("fork refused")

    with pytest.MonkeyPatch.context() as patch:  # no process to be had: read in one pass
        patch.setattr(os, "fork", no_fork)
        refused = run.invoke(app, ["parse", "-j", "2", "--format", "jsonl", str(path)])
    assert refused.exit_code == 0
    assert refused.stdout == one.stdout


def _one_big_capture(folder: Path, name: str | bytes) -> Path:
    """A file of over 4 MB holding one ``netstat -anob`` table: its rows repeated."""
    sample = (SAMPLES / "windows" / "anob--owners.txt").read_bytes()
    start = sample.index(b"  TCP")
    rows = sample[start:]
    target = os.path.join(os.fsencode(folder), os.fsencode(name))
    with open(target, "wb") as f:
        f.write(sample[:start])
        while f.tell() < parallel.MIN_SIZE + 200_000:
            f.write(rows)
    return Path(os.fsdecode(target))


def _parse_to_file(path: Path, jobs: int, out: Path) -> bytes:
    with out.open("wb") as f:
        done = subprocess.run(
            [sys.executable, "-m", "netnorm", "parse", "-j", str(jobs), "-f", "jsonl", str(path)],
            stdout=f,
            stderr=subprocess.PIPE,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


@pytest.mark.skipif(not parallel.can_fork(), reason="workers are forked; not on this platform")
@pytest.mark.parametrize(
    "name",
    [
        pytest.param("big.txt", id="copied"),  # the worker's lines go to the file as they are
        pytest.param(b"big-\xff.txt", id="undecodable-name"),  # a name UTF-8 cannot write
    ],
)
def test_a_worker_writes_what_one_process_writes(tmp_path: Path, name: str | bytes) -> None:
    """Standard output a real file: ``-j 2`` writes the bytes ``-j 1`` writes."""
    path = _one_big_capture(tmp_path, name)
    one = _parse_to_file(path, 1, tmp_path / "one.jsonl")
    two = _parse_to_file(path, 2, tmp_path / "two.jsonl")
    assert two == one
    assert one.count(b"\n") > 20_000
    assert one.splitlines()[-1].startswith(b'{"source":')
