"""Benchmark ``netnorm parse`` against ``jc --netstat`` on generated netstat captures.

Usage: ``python benchmarks/run.py [--rows 100000] [--repeat 3] [--out FILE]``

For each generated file both tools run ``--repeat`` times in this process, alternating, with
their output sent to /dev/null. The best wall time and the peak RSS of each child process
(from ``os.wait4``) are reported, and written to a JSON file. This script is a measurement
tool: the test suite never runs it as a timed assertion.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import generate

MIN_RATIO = 2.0  # netnorm rows/s must be at least this multiple of jc rows/s
MAX_NETNORM_RSS_MB = 100.0  # peak RSS of the netnorm process
BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_OUT = BENCH_DIR / "results" / "latest.json"
INSTALL_HINT = "pip install -e '.[bench]'"
_STDERR_TAIL = 2000


@dataclass
class RunResult:
    """One child process run."""

    seconds: float
    max_rss_kb: int
    exit_code: int
    stderr: str


@dataclass
class ToolResult:
    """All runs of one tool on one file."""

    tool: str
    command: list[str]
    times_s: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    ok: bool = True
    error: str | None = None
    output_rows: int | None = None

    @property
    def best_s(self) -> float | None:
        """Best wall time over the successful runs."""
        return min(self.times_s) if self.ok and self.times_s else None

    @property
    def peak_rss_mb(self) -> float | None:
        """Largest peak RSS over the runs, in MiB."""
        return max(self.rss_kb) / 1024 if self.ok and self.rss_kb else None

    def rows_per_s(self, rows: int) -> float | None:
        """Throughput for the best run."""
        best = self.best_s
        return rows / best if best else None

    def to_json(self, rows: int) -> dict[str, Any]:
        """JSON-ready summary."""
        data = asdict(self)
        data.update(best_s=self.best_s, rows_per_s=self.rows_per_s(rows))
        data.update(peak_rss_kb=max(self.rss_kb) if self.rss_kb else None)
        data.update(peak_rss_mb=self.peak_rss_mb)
        return data


@dataclass
class FileResult:
    """Both tools on one file."""

    name: str
    path: Path
    rows: int
    netnorm: ToolResult
    jc: ToolResult

    @property
    def ratio(self) -> float | None:
        """netnorm rows/s divided by jc rows/s."""
        nn, jc = self.netnorm.best_s, self.jc.best_s
        return jc / nn if nn and jc else None

    @property
    def targets_met(self) -> bool | None:
        """Whether both targets hold; None when a tool could not be measured."""
        ratio, rss = self.ratio, self.netnorm.peak_rss_mb
        if ratio is None or rss is None:
            return None
        return ratio >= MIN_RATIO and rss <= MAX_NETNORM_RSS_MB

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "file": self.name,
            "bytes": self.path.stat().st_size,
            "rows": self.rows,
            "netnorm": self.netnorm.to_json(self.rows),
            "jc": self.jc.to_json(self.rows),
            "ratio": self.ratio,
            "targets_met": self.targets_met,
        }


def _rss_kb(ru_maxrss: int) -> int:
    """ru_maxrss is in KiB on Linux but in bytes on macOS."""
    return ru_maxrss // 1024 if sys.platform == "darwin" else ru_maxrss


def run_child(command: Sequence[str], stdin: int | IO[bytes], stdout: int | IO[bytes]) -> RunResult:
    """Run ``command`` to completion; time it and read its own peak RSS with ``os.wait4``."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=err, cwd=REPO_ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        err.seek(0)
        stderr = err.read()[-_STDERR_TAIL:].decode("utf-8", "replace")
    return RunResult(seconds, _rss_kb(usage.ru_maxrss), proc.returncode, stderr)


