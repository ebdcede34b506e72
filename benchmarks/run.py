"""Benchmark ``netnorm`` against ``jc`` on generated netstat captures and on a small sample.

Usage: ``python benchmarks/run.py [--rows 100000] [--repeat 3] [--latency-repeat 20]
[--small FILE] [--files linux,windows-ano] [--instructions] [--seed 1] [--out FILE] [--check]``

For each generated file (see ``BENCH_FILES``) three commands run ``--repeat`` times each in this
process, alternating, with their output sent to /dev/null:

* ``netnorm parse --format jsonl -j 1 < FILE`` (one process, stdin);
* ``netnorm parse --format jsonl FILE`` (the defaults: one process per core on a large file);
* ``jc <parser> < FILE``.

Each child's wall time, CPU time (``ru_utime + ru_stime`` from ``os.wait4``, which includes the
workers it waited for) and peak RSS (``ru_maxrss``) are recorded, and the best of the runs is
kept. Then ``netnorm parse``, ``netnorm analyze`` and ``jc --netstat`` run ``--latency-repeat``
times each, alternating, on a small sample, for the start-up latency. ``--instructions`` adds
instruction counts (``perf stat``, else ``valgrind --tool=callgrind``). The tables are printed
in Markdown and the numbers written to a JSON file. This script is a measurement tool: the test
suite never runs it as a timed assertion.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import generate

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_OUT = BENCH_DIR / "results" / "parse.json"
DEFAULT_SMALL = REPO_ROOT / "tests" / "samples" / "linux" / "anp--server.txt"
INSTALL_HINT = "pip install -e '.[bench]'"
_STDERR_TAIL = 2000
_TRACEBACK = b"Traceback (most recent call last)"


@dataclass(frozen=True)
class BenchFile:
    """One file that ``generate.py`` writes: its key for ``--files``, jc's parser, the targets."""

    key: str
    name: str
    jc_parser: str
    min_one_process_ratio: float  # jc best CPU time / netnorm -j 1 best CPU time
    min_default_ratio: float  # jc best wall time / netnorm (defaults) best wall time


# One row per file of generate.generate_all(); a file it writes that has no row here is skipped
# with a message. A file that jc reads with another parser (``jc --ss``) gets its own row.
BENCH_FILES: tuple[BenchFile, ...] = (
    BenchFile("linux", generate.LINUX_ANP, "--netstat", 8.0, 12.0),
    BenchFile("windows-ano", generate.WINDOWS_ANO, "--netstat", 2.5, 4.0),
    BenchFile("windows-anob", generate.WINDOWS_ANOB, "--netstat", 2.5, 4.0),
    # the aim for ss: at least the ratio the Linux netstat parser reaches
    BenchFile("ss", generate.SS_TUANP, "--ss", 8.0, 12.0),
)
BY_NAME = {spec.name: spec for spec in BENCH_FILES}
BY_KEY = {spec.key: spec for spec in BENCH_FILES}

# Small-capture latency: netnorm's best CPU time at most this multiple of jc's.
MAX_PARSE_LATENCY_RATIO = 1.2
MAX_ANALYZE_LATENCY_RATIO = 1.5
SMALL_JC_PARSER = "--netstat"

# --instructions under valgrind: two sizes of each file, their difference gives the cost per row.
INSTR_ROWS_SMALL = 1_000
INSTR_ROWS_LARGE = 10_000
_COLLECTED = re.compile(rb"^==\d+== Collected : (\d+)", re.MULTILINE)
_VALGRIND_LINE = re.compile(r"==\d+==")  # valgrind's own lines, left out of error messages


# --------------------------------------------------------------------------------------
# Running one child
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A command line, the file it reads on stdin (if any) and the exit codes that mean success."""

    argv: tuple[str, ...]
    stdin: Path | None = None
    ok_codes: tuple[int, ...] = (0,)

    def shell(self) -> str:
        """The command as one would type it, output to /dev/null."""
        text = shlex.join(self.argv)
        if self.stdin is not None:
            text += f" < {shlex.quote(str(self.stdin))}"
        return text + " > /dev/null"

    def wrapped(self, prefix: Sequence[str]) -> Command:
        """The same command run under ``prefix`` (perf, valgrind)."""
        return Command((*prefix, *self.argv), self.stdin, self.ok_codes)


@dataclass
class RunResult:
    """One child process run."""

    wall_s: float
    cpu_s: float
    max_rss_kb: int
    exit_code: int
    stderr: str
    traceback: bool  # Python printed a traceback: a crash, whatever the exit code

    def failed(self, ok_codes: Sequence[int]) -> bool:
        """Whether the run is not a success for a command accepting ``ok_codes``."""
        return self.exit_code not in ok_codes or self.traceback


def _rss_kb(ru_maxrss: int) -> int:
    """ru_maxrss is in KiB on Linux but in bytes on macOS."""
    return ru_maxrss // 1024 if sys.platform == "darwin" else ru_maxrss


def run_child(
    command: Command, stdout: int | IO[bytes] = subprocess.DEVNULL
) -> tuple[RunResult, bytes]:
    """Run ``command`` to completion; time it and read its rusage with ``os.wait4``.

    The rusage of a reaped child covers the child and every descendant it waited for: CPU time is
    their sum, ``ru_maxrss`` the largest of them. Returns the result and the whole stderr.
    """
    with tempfile.TemporaryFile() as err, _open_stdin(command.stdin) as stdin:
        start = time.perf_counter()
        proc = subprocess.Popen(command.argv, stdin=stdin, stdout=stdout, stderr=err, cwd=REPO_ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        err.seek(0)
        data = err.read()
    result = RunResult(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        max_rss_kb=_rss_kb(usage.ru_maxrss),
        exit_code=proc.returncode,
        stderr=data[-_STDERR_TAIL:].decode("utf-8", "replace"),
        traceback=_TRACEBACK in data,
    )
    return result, data


@contextlib.contextmanager
def _open_stdin(path: Path | None) -> Iterator[int | IO[bytes]]:
    """The file to read on stdin, or /dev/null."""
    if path is None:
        yield subprocess.DEVNULL
        return
    with path.open("rb") as file:
        yield file


def _describe_failure(command: Command, run: RunResult) -> str:
    lines = [line for line in run.stderr.strip().splitlines() if not _VALGRIND_LINE.match(line)]
    tail = lines[-5:]
    detail = "\n    ".join(tail) if tail else "(no stderr)"
    crash = ", traceback" if run.traceback else ""
    return f"failed (exit {run.exit_code}{crash}): {command.shell()}\n    {detail}"


# --------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------


def _best(values: Sequence[float]) -> float | None:
    return min(values) if values else None


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _ratio(num: float | None, den: float | None) -> float | None:
    return num / den if num is not None and den else None


@dataclass
class Measurement:
    """Every run of one command: wall and CPU times and peak RSS; stops at the first failure."""

    label: str
    command: Command
    wall_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    error: str | None = None
    instructions: int | None = None  # from perf stat, with --instructions

    @property
    def ok(self) -> bool:
        """No run has failed."""
        return self.error is None

    def fail(self, message: str) -> None:
        """Record a failure (the first one) and print it."""
        if self.error is None:
            self.error = f"{self.label} {message}"
            print(f"  ! {self.error}", file=sys.stderr)

    def run_once(self) -> None:
        """Run the command once, unless it has failed before."""
        if not self.ok:
            return
        run, _ = run_child(self.command)
        if run.failed(self.command.ok_codes):
            self.fail(_describe_failure(self.command, run))
            return
        self.wall_s.append(run.wall_s)
        self.cpu_s.append(run.cpu_s)
        self.rss_kb.append(run.max_rss_kb)

    def _stat(
        self, pick: Callable[[Sequence[float]], float | None], values: list[float]
    ) -> float | None:
        return pick(values) if self.ok else None

    @property
    def best_wall_s(self) -> float | None:
        """Best wall time over the runs."""
        return self._stat(_best, self.wall_s)

    @property
    def best_cpu_s(self) -> float | None:
        """Best CPU time (user + system, with waited-for workers) over the runs."""
        return self._stat(_best, self.cpu_s)

    @property
    def median_wall_s(self) -> float | None:
        """Median wall time over the runs."""
        return self._stat(_median, self.wall_s)

    @property
    def median_cpu_s(self) -> float | None:
        """Median CPU time over the runs."""
        return self._stat(_median, self.cpu_s)

    @property
    def peak_rss_mb(self) -> float | None:
        """Largest peak RSS over the runs, in MiB."""
        return max(self.rss_kb) / 1024 if self.ok and self.rss_kb else None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "label": self.label,
            "command": list(self.command.argv),
            "stdin": str(self.command.stdin) if self.command.stdin else None,
            "shell": self.command.shell(),
            "ok": self.ok,
            "error": self.error,
            "wall_s": self.wall_s,
            "cpu_s": self.cpu_s,
            "rss_kb": self.rss_kb,
            "best_wall_s": self.best_wall_s,
            "median_wall_s": self.median_wall_s,
            "best_cpu_s": self.best_cpu_s,
            "median_cpu_s": self.median_cpu_s,
            "peak_rss_kb": max(self.rss_kb) if self.ok and self.rss_kb else None,
            "peak_rss_mb": self.peak_rss_mb,
            "instructions": self.instructions,
        }


def run_alternating(measurements: Sequence[Measurement], repeat: int) -> None:
    """Run each command once per round, in turn, ``repeat`` rounds."""
    for _ in range(repeat):
        for measurement in measurements:
            measurement.run_once()


def check_output(measurement: Measurement, accept: Callable[[IO[bytes]], str | None]) -> None:
    """Run the command once more with stdout kept in a file; ``accept`` reads it and returns a
    complaint or None. It must not hold a large output in memory: a child forked later starts
    with this process's peak RSS as its own, which would spoil every RSS figure after it."""
    if not measurement.ok:
        return
    with tempfile.TemporaryFile() as out:
        run, _ = run_child(measurement.command, stdout=out)
        if run.failed(measurement.command.ok_codes):
            measurement.fail(_describe_failure(measurement.command, run))
            return
        out.seek(0)
        complaint = accept(out)
    if complaint:
        print(f"  ! warning: {measurement.label}: {complaint}")