def count_output_rows(command: Sequence[str]) -> tuple[int, RunResult]:
    """Run ``command`` once with stdout piped and count its non-empty output lines."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, cwd=REPO_ROOT
        )
        assert proc.stdout is not None
        count = sum(1 for line in proc.stdout if line.strip())
        proc.stdout.close()
        code = proc.wait()
        seconds = time.perf_counter() - start
        err.seek(0)
        stderr = err.read()[-_STDERR_TAIL:].decode("utf-8", "replace")
    return count, RunResult(seconds, 0, code, stderr)


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
    """Installed version of ``dist``, else the output of ``fallback --version``."""
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


def _describe_failure(tool: str, command: Sequence[str], run: RunResult) -> str:
    tail = run.stderr.strip().splitlines()[-5:]
    detail = "\n    ".join(tail) if tail else "(no stderr)"
    return f"{tool} failed (exit {run.exit_code}): {' '.join(command)}\n    {detail}"


def benchmark_file(
    name: str, path: Path, rows: int, repeat: int, nn_base: list[str], jc_cmd: list[str]
) -> FileResult:
    """Time both tools on one file, alternating runs; count netnorm's rows once."""
    nn = ToolResult("netnorm", [*nn_base, "parse", "--format", "jsonl", str(path)])
    jc = ToolResult("jc", [*jc_cmd, "--netstat"])
    for _ in range(repeat):
        if nn.ok:
            run = run_child(nn.command, subprocess.DEVNULL, subprocess.DEVNULL)
            if run.exit_code == 0:
                nn.times_s.append(run.seconds)
                nn.rss_kb.append(run.max_rss_kb)
            else:
                nn.ok, nn.error = False, _describe_failure("netnorm parse", nn.command, run)
                print(f"  ! {nn.error}", file=sys.stderr)
        if jc.ok:
            with path.open("rb") as stdin:
                run = run_child(jc.command, stdin, subprocess.DEVNULL)
            if run.exit_code == 0:
                jc.times_s.append(run.seconds)
                jc.rss_kb.append(run.max_rss_kb)
            else:
                jc.ok, jc.error = False, _describe_failure("jc", [*jc.command, "<", str(path)], run)
                print(f"  ! {jc.error}", file=sys.stderr)
    if nn.ok:
        count, run = count_output_rows(nn.command)
        nn.output_rows = count
        if run.exit_code != 0:
            nn.ok, nn.error = False, _describe_failure("netnorm parse", nn.command, run)
            print(f"  ! {nn.error}", file=sys.stderr)
        elif count != rows:
            print(f"  ! warning: netnorm wrote {count} rows for {name}, expected {rows}")
    return FileResult(name, path, rows, nn, jc)


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def print_table(results: Sequence[FileResult]) -> None:
    """Print the per-file, per-tool numbers and the target check."""
    header = f"{'file':<18} {'tool':<8} {'best s':>9} {'rows/s':>12} {'peak RSS MB':>12}"
    print(header)
    print("-" * len(header))
    for res in results:
        for tool in (res.netnorm, res.jc):
            best = "failed" if not tool.ok else _fmt(tool.best_s, ".3f")
            print(
                f"{res.name:<18} {tool.tool:<8} {best:>9} "
                f"{_fmt(tool.rows_per_s(res.rows), ',.0f'):>12} "
                f"{_fmt(tool.peak_rss_mb, '.1f'):>12}"
            )
    print()
    print(f"targets: ratio >= {MIN_RATIO:g} and netnorm peak RSS <= {MAX_NETNORM_RSS_MB:g} MB")
    for res in results:
        verdict = {True: "OK", False: "MISSED", None: "not measured"}[res.targets_met]
        ratio = "n/a" if res.ratio is None else f"{res.ratio:.2f}x"
        rss = "n/a" if res.netnorm.peak_rss_mb is None else f"{res.netnorm.peak_rss_mb:.1f} MB"
        print(f"  {res.name:<18} ratio {ratio:>7}  netnorm RSS {rss:>9}  {verdict}")


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
    """
    import compileall

    import netnorm

    compileall.compile_dir(str(Path(netnorm.__file__).parent), quiet=1)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Benchmark netnorm against jc.")
    parser.add_argument("--rows", type=int, default=generate.DEFAULT_ROWS, help="rows per file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and file")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED, help="generator seed")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 unless every target holds on every file"
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")

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

    results: list[FileResult] = []
    with tempfile.TemporaryDirectory(prefix="netnorm-bench-") as tmp:
        print(f"generating {args.rows:,} rows per file (seed {args.seed}) in {tmp}")
        paths = generate.generate_all(Path(tmp), args.rows, args.seed)
        for name, path in paths.items():
            print(f"{name}: {path.stat().st_size:,} bytes, {args.repeat} run(s) per tool")
            results.append(benchmark_file(name, path, args.rows, args.repeat, nn_base, jc_cmd))
        files = [res.to_json() for res in results]  # needs the files for their sizes

    print()
    print_table(results)
    if any(not res.netnorm.ok for res in results):
        print(
            "\nnetnorm could not be measured on every file (see the messages above); the jc"
            f" numbers are still valid. Is netnorm installed? Try: {INSTALL_HINT}"
        )

    verdicts = [res.targets_met for res in results]
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "rows": args.rows,
        "repeat": args.repeat,
        "seed": args.seed,
        **_environment(nn_base, jc_cmd),
        "targets": {"min_ratio": MIN_RATIO, "max_netnorm_rss_mb": MAX_NETNORM_RSS_MB},
        "files": files,
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