# --------------------------------------------------------------------------------------
# Large files
# --------------------------------------------------------------------------------------


@dataclass
class FileResult:
    """netnorm in one process, netnorm with its defaults and jc, on one generated file."""

    spec: BenchFile
    path: Path
    size: int
    rows: int
    one_process: Measurement
    default: Measurement
    jc: Measurement
    output_rows: int | None = None

    @property
    def one_process_ratio(self) -> float | None:
        """jc best CPU time ÷ netnorm one-process best CPU time (the headline)."""
        return _ratio(self.jc.best_cpu_s, self.one_process.best_cpu_s)

    @property
    def one_process_wall_ratio(self) -> float | None:
        """jc best wall time ÷ netnorm one-process best wall time."""
        return _ratio(self.jc.best_wall_s, self.one_process.best_wall_s)

    @property
    def default_ratio(self) -> float | None:
        """jc best wall time ÷ netnorm default best wall time (the headline)."""
        return _ratio(self.jc.best_wall_s, self.default.best_wall_s)

    @property
    def default_cpu_ratio(self) -> float | None:
        """jc best CPU time ÷ netnorm default best CPU time."""
        return _ratio(self.jc.best_cpu_s, self.default.best_cpu_s)

    def targets(self) -> list[Target]:
        """The two targets of this file."""
        name = self.spec.name
        return [
            Target(
                f"{name}: one process, jc CPU ÷ netnorm CPU",
                self.one_process_ratio,
                ">=",
                self.spec.min_one_process_ratio,
            ),
            Target(
                f"{name}: default, jc wall ÷ netnorm wall",
                self.default_ratio,
                ">=",
                self.spec.min_default_ratio,
            ),
        ]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary."""
        measurements = {
            "netnorm_one_process": self.one_process,
            "netnorm_default": self.default,
            "jc": self.jc,
        }
        data: dict[str, Any] = {
            "file": self.spec.name,
            "key": self.spec.key,
            "jc_parser": self.spec.jc_parser,
            "bytes": self.size,
            "rows": self.rows,
            "netnorm_output_rows": self.output_rows,
        }
        for key, measurement in measurements.items():
            data[key] = measurement.to_json()
            best = measurement.best_wall_s
            data[key]["rows_per_s"] = self.rows / best if best else None
        data["ratios"] = {
            "one_process_cpu": self.one_process_ratio,
            "one_process_wall": self.one_process_wall_ratio,
            "default_wall": self.default_ratio,
            "default_cpu": self.default_cpu_ratio,
        }
        data["targets"] = [target.to_json() for target in self.targets()]
        return data


def file_commands(
    path: Path, spec: BenchFile, nn_base: Sequence[str], jc_cmd: Sequence[str]
) -> tuple[Command, Command, Command]:
    """netnorm in one process reading stdin, netnorm with its defaults reading the file, jc."""
    parse = (*nn_base, "parse", "--format", "jsonl")
    return (
        Command((*parse, "-j", "1"), stdin=path),
        Command((*parse, str(path))),
        Command((*jc_cmd, spec.jc_parser), stdin=path),
    )


def benchmark_file(
    spec: BenchFile,
    path: Path,
    rows: int,
    repeat: int,
    nn_base: Sequence[str],
    jc_cmd: Sequence[str],
) -> FileResult:
    """Time the three commands on one file, alternating; count netnorm's output rows once."""
    one, default, jc = file_commands(path, spec, nn_base, jc_cmd)
    result = FileResult(
        spec,
        path,
        path.stat().st_size,
        rows,
        Measurement("netnorm parse -j 1 (stdin)", one),
        Measurement("netnorm parse (default, file)", default),
        Measurement(f"jc {spec.jc_parser}", jc),
    )
    run_alternating((result.one_process, result.default, result.jc), repeat)

    def count_rows(output: IO[bytes]) -> str | None:
        result.output_rows = sum(1 for line in output if line.strip())
        if result.output_rows != rows:
            return f"wrote {result.output_rows} rows for {spec.name}, expected {rows}"
        return None

    check_output(result.default, count_rows)
    return result


# --------------------------------------------------------------------------------------
# Small-capture latency
# --------------------------------------------------------------------------------------


@dataclass
class LatencyResult:
    """netnorm parse, netnorm analyze and jc on a small capture: mostly start-up."""

    path: Path
    repeat: int
    parse: Measurement
    analyze: Measurement
    jc: Measurement

    def ratios(self, tool: Measurement) -> dict[str, float | None]:
        """``tool``'s times ÷ jc's, for each statistic."""
        return {
            "best_cpu": _ratio(tool.best_cpu_s, self.jc.best_cpu_s),
            "median_cpu": _ratio(tool.median_cpu_s, self.jc.median_cpu_s),
            "best_wall": _ratio(tool.best_wall_s, self.jc.best_wall_s),
            "median_wall": _ratio(tool.median_wall_s, self.jc.median_wall_s),
        }

    def targets(self) -> list[Target]:
        """netnorm's best CPU time against jc's, for parse and for analyze."""
        name = self.path.name
        return [
            Target(
                f"{name}: parse, netnorm CPU ÷ jc CPU",
                self.ratios(self.parse)["best_cpu"],
                "<=",
                MAX_PARSE_LATENCY_RATIO,
            ),
            Target(
                f"{name}: analyze, netnorm CPU ÷ jc CPU",
                self.ratios(self.analyze)["best_cpu"],
                "<=",
                MAX_ANALYZE_LATENCY_RATIO,
            ),
        ]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "file": str(self.path),
            "bytes": self.path.stat().st_size,
            "repeat": self.repeat,
            "netnorm_parse": self.parse.to_json(),
            "netnorm_analyze": self.analyze.to_json(),
            "jc": self.jc.to_json(),
            "ratios": {"parse": self.ratios(self.parse), "analyze": self.ratios(self.analyze)},
            "targets": [target.to_json() for target in self.targets()],
        }


def latency_commands(
    path: Path, nn_base: Sequence[str], jc_cmd: Sequence[str]
) -> tuple[Command, Command, Command]:
    """netnorm parse and analyze on the file (analyze exits 1 when it has findings), jc."""
    return (
        Command((*nn_base, "parse", "--format", "jsonl", str(path))),
        Command((*nn_base, "analyze", "--format", "json", str(path)), ok_codes=(0, 1)),
        Command((*jc_cmd, SMALL_JC_PARSER), stdin=path),
    )


def benchmark_latency(
    path: Path, repeat: int, nn_base: Sequence[str], jc_cmd: Sequence[str]
) -> LatencyResult:
    """Time the three commands on the small file, alternating; check analyze wrote JSON."""
    parse, analyze, jc = latency_commands(path, nn_base, jc_cmd)
    result = LatencyResult(
        path,
        repeat,
        Measurement("netnorm parse", parse),
        Measurement("netnorm analyze", analyze),
        Measurement(f"jc {SMALL_JC_PARSER}", jc),
    )
    run_alternating((result.parse, result.analyze, result.jc), repeat)

    def is_json(output: IO[bytes]) -> str | None:
        try:
            json.load(output)
        except ValueError as exc:
            return f"the output is not JSON ({exc})"
        return None

    check_output(result.analyze, is_json)
    return result


# --------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A ratio and the bound it must meet."""

    what: str
    value: float | None
    op: str  # ">=" or "<="
    bound: float

    @property
    def met(self) -> bool | None:
        """Whether the bound holds; None when the ratio could not be measured."""
        if self.value is None:
            return None
        return self.value >= self.bound if self.op == ">=" else self.value <= self.bound

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "what": self.what,
            "value": self.value,
            "op": self.op,
            "bound": self.bound,
            "met": self.met,
        }


# --------------------------------------------------------------------------------------
# Instruction counts
# --------------------------------------------------------------------------------------


def _perf_prefix(out: Path) -> list[str]:
    return ["perf", "stat", "-x,", "-e", "instructions", "-o", str(out), "--"]


def _read_perf(out: Path) -> int | None:
    """The instructions count from ``perf stat -x,`` output, or None if not counted."""
    for line in out.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split(",")
        if line.startswith("#") or len(fields) < 3 or "instructions" not in fields[2]:
            continue
        return int(fields[0]) if fields[0].isdigit() else None
    return None


def perf_works() -> bool:
    """Whether ``perf stat -x, -e instructions true`` runs and counts instructions."""
    if shutil.which("perf") is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "perf.csv"
        try:
            done = subprocess.run(
                [*_perf_prefix(out), "true"], capture_output=True, timeout=60, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return False
        return done.returncode == 0 and out.exists() and bool(_read_perf(out))


def perf_instructions(
    measurements: Sequence[tuple[str, Measurement]],
) -> list[dict[str, Any]]:
    """Run each (file, command) once under ``perf stat`` and record its instruction count."""
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "perf.csv"
        for name, measurement in measurements:
            command = measurement.command.wrapped(_perf_prefix(out))
            run, _ = run_child(command)
            error = None
            if run.failed(command.ok_codes):
                error = _describe_failure(command, run)
                print(f"  ! {measurement.label} {error}", file=sys.stderr)
            else:
                measurement.instructions = _read_perf(out)
            records.append(
                {
                    "file": name,
                    "label": measurement.label,
                    "command": measurement.command.shell(),
                    "instructions": measurement.instructions,
                    "error": error,
                }
            )
    return records


VALGRIND_PREFIX = ("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null")


def callgrind_instructions(command: Command, label: str) -> tuple[int | None, str | None]:
    """Instructions of one run under callgrind (its "Collected" total), or an error."""
    wrapped = command.wrapped(VALGRIND_PREFIX)
    print(f"  callgrind: {wrapped.shell()}", flush=True)
    run, stderr = run_child(wrapped)
    if run.failed(command.ok_codes):
        error = _describe_failure(wrapped, run)
        print(f"  ! {label} {error}", file=sys.stderr)
        return None, error
    match = _COLLECTED.search(stderr)
    if match is None:
        error = f"no 'Collected :' line in valgrind's output: {wrapped.shell()}"
        print(f"  ! {label} {error}", file=sys.stderr)
        return None, error
    return int(match.group(1)), None


def per_row_cost(small: int | None, large: int | None) -> tuple[float | None, float | None]:
    """Instructions per row and at start-up from the counts of the 1k- and 10k-row files."""
    if small is None or large is None:
        return None, None
    per_row = (large - small) / (INSTR_ROWS_LARGE - INSTR_ROWS_SMALL)
    return per_row, small - INSTR_ROWS_SMALL * per_row


def valgrind_instructions(
    specs: Sequence[BenchFile], seed: int, nn_base: Sequence[str], jc_cmd: Sequence[str]
) -> list[dict[str, Any]]:
    """netnorm in one process and jc under callgrind, on 1k- and 10k-row files of each kind."""
    records = []
    with tempfile.TemporaryDirectory(prefix="netnorm-bench-instr-") as tmp:
        sizes = (INSTR_ROWS_SMALL, INSTR_ROWS_LARGE)
        paths = {rows: generate.generate_all(Path(tmp) / str(rows), rows, seed) for rows in sizes}
        for spec in specs:
            record: dict[str, Any] = {"file": spec.name}
            for tool in ("netnorm", "jc"):
                counts: dict[int, int | None] = {}
                errors = []
                for rows in sizes:
                    one, _, jc = file_commands(paths[rows][spec.name], spec, nn_base, jc_cmd)
                    label = f"{tool} on {spec.name} ({rows:,} rows)"
                    counts[rows], error = callgrind_instructions(
                        one if tool == "netnorm" else jc, label
                    )
                    if error:
                        errors.append(error)
                per_row, startup = per_row_cost(counts[INSTR_ROWS_SMALL], counts[INSTR_ROWS_LARGE])
                record[tool] = {
                    "command": (one if tool == "netnorm" else jc).wrapped(VALGRIND_PREFIX).shell(),
                    "instructions": {str(rows): count for rows, count in counts.items()},
                    "per_row": per_row,
                    "startup": startup,
                    "errors": errors,
                }
            records.append(record)
    return records


def instruction_counts(
    files: Sequence[FileResult],
    latency: LatencyResult | None,
    seed: int,
    nn_base: Sequence[str],
    jc_cmd: Sequence[str],
) -> dict[str, Any]:
    """Instruction counts by perf if it counts them here, else by valgrind, else none."""
    if perf_works():
        print("instructions: perf stat, each command once")
        measurements = [
            (res.spec.name, m) for res in files for m in (res.one_process, res.default, res.jc)
        ]
        if latency is not None:
            measurements += [(latency.path.name, m) for m in (latency.parse, latency.analyze)]
            measurements.append((latency.path.name, latency.jc))
        return {"method": "perf", "commands": perf_instructions(measurements)}
    if shutil.which("valgrind"):
        print(
            f"instructions: perf cannot count them here; valgrind --tool=callgrind on "
            f"{INSTR_ROWS_SMALL:,}- and {INSTR_ROWS_LARGE:,}-row files (this takes minutes)"
        )
        specs = [res.spec for res in files]
        return {
            "method": "callgrind",
            "rows": [INSTR_ROWS_SMALL, INSTR_ROWS_LARGE],
            "files": valgrind_instructions(specs, seed, nn_base, jc_cmd),
        }
    print("instructions: neither perf (with an instructions counter) nor valgrind is available")
    return {"method": None}


# --------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------


def _script(name: str) -> str | None:
    """Find a console script, preferring the one next to this Python interpreter."""
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


def netnorm_base() -> list[str]:
    """Command prefix for netnorm: the console script, else ``python -m netnorm``."""
    script = _script("netnorm")
    return [script] if script else [sys.executable, "-m", "netnorm"]


def jc_base() -> list[str] | None:
    """Command prefix for jc, or None when jc is not installed."""
    script = _script("jc")
    if script:
        return [script]
    if importlib.util.find_spec("jc") is not None:
        return [sys.executable, "-m", "jc"]
    return None


def _version(dist: str, fallback: Sequence[str] | None = None) -> str | None:
    """Installed version of ``dist``, else the output of ``fallback -v``."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        pass
    if fallback is None:
        return None
    try:
        done = subprocess.run(
            [*fallback, "-v"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError:
        return None
    for line in done.stdout.splitlines():
        if "version" in line.lower():
            return line.split(":", 1)[-1].strip()
    return None


def _environment(nn_base: list[str], jc_cmd: list[str]) -> dict[str, Any]:
    uname = platform.uname()
    return {
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "machine": {
            "system": uname.system,
            "release": uname.release,
            "machine": uname.machine,
            "processor": platform.processor() or uname.processor,
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
        },
        "jc": {"version": _version("jc", jc_cmd), "command": jc_cmd},
        "netnorm": {"version": _version("netnorm"), "command": nn_base},
    }


def compile_netnorm() -> None:
    """Byte-compile netnorm's modules, as ``pip install`` does for jc.

    An editable install compiles on first import, unless ``PYTHONDONTWRITEBYTECODE`` is set; then
    every run would compile netnorm's sources again, which a user's installed copy never does.
    The package is located without importing it, so a broken netnorm does not stop the script.
    """
    import compileall

    try:
        spec = importlib.util.find_spec("netnorm")
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        print("  ! netnorm's package was not found, so its modules were not byte-compiled")
    for location in locations:
        compileall.compile_dir(location, quiet=2)


def load_average(when: str, record: list[dict[str, Any]]) -> None:
    """Print ``os.getloadavg()`` and append it to ``record``."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        print(f"load average ({when}): n/a")
        record.append({"when": when, "1min": None, "5min": None, "15min": None})
        return
    print(f"load average ({when}): {one:.2f} {five:.2f} {fifteen:.2f}")
    record.append({"when": when, "1min": one, "5min": five, "15min": fifteen})


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "n/a" if value is None else format(value, spec) + suffix


def _secs(value: float | None) -> str:
    return _fmt(value, ".3f", " s")


def _ms(value: float | None) -> str:
    return _fmt(None if value is None else value * 1000, ".0f", " ms")


def _times(value: float | None) -> str:
    return _fmt(value, ".2f", " ×")


def _markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def print_file_table(results: Sequence[FileResult], rows: int) -> None:
    """The per-file Markdown table: CPU in one process, wall with the defaults, peak RSS."""
    header = (
        f"file ({rows:,} rows)",
        "netnorm CPU (1 proc)",
        "jc CPU",
        "ratio (1 proc, CPU)",
        "netnorm wall (default)",
        "jc wall",
        "ratio (default, wall)",
        "RSS",
    )
    table = []
    for res in results:
        rss = " / ".join(_fmt(m.peak_rss_mb, ".0f") for m in (res.one_process, res.default, res.jc))
        table.append(
            (
                f"`{res.spec.name}`",
                _secs(res.one_process.best_cpu_s),
                _secs(res.jc.best_cpu_s),
                f"**{_times(res.one_process_ratio)}** (wall {_times(res.one_process_wall_ratio)})",
                _secs(res.default.best_wall_s),
                _secs(res.jc.best_wall_s),
                f"**{_times(res.default_ratio)}** (CPU {_times(res.default_cpu_ratio)})",
                f"{rss} MB",
            )
        )
    _markdown(header, table)
    print()
    print(
        "Best of the runs. CPU = user + system time of the command and the workers it waited"
        " for. RSS = peak RSS of netnorm -j 1 / netnorm (default) / jc, largest process."
    )


def print_latency_table(res: LatencyResult) -> None:
    """The small-capture Markdown table: best and median wall and CPU times, ratios to jc."""
    path = res.path.relative_to(REPO_ROOT) if res.path.is_relative_to(REPO_ROOT) else res.path
    size = res.path.stat().st_size
    print(f"Small capture `{path}` ({size:,} bytes), {res.repeat} runs each, alternating")
    print()
    header = (
        "command",
        "best CPU",
        "median CPU",
        "best wall",
        "median wall",
        "÷ jc (best CPU)",
        "÷ jc (median CPU)",
        "÷ jc (best wall)",
        "÷ jc (median wall)",
        "RSS",
    )
    table = []
    for measurement in (res.parse, res.analyze, res.jc):
        times = [
            _ms(measurement.best_cpu_s),
            _ms(measurement.median_cpu_s),
            _ms(measurement.best_wall_s),
            _ms(measurement.median_wall_s),
        ]
        if measurement is res.jc:
            ratios = ["", "", "", ""]
        else:
            r = res.ratios(measurement)
            ratios = [f"**{_times(r['best_cpu'])}**", _times(r["median_cpu"])]
            ratios += [_times(r["best_wall"]), _times(r["median_wall"])]
        rss = _fmt(measurement.peak_rss_mb, ".0f", " MB")
        table.append((f"`{measurement.label}`", *times, *ratios, rss))
    _markdown(header, table)


def _count(value: float | None) -> str:
    return _fmt(value, ",.0f")


def print_instruction_table(instructions: dict[str, Any]) -> None:
    """The instruction counts: per row and start-up (callgrind) or per command (perf)."""
    if instructions.get("method") == "callgrind":
        small, large = f"{INSTR_ROWS_SMALL:,}", f"{INSTR_ROWS_LARGE:,}"
        print(
            f"Instructions (callgrind, netnorm -j 1): per row = (I({large}) - I({small}))"
            f" / {INSTR_ROWS_LARGE - INSTR_ROWS_SMALL:,}, start-up = I({small}) - {small} × per row"
        )
        print()
        header = (
            "file",
            "netnorm per row",
            "jc per row",
            "jc ÷ netnorm (per row)",
            "netnorm start-up",
            "jc start-up",
        )
        table = []
        for rec in instructions["files"]:
            nn, jc = rec["netnorm"], rec["jc"]
            table.append(
                (
                    f"`{rec['file']}`",
                    _count(nn["per_row"]),
                    _count(jc["per_row"]),
                    _times(_ratio(jc["per_row"], nn["per_row"])),
                    _count(nn["startup"]),
                    _count(jc["startup"]),
                )
            )
        _markdown(header, table)
    elif instructions.get("method") == "perf":
        print("Instructions (perf stat, one run of each command)")
        print()
        table = [
            (f"`{rec['file']}`", f"`{rec['label']}`", _count(rec["instructions"]))
            for rec in instructions["commands"]
        ]
        _markdown(("file", "command", "instructions"), table)
    else:
        print("Instructions: not measured (no perf counter and no valgrind)")


def print_targets(targets: Sequence[Target]) -> None:
    """Each target, its value and whether it holds."""
    print("targets:")
    width = max((len(t.what) for t in targets), default=0)
    for target in targets:
        verdict = {True: "OK", False: "MISSED", None: "not measured"}[target.met]
        value = _times(target.value)
        bound = f"{target.op} {target.bound:g}"
        print(f"  {target.what:<{width}}  {value:>9}  {bound:<6}  {verdict}")


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def _selected(text: str | None, parser: argparse.ArgumentParser) -> set[str]:
    """The file keys chosen with ``--files`` (all of them without it)."""
    if text is None:
        return set(BY_KEY)
    keys = {key.strip() for key in text.split(",") if key.strip()}
    chosen = set()
    for key in keys:
        spec = BY_KEY.get(key) or BY_NAME.get(key)
        if spec is None:
            parser.error(f"unknown file key {key!r}; choose from {', '.join(BY_KEY)}")
        chosen.add(spec.key)
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Benchmark netnorm against jc.")
    parser.add_argument("--rows", type=int, default=generate.DEFAULT_ROWS, help="rows per file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command and file")
    parser.add_argument(
        "--latency-repeat", type=int, default=20, help="runs per command on the small capture"
    )
    parser.add_argument(
        "--small", type=Path, default=DEFAULT_SMALL, help="small capture for the latency runs"
    )
    parser.add_argument(
        "--files",
        help=f"comma-separated file keys to bench (default: all of {','.join(BY_KEY)})",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions (perf stat, else valgrind: takes minutes)",
    )
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED, help="generator seed")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    parser.add_argument("--check", action="store_true", help="exit 1 unless every target holds")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1 or args.latency_repeat < 1:
        parser.error("--rows, --repeat and --latency-repeat must be at least 1")
    selected = _selected(args.files, parser)
    small = args.small.resolve()
    if not small.is_file():
        parser.error(f"--small: no such file: {args.small}")

    jc_cmd = jc_base()
    if jc_cmd is None:
        print(
            f"jc is not installed, so there is nothing to compare against.\n"
            f"Install the benchmark extra from the repository root: {INSTALL_HINT}",
            file=sys.stderr,
        )
        return 2
    nn_base = netnorm_base()
    compile_netnorm()
    print(f"netnorm: {' '.join(nn_base)}")
    print(f"jc:      {' '.join(jc_cmd)}")
    loads: list[dict[str, Any]] = []
    load_average("start", loads)

    results: list[FileResult] = []
    instructions: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="netnorm-bench-") as tmp:
        print(f"generating {args.rows:,} rows per file (seed {args.seed}) in {tmp}")
        paths = generate.generate_all(Path(tmp), args.rows, args.seed)
        for name, path in paths.items():
            spec = BY_NAME.get(name)
            if spec is None:
                print(f"  ! {name}: no entry in BENCH_FILES (key, jc parser, targets); skipped")
                continue
            if spec.key not in selected:
                continue
            load_average(f"before {name}", loads)
            print(f"{name}: {path.stat().st_size:,} bytes, {args.repeat} run(s) per command")
            results.append(benchmark_file(spec, path, args.rows, args.repeat, nn_base, jc_cmd))
        load_average("before the small capture", loads)
        print(f"{small.name}: {args.latency_repeat} run(s) per command")
        latency = benchmark_latency(small, args.latency_repeat, nn_base, jc_cmd)
        if args.instructions:
            load_average("before the instruction counts", loads)
            instructions = instruction_counts(results, latency, args.seed, nn_base, jc_cmd)
        files = [res.to_json() for res in results]  # needs the files for their sizes
    load_average("end", loads)

    print()
    print_file_table(results, args.rows)
    print()
    print_latency_table(latency)
    if instructions is not None:
        print()
        print_instruction_table(instructions)
    print()
    targets = [target for res in results for target in res.targets()] + latency.targets()
    print_targets(targets)
    measurements = [m for res in results for m in (res.one_process, res.default)]
    if any(not m.ok for m in [*measurements, latency.parse, latency.analyze]):
        print(
            "\nnetnorm could not be measured everywhere (see the messages above); the jc"
            f" numbers are still valid. Is netnorm installed? Try: {INSTALL_HINT}"
        )

    verdicts = [target.met for target in targets]
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "rows": args.rows,
        "repeat": args.repeat,
        "latency_repeat": args.latency_repeat,
        "seed": args.seed,
        **_environment(nn_base, jc_cmd),
        "load_average": loads,
        "targets": {
            "min_one_process_ratio": {s.name: s.min_one_process_ratio for s in BENCH_FILES},
            "min_default_ratio": {s.name: s.min_default_ratio for s in BENCH_FILES},
            "max_parse_latency_ratio": MAX_PARSE_LATENCY_RATIO,
            "max_analyze_latency_ratio": MAX_ANALYZE_LATENCY_RATIO,
        },
        "files": files,
        "latency": latency.to_json(),
        "instructions": instructions,
        "targets_met": None if None in verdicts else all(verdicts),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {args.out}")
    if args.check and report["targets_met"] is not True:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
