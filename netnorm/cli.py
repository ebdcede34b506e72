"""The ``netnorm`` command line.

Each command reads its inputs, makes one library call per input, renders, and maps errors to
exit codes: 0 ok, 1 findings or differences where a command says so, 2 input or usage errors.
Tracebacks appear only with ``--debug``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import stat
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, NoReturn, cast

import typer
from typer.core import TyperGroup

from netnorm.errors import InputError, NetnormError, OutputError, UsageError, reason
from netnorm.model.enums import Platform, Severity, StrEnum

if TYPE_CHECKING:
    from netnorm.render.parquet import ParquetWriter


class _Group(TyperGroup):
    """Turns library errors into one line on stderr and exit 2, for every command."""

    def invoke(self, ctx: Any) -> Any:
        from netnorm.signals import Stopped

        try:
            return super().invoke(ctx)
        except NetnormError as exc:
            _err(f"Error: {exc}")
            ctx.exit(2)
        except KeyboardInterrupt:
            # click would print "Aborted!" and exit 1, which means "findings" here
            _err("Error: interrupted")
            ctx.exit(130)
        except Stopped as exc:
            _err(f"Error: stopped by {exc.name}")
            ctx.exit(128 + exc.signum)


app = typer.Typer(
    name="netnorm",
    cls=_Group,
    help=(
        "Read saved or piped socket listings (netstat on Linux, Windows, FreeBSD and macOS; "
        "ss; lsof -i; PowerShell Get-NetTCPConnection), normalize them into one schema, and "
        "show which connections leave the network.\n\n"
        "Examples:\n\n"
        "  netstat -npt | netnorm analyze\n\n"
        "  netnorm analyze --name-pattern '{host}_{time}.txt' audit/\n\n"
        "  netnorm diff yesterday.txt today.txt\n\n"
        "  netnorm parse --format csv captures/ > all.csv"
    ),
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

STDIN = "-"
#: Diagnostics that make ``--strict`` fail: lines not understood, and netstat's own errors.
STRICT_CODES = frozenset(
    {"unrecognised-line", "line-too-long", "unexpected-columns", "elevation-required"}
)


class ParseFormat(str, Enum):
    table = "table"
    jsonl = "jsonl"
    json = "json"
    csv = "csv"
    ecs = "ecs"
    parquet = "parquet"


class ReportFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    ecs = "ecs"
    ocsf = "ocsf"
    parquet = "parquet"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


class State:
    """Per-run flags shared by the commands."""

    debug = False
    failed = False
    #: the file ``--output`` opened, closed when the run ends, and its (device, inode): it is
    #: never read as an input of the same run
    output: IO[str] | None = None
    output_id: tuple[int, int] | None = None


def _err(message: str) -> None:
    """One line on stderr. A closed or full stderr loses the line, not the exit status."""
    from netnorm.render.safe import visible

    stream = sys.stderr
    if stream is None:  # 2>&-
        return
    try:
        stream.write(visible(message) + "\n")
        stream.flush()
    except (OSError, ValueError):
        # nowhere to say it: keep quiet from now on, and let the exit status speak
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115


def fail(exc: NetnormError) -> None:
    """Report one failed input and remember that the run must exit 2."""
    State.failed = True
    _err(f"Error: {exc}")


class Globs:
    """``--include`` and ``--exclude``: which files of a folder are read."""

    def __init__(self, include: list[str] | None = None, exclude: list[str] | None = None):
        self.include = include or []
        self.exclude = exclude or []

    def wanted(self, path: str, root: str) -> bool:
        """True when a file found under ``root`` is read."""
        from fnmatch import fnmatchcase

        name = os.path.basename(path)
        relative = os.path.relpath(path, root)

        def matches(pattern: str) -> bool:
            return fnmatchcase(relative if "/" in pattern else name, pattern)

        if self.include and not any(map(matches, self.include)):
            return False
        return not any(map(matches, self.exclude))


def expand(paths: list[str], globs: Globs | None = None) -> Iterator[str]:
    """Yield files in order: ``-`` for stdin, folders recursed in sorted order.

    A missing path, an unreadable folder or a symlink loop is reported and skipped.
    """
    for path, _root in expand_with_roots(paths, globs):
        yield path


def expand_with_roots(
    paths: list[str], globs: Globs | None = None, urls: bool = False
) -> Iterator[tuple[str, str | None]]:
    """Like ``expand``, with the folder given on the command line for files found inside one.
    Files named on the command line are read whatever ``globs`` say; with ``urls``, a path
    with a scheme (``s3://``, ``file://``) is given on as it is, for fsspec to read."""
    if not paths:
        if sys.stdin.isatty():
            _err("reading netstat output from the terminal; end with Ctrl-D (see --help)")
        yield STDIN, None
        return
    for raw in paths:
        if raw == STDIN or (urls and "://" in raw):
            yield raw, None
            continue
        try:
            mode = named_input(raw)
        except InputError as exc:
            fail(exc)
            continue
        if not stat.S_ISDIR(mode):
            yield raw, None
            continue
        path = Path(raw)
        empty = True
        for found in _walk(path):
            if globs is not None and not globs.wanted(found, raw):
                continue
            empty = False
            yield found, raw
        if empty:
            filtered = globs is not None and bool(globs.include or globs.exclude)
            what = "no files that --include/--exclude let in" if filtered else "no files to read"
            fail(InputError(f"folder holds {what}", raw))


def _stat_error(exc: OSError, missing: str = "no such file or folder") -> str:
    if isinstance(exc, FileNotFoundError):
        return missing
    return reason(exc, "cannot be read")


def named_input(raw: str, missing: str = "no such file or folder") -> int:
    """The ``stat`` mode of a path named on the command line: a folder, a regular file or a
    FIFO.

    Raises:
        InputError: it is missing (``missing`` says so), cannot be looked at, or is a device or
            a socket.
    """
    try:
        mode = os.stat(raw).st_mode
    except OSError as exc:
        raise InputError(_stat_error(exc, missing), raw) from None
    refused = None if stat.S_ISDIR(mode) else special_file(mode, named=True)
    if refused:
        raise InputError(refused, raw)
    return mode


#: What ``stat`` says a path is, for the kinds of file that are not read from folders.
_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def special_file(mode: int, named: bool) -> str | None:
    """Why a path that is not a regular file is not read, or ``None`` when it is read.

    Folders are read for regular files only: a FIFO there would wait for a writer forever. A
    FIFO named on the command line (``<(netstat -an)``, ``mkfifo``) is read as a stream, like
    stdin. A device (``/dev/zero``, a terminal) or a socket is never a capture.
    """
    if stat.S_ISREG(mode):
        return None
    kind = next((kind for test, kind in _KINDS if test(mode)), "not a regular file")
    if named:
        return None if stat.S_ISFIFO(mode) else f"is {kind}, not a capture file"
    hint = " (name it on the command line to read it)" if stat.S_ISFIFO(mode) else ""
    return f"skipped {kind}: folders are read for regular files only{hint}"


def _walk(root: Path) -> Iterator[str]:
    seen: set[tuple[int, int]] = set()

    def on_error(exc: OSError) -> None:
        fail(InputError(exc.strerror or "cannot be read", exc.filename))

    for folder, dirs, files in os.walk(root, followlinks=True, onerror=on_error):
        try:
            st = os.stat(folder)
        except OSError as exc:
            fail(InputError(exc.strerror or "cannot be read", folder))
            dirs[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            fail(InputError("symlink loop; folder already read", folder))
            dirs[:] = []
            continue
        seen.add(key)
        dirs.sort()
        for name in sorted(files):
            found = os.path.join(folder, name)
            try:
                st = os.stat(found)
                if (st.st_dev, st.st_ino) == State.output_id:
                    continue  # what this run writes (--output inside a folder it reads)
                refused = special_file(st.st_mode, named=False)
            except OSError as exc:  # a dangling symlink, a file removed meanwhile
                fail(InputError(_stat_error(exc), found))
                continue
            if refused:
                _err(f"{found}: warning: {refused}")
                continue
            yield found


def _stdout(output: Path | None = None, inputs: list[str] | None = None) -> IO[str]:
    """Where a command writes: standard output as UTF-8, or the ``--output`` file, which must
    not be one of ``inputs`` (it would be emptied before it is read); ``-`` is standard output."""
    if output is not None and str(output) == STDIN:
        output = None
    if output is not None:
        if os.path.exists(output):
            for raw in inputs or []:
                if raw != STDIN and os.path.exists(raw) and os.path.samefile(raw, output):
                    raise UsageError(f"--output {output} is also an input; choose another file")
        try:
            State.output = open(  # noqa: SIM115 (closed by main)
                output, "w", encoding="utf-8", errors="backslashreplace", newline=""
            )
        except OSError as exc:
            raise OutputError(f"cannot write: {reason(exc)}", str(output)) from None
        st = os.fstat(State.output.fileno())
        State.output_id = (st.st_dev, st.st_ino)
        return State.output
    out = sys.stdout
    if out is None:  # >&-
        raise OutputError("standard output is closed; redirect it to a file or to /dev/null")
    reconfigure = getattr(out, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(encoding="utf-8", errors="backslashreplace")
    return out


def _parquet_writer(output: Path | None, inputs: list[str]) -> ParquetWriter:
    """The writer of ``--format parquet``: a dataset folder, which must not be standard output
    or lie in a folder being read."""
    if output is None or str(output) == STDIN:
        raise UsageError("--format parquet writes a dataset folder: give it with --output DIR")
    target = os.path.realpath(output)
    for raw in inputs:
        if raw != STDIN and os.path.isdir(raw):
            folder = os.path.realpath(raw)
            if target == folder or target.startswith(folder.rstrip(os.sep) + os.sep):
                raise UsageError(f"--output {output} is inside the input folder {raw}")
    from netnorm.render.parquet import ParquetWriter

    try:
        return ParquetWriter(output)
    except OSError as exc:
        raise OutputError(f"cannot write: {reason(exc)}", str(output)) from None


def table_rows(out: IO[str], elsewhere: int = 100) -> int:
    """Rows of a table that fit the terminal (at least 10), or ``elsewhere`` when ``out`` is
    not one."""
    if not out.isatty():
        return elsewhere
    import shutil

    return max(10, shutil.get_terminal_size().lines - 8)


def _source(path: str) -> Any:
    return sys.stdin.buffer if path == STDIN else Path(path)


def _name(path: str) -> str:
    return "<stdin>" if path == STDIN else path


#: Diagnostics printed per input on stderr; the rest are counted in one line (every one is in
#: the JSON output).
DIAGNOSTICS_SHOWN = 20


def print_diagnostics(
    diagnostics: list[dict[str, Any]], source: str, quiet: bool, more: int = 0
) -> None:
    """The first ``DIAGNOSTICS_SHOWN`` diagnostics of an input, then how many more there were
    (``more`` of them not in the list), as ``parse`` prints them."""
    shown = [d for d in diagnostics if not (quiet and d["severity"] == "notice")]
    for d in shown[:DIAGNOSTICS_SHOWN]:
        print_diagnostic(d, source, quiet)
    rest = len(shown[DIAGNOSTICS_SHOWN:]) + more
    if rest:
        print_more(source, rest)


def print_more(source: str, count: int) -> None:
    """The line that counts the diagnostics of an input not printed."""
    _err(f"{source}: {count} more diagnostics (see --format json)")


def print_diagnostic(d: dict[str, Any], source: str, quiet: bool) -> None:
    """``file:line: severity: message: text`` on stderr (notices hidden with --quiet)."""
    if quiet and d["severity"] == "notice":
        return
    where = f"{source}:{d['line']}" if d["line"] is not None else source
    text = f": {d['text'].strip()[:120]!s}" if d.get("text") else ""
    _err(f"{where}: {d['severity']}: {d['message']}{text}")


OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file instead of standard output (the default format is then "
        "the one for files); - is standard output.",
        show_default=False,
        dir_okay=False,
    ),
]
IncludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--include",
        help='In folders, read only files whose name matches this glob (e.g. "*.txt"); a '
        "glob with / matches the path under the folder. Repeat for more.",
        show_default=False,
    ),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        help='In folders, skip files whose name matches this glob (e.g. "*.json"). '
        "Repeat for more.",
        show_default=False,
    ),
]


PathsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Files or folders to read (folders are read recursively). "
        "Without a path, or with -, read stdin.",
        show_default=False,
    ),
]
PlatformOpt = Annotated[
    Platform | None,
    typer.Option(
        "--platform",
        help="Read only the dialects of one platform (linux: netstat, ss, lsof; windows: "
        "netstat, PowerShell; macos; freebsd); rows of the others become diagnostics.",
    ),
]
HostOpt = Annotated[str | None, typer.Option("--host", help="Record this host on every capture.")]


def _check_encoding(value: str | None) -> str | None:
    if value is None:
        return None
    from netnorm.decode import text_encoding

    try:
        text_encoding(value)
    except LookupError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Read inputs in this encoding (e.g. cp850, cp932) instead of detecting.",
        callback=_check_encoding,
    ),
]
#: ``--jobs`` takes at most this; more processes than CPUs only cost memory.
MAX_JOBS = 256
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        max=MAX_JOBS,
        help="Worker processes, at most the CPU count: analyze reads files side by side, "
        "parse reads one large file (4 MB and more) in parts for JSONL. Default: the CPU count.",
        show_default=False,
    ),
]


def workers(jobs: int | None, work: int) -> int:
    """Processes for ``work`` units: what ``--jobs`` asks for, bounded by the CPUs this
    process may run on and by the work."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(jobs or cpus, cpus, work))


DatasetOutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file instead of standard output (the default format is then "
        "the one for files); - is standard output. With --format parquet: the dataset's "
        "folder.",
        show_default=False,
    ),
]


QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Do not print notices (netstat's own warnings).")
]


def _version(value: bool) -> None:
    if value:
        from netnorm import __version__

        _stdout().write(f"netnorm {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show a traceback on internal errors.")
    ] = False,
    no_color: Annotated[
        bool,
        typer.Option(
            "--no-color",
            help="No colours or bold in tables, also on a terminal (as with NO_COLOR set).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    State.debug = debug
    if no_color:
        os.environ["NO_COLOR"] = "1"  # what rich and other tools read (no-color.org)


@app.command()
def parse(
    paths: PathsArg = None,
    fmt: Annotated[
        ParseFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format. Default: table on a terminal, jsonl otherwise.",
            show_default=False,
        ),
    ] = None,
    platform: PlatformOpt = None,
    host: HostOpt = None,
    encoding: EncodingOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 2 if any line was not recognised.")
    ] = False,
    quiet: QuietOpt = False,
    jobs: JobsOpt = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=1,
            help="Table rows shown per capture; a line counts the others. Default: what "
            "fits the terminal (100 when not on one).",
            show_default=False,
        ),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Show every row in the table (printed in parts).")
    ] = False,
    output: DatasetOutputOpt = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
) -> None:
    """Normalize netstat captures into one schema and print them.

    netstat (Linux, Windows, FreeBSD, macOS), ss, lsof -i and PowerShell output is detected
    per row; a file may hold several snapshots (netstat -c, netstat -ano 5, appended logs),
    each becomes one capture.
    Lines that are not netstat output are reported on stderr as file:line: message.

    Examples:

      netstat -anp | netnorm parse --format jsonl

      netnorm parse --format csv c.txt > c.csv

      netnorm parse --format json --host web01 web01.txt

      netnorm parse --format parquet --output dataset/ captures/
    """
    from netnorm.api import feed, iter_items
    from netnorm.render.records import Writer, writer_for

    writer: Writer
    chosen: ParseFormat
    parquet = None
    if fmt is ParseFormat.parquet:
        out = _stdout()
        writer = parquet = _parquet_writer(output, paths or [])
        chosen = fmt
    else:
        out = _stdout(output, paths)
        chosen = fmt or (ParseFormat.table if out.isatty() else ParseFormat.jsonl)
        writer = writer_for(chosen.value, out, None if show_all else (limit or table_rows(out)))
    unrecognised = printed = 0

    def diagnostic(d: dict[str, Any]) -> None:
        nonlocal unrecognised, printed
        if d["code"] in STRICT_CODES:
            unrecognised += 1
        if quiet and d["severity"] == "notice":
            return
        printed += 1
        if printed <= DIAGNOSTICS_SHOWN:
            print_diagnostic(d, name, quiet)

    for path, root in expand_with_roots(paths or [], Globs(include, exclude)):
        name = _name(path)
        printed = 0
        if parquet is not None:
            from netnorm.analysis.batch import name_file

            # a dataset is partitioned by host and date: found as analyze finds them
            named = name_file(path, root, host, None, None)
            parquet.host, parquet.captured_at = named.host, named.time
        # a large file is read in parts (JSONL only); the parts are bounded by its size
        parts = workers(jobs, MAX_JOBS) if chosen is ParseFormat.jsonl else 1
        try:
            # on the terminal that shows the bar, only a table waits for a capture's end
            with _meter(path, 1, shown=chosen is ParseFormat.table or not out.isatty()) as meter:
                writer.pause_progress = meter.pause
                decoded, items = iter_items(
                    _source(path),
                    platform,
                    host=host,
                    encoding=encoding,
                    name=name,
                    parts=parts,
                    meter=meter,
                )
                feed(decoded, items, writer, diagnostic)
        except NetnormError as exc:
            error: NetnormError | None = exc
        else:
            error = None
        if printed > DIAGNOSTICS_SHOWN:
            print_more(name, printed - DIAGNOSTICS_SHOWN)
        if error is not None:
            fail(error)  # after the diagnostics, as analyze prints them
    writer.close()
    out.flush()
    if parquet is not None and not quiet:
        written = parquet.written
        _err(
            f"{_name(str(output))}: wrote {written:,} connections (parquet, partitioned by "
            "platform, host and date)"
        )
    if State.failed or (strict and unrecognised):
        if strict and unrecognised and not State.failed:
            _err(f"Error: {unrecognised} lines were not recognised or reported errors (--strict)")
        raise typer.Exit(2)


@app.command()
def analyze(
    paths: PathsArg = None,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format. Default: table on a terminal, json otherwise.",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="TOML settings (internal networks, thresholds, suspicious ports, allowlists). "
            "Default: ./netnorm.toml when it exists.",
            show_default=False,
        ),
    ] = None,
    internal: Annotated[
        list[str] | None,
        typer.Option(
            "--internal",
            help="A network (CIDR) that belongs to your organisation; repeat for more.",
            show_default=False,
        ),
    ] = None,
    internal_file: Annotated[
        list[str] | None,
        typer.Option(
            "--internal-file",
            help="A file of internal networks, one per line (# comments): for long lists. "
            "Repeat for more files.",
            show_default=False,
        ),
    ] = None,
    ioc: Annotated[
        list[str] | None,
        typer.Option(
            "--ioc",
            help="A file of known-bad IPs and networks (one per line, # comments): "
            "connections to them are ioc-match findings (high). Repeat for more files.",
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[
        Severity | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding has this severity or higher (for cron and CI).",
            show_default=False,
        ),
    ] = None,
    name_pattern: Annotated[
        str | None,
        typer.Option(
            "--name-pattern",
            help='How file names give host and time, e.g. "{host}_{time}.txt" or '
            '"{time}/{host}.log". Default: {host}_{time}, else the file modification time.',
            show_default=False,
        ),
    ] = None,
    time: Annotated[
        str | None,
        typer.Option(
            "--time", help="Record this capture time (e.g. 2026-11-20T10:00:00) on every capture."
        ),
    ] = None,
    persist_min: Annotated[
        str | None,
        typer.Option(
            "--persist-min",
            help="persistent-external: how long an outside connection must stay established "
            "across captures (90m, 1h, 2d). Default 1h.",
            show_default=False,
        ),
    ] = None,
    jobs: JobsOpt = None,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="Where the files are analysed: local processes, or a Dask cluster (dask: a "
            "local cluster of --jobs workers, unless --scheduler names one; needs "
            "netnorm[dask]).",
        ),
    ] = Engine.local,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="The Dask scheduler to run on, e.g. tcp://10.0.0.5:8786 (implies --engine "
            "dask). Its workers must have netnorm and read the paths or URLs given.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=1,
            help="Table and Markdown rows per group and per fleet table; a line counts the "
            "others. Default: what fits the terminal (20 when not on one).",
            show_default=False,
        ),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Show every row of every group and fleet table.")
    ] = False,
    platform: PlatformOpt = None,
    host: HostOpt = None,
    encoding: EncodingOpt = None,
    quiet: QuietOpt = False,
    output: DatasetOutputOpt = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
) -> None:
    """Show what goes outside the network and what looks wrong, for one capture or a fleet.

    Every connection is marked self (this machine), internal (private ranges and --internal
    networks), external, none (listening) or unknown (names, cut addresses). Rules report SYN
    floods, outside connections whose owner is hidden, CLOSE_WAIT leaks, suspicious ports,
    outside connections per process and listeners on all interfaces; over timed captures of the
    same host, connections that stay established to outside addresses (see docs/rules.md).
    With several captures, the report stacks what the fleet saw, rarest first.

    Examples:

      netstat -npt | netnorm analyze

      netnorm analyze c.txt --internal 203.0.113.0/24 --fail-on medium

      netnorm analyze --name-pattern "{host}_{time}.txt" audit/

      netnorm analyze --format markdown captures/ > ticket.md
    """
    from netnorm.analysis import batch
    from netnorm.analysis.audit import FindingStore, Fleet, parse_duration
    from netnorm.analysis.config import load_config
    from netnorm.analysis.engine import summarize_fleet
    from netnorm.analysis.naming import NamePattern, parse_time
    from netnorm.analysis.rules import SEVERITY_ORDER

    parquet = None
    if fmt is ReportFormat.parquet:
        out = _stdout()
        parquet = _parquet_writer(output, paths or [])
    else:
        out = _stdout(output, paths)
    chosen = fmt or (ReportFormat.table if out.isatty() else ReportFormat.json)
    rows = None if show_all else (limit or table_rows(out, elsewhere=20))
    overrides: dict[str, Any] = {}
    if internal:
        from netnorm.analysis.scopes import validate_networks

        for network in internal:
            try:
                validate_networks([network])
            except ValueError:
                raise UsageError(f"--internal {network!r} is not a network in CIDR form") from None
        overrides["internal"] = internal
    if persist_min is not None:
        overrides["thresholds"] = {"persist_min": persist_min}
    if ioc:
        overrides["ioc"] = {"files": ioc}
    if internal_file:
        overrides["internal_files"] = internal_file
    settings = load_config(config, overrides)
    if settings.internal or settings.internal_files:
        from netnorm.analysis.netset import network_set

        # read once, before workers fork; a bad line stops the run here
        network_set(
            tuple(settings.internal), tuple(settings.internal_files), "internal network list"
        )
    if settings.ioc.files:
        from netnorm.analysis.netset import ioc_set

        ioc_set(tuple(settings.ioc.files))  # read once, before workers fork: a bad line stops here
    when = None
    if time is not None:
        when = parse_time(time)
        if when is None:
            raise UsageError(f"--time {time!r} is not a time stamp")
    if name_pattern is not None:
        NamePattern(name_pattern)  # reject a bad pattern before reading anything
    # each host's captures in time order: persistence then follows runs as files arrive
    files = batch.by_host_and_time(
        list(expand_with_roots(paths or [], Globs(include, exclude), urls=True)),
        host,
        when,
        name_pattern,
    )
    # the formats a line per connection, written as the captures come
    lines = (ReportFormat.jsonl, ReportFormat.ecs, ReportFormat.ocsf)
    payload: batch.Payload | None = None
    if chosen is ReportFormat.json or chosen in lines or chosen is ReportFormat.parquet:
        payload = cast("batch.Payload", chosen.value)
    elif len(files) == 1:
        payload = "dict"  # one file: the table and Markdown show its connections
    processes = workers(jobs, len(files))
    store = FindingStore()  # its spool folder is removed by close()
    try:
        job = batch.Job(
            config=settings,
            platform=platform.value if platform else None,
            encoding=encoding,
            payload=payload,
            findings_spool=store.spool,
            quiet=quiet,
            keep=rows,
        )
        # the aggregates hold many small objects and no cycles; frequent full collections would
        # rescan all of them for every file
        gc.set_threshold(100_000, 50, 1000)
        persist = parse_duration(settings.thresholds.persist_min)
        fleet = Fleet(persist, in_order=True, closed=store.add_late)
        captures: list[dict[str, Any]] = []
        times: dict[tuple[str, int], str] = {}  # capture times, for the ECS alerts
        written = read = 0
        # no bar on a terminal that the output streams to
        streamed = out.isatty() and payload not in (None, "dict", "parquet")
        meter = _meter(files[0].path if len(files) == 1 else None, len(files), not streamed)
        # the results are closed before the spool folder goes, even when a signal stops the
        # run: their workers are stopped first
        with contextlib.ExitStack() as stack:
            stack.enter_context(meter)
            on_cluster = None
            if engine is Engine.dask or scheduler is not None:
                from netnorm.analysis import cluster

                dask = stack.enter_context(cluster.client(scheduler, processes))
                on_cluster = cluster.DaskRun(job, files, dask, persist)
                results: Iterator[batch.FileResult] = on_cluster.results()
            else:
                results = stack.enter_context(
                    contextlib.closing(batch.run(job, files, processes, meter))
                )
            for result in results:
                if len(files) > 1:
                    meter.advance()
                print_diagnostics(result.diagnostics, result.name, quiet, result.more_diagnostics)
                if result.error is not None:
                    # a verdict on input that was not read would be a lie: its captures are left out
                    State.failed = True
                    _err(f"Error: {result.error}")
                    continue
                for capture in result.captures:
                    read += 1
                    if on_cluster is None:  # else the cluster merges them
                        fleet.add(capture.facts)
                    store.add_encoded(capture.findings)
                    if chosen is ReportFormat.json:
                        out.write("," if written else '{"captures":[')
                        _write_payload(capture, out)
                        written += 1
                    elif parquet is not None:
                        with capture.serialised() as (raw, _size):
                            parquet.add_batches(capture.head, batch.pickled_batches(raw))
                    elif chosen in lines:
                        _write_payload(capture, out)
                        if chosen is ReportFormat.ecs and capture.facts.time is not None:
                            times[(capture.facts.source, capture.facts.index)] = (
                                capture.facts.time.isoformat()
                            )
                    elif capture.payload is not None:
                        captures.append(capture.payload)
            if on_cluster is not None:
                fleet = on_cluster.fleet()
                fleet.closed = store.add_late  # the findings over captures, as they are made
        if not read:
            # nothing was read: no report, so that nothing on stdout reads as an all-clear
            if not State.failed:
                _err("Error: no input was read")
            raise typer.Exit(2)
        fleet.persistent()  # its findings go to the store (``Fleet.closed``)
        summary = summarize_fleet(fleet, store.counts)
        if parquet is not None:
            parquet.close()
            if not quiet:
                _err(
                    f"{_name(str(output))}: wrote {parquet.written:,} connections (parquet, "
                    "partitioned by platform, host and date)"
                )
        if chosen is ReportFormat.json:
            from netnorm.render.report_json import write_report_tail

            if not written:
                out.write('{"captures":[')
            out.write("],")
            # the fleet sections of one file are small: no process of their own
            background = processes > 1 and len(files) > 1
            write_report_tail(out, store.blocks(), summary, fleet, background=background)
        elif chosen is ReportFormat.ecs:
            from netnorm.render.ecs import finding as ecs_finding
            from netnorm.render.records import dumps

            for found in store.iter():
                stamp = times.get((found["source"], found["capture"]))
                out.write(dumps(ecs_finding(found, stamp)).decode("utf-8") + "\n")
        elif chosen not in lines and parquet is None:
            several = summary["captures"] > 1
            report = {
                "captures": captures,
                # over a fleet, info findings are counted per rule rather than listed
                "findings": list(store.iter(skip=("info",) if several else ())),
                "info_counts": {r: n for (s, r), n in store.rules.items() if s == "info"}
                if several
                else {},
                "summary": summary,
                "fleet": {**fleet.view(rows), "totals": fleet.totals()} if several else None,
            }
            if chosen is ReportFormat.markdown:
                from netnorm.render.report import markdown_report

                out.write(markdown_report(report))
            else:
                from netnorm.render.report import print_report

                print_report(report, out, rows)
    finally:
        store.close()
    out.flush()
    if State.failed:
        raise typer.Exit(2)
    if fail_on is not None:
        bar = SEVERITY_ORDER[fail_on.value]
        if any(SEVERITY_ORDER[s] <= bar for s, n in store.counts.items() if n):
            raise typer.Exit(1)


def _write_payload(capture: Any, out: IO[str]) -> None:
    """Write a capture a worker serialised."""
    from netnorm.render.records import copy_utf8

    with capture.serialised() as (raw, size):
        copy_utf8(raw, 0, size, out)


def _meter(path: str | None, files: int, shown: bool = True) -> Any:
    """The progress of a run: bytes of its one input (``path``), or files done; ``shown``
    False when the output goes to the same terminal as the run goes on."""
    from netnorm.progress import Meter

    if path is None:
        return Meter("files", files, unit="files", shown=shown)
    size = None
    if path != STDIN:
        with contextlib.suppress(OSError):
            st = os.stat(path)
            size = st.st_size if stat.S_ISREG(st.st_mode) else None
    return Meter(_name(path), size, shown=shown)


class DiffFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


@app.command()
def diff(
    old: Annotated[
        str, typer.Argument(help="The earlier (or reference) capture file; - for stdin.")
    ],
    new: Annotated[str, typer.Argument(help="The later (or other) capture file.")],
    fmt: Annotated[
        DiffFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format. Default: table on a terminal, json otherwise.",
            show_default=False,
        ),
    ] = None,
    ignore_ephemeral: Annotated[
        bool,
        typer.Option(
            "--ignore-ephemeral",
            help="Match by service, not by ephemeral port: listeners by port, inbound "
            "connections by local port and peer, outbound ones by peer and port. For comparing "
            "two hosts, or captures far apart.",
        ),
    ] = False,
    platform: PlatformOpt = None,
    encoding: EncodingOpt = None,
    quiet: QuietOpt = False,
    output: OutputOpt = None,
) -> None:
    """Show what one capture has that the other lacks, across platforms too.

    Both captures are normalized first, so a Windows capture against a Linux one is an ordinary
    diff. When a file holds several snapshots, its last one is compared. Exit status: 0 when the
    captures hold the same connections, 1 when they differ, 2 on error (like diff).

    Examples:

      netnorm diff yesterday.txt today.txt

      netnorm diff --ignore-ephemeral linux-web01.txt windows-web02.txt --format json
    """
    from netnorm.analysis.diff import diff_connections
    from netnorm.api import iter_capture_dicts

    sides = []
    for path in (old, new):
        name = _name(path)
        if path != STDIN and stat.S_ISDIR(named_input(path, "no such file")):
            raise InputError("is a folder; diff compares two capture files", path)
        captures = list(iter_capture_dicts(_source(path), platform, encoding=encoding, name=name))
        for capture in captures:
            for d in capture["diagnostics"]:
                print_diagnostic(d, name, quiet)
        if len(captures) > 1 and not quiet:
            _err(f"{name}: notice: {len(captures)} snapshots; comparing the last one")
        sides.append(captures[-1])
    result = diff_connections(sides[0]["connections"], sides[1]["connections"], ignore_ephemeral)
    out = _stdout(output, [old, new])
    chosen = fmt or (DiffFormat.table if out.isatty() else DiffFormat.json)
    if chosen is DiffFormat.json:
        from netnorm.render.safe import json_compact

        out.write(json_compact(result) + "\n")
    else:
        from netnorm.render.report import diff_markdown, print_diff

        if chosen is DiffFormat.markdown:
            out.write(diff_markdown(result, sides[0], sides[1]))
        else:
            print_diff(result, sides[0], sides[1], out)
    out.flush()
    if result["added"] or result["removed"] or result["changed"]:
        raise typer.Exit(1)


@app.command()
def schema(
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="Which model: report (analyze -f json), parse (parse -f json), row (a JSONL "
            "line of parse or analyze), diff (diff -f json), finding, capture, connection, "
            "endpoint, diagnostic, unix-socket.",
        ),
    ] = "capture",
) -> None:
    """Print the JSON Schema of netnorm's output.

    The field names are a public contract: they may gain siblings but are never renamed.

    Example:

      netnorm schema --model connection > connection.schema.json
    """
    from pydantic import BaseModel

    from netnorm.model import schema as models

    classes: dict[str, type[BaseModel]] = {
        "report": models.Report,
        "parse": models.ParseOutput,
        "row": models.ConnectionRow,
        "diff": models.Diff,
        "finding": models.Finding,
        "capture": models.Capture,
        "connection": models.Connection,
        "endpoint": models.Endpoint,
        "diagnostic": models.Diagnostic,
        "unix-socket": models.UnixSocket,
    }
    cls = classes.get(model)
    if cls is None:
        raise UsageError(f"unknown model {model!r}; choose from {', '.join(classes)}")
    _stdout().write(json.dumps(cls.model_json_schema(), indent=2, ensure_ascii=False) + "\n")


class Target(StrEnum):
    """What ``netnorm flags`` writes for."""

    LINUX = "linux"
    WINDOWS = "windows"
    SS = "ss"
    LSOF = "lsof"
    FREEBSD = "freebsd"
    MACOS = "macos"


class Source(StrEnum):
    """The platform of a ``netstat`` command line."""

    LINUX = "linux"
    WINDOWS = "windows"
    FREEBSD = "freebsd"
    MACOS = "macos"


@app.command()
def flags(
    command: Annotated[
        str, typer.Argument(help='A netstat, ss or lsof command line, e.g. "netstat -npt".')
    ],
    to: Annotated[
        Target, typer.Option("--to", help="The tool (or netstat platform) to translate to.")
    ] = Target.WINDOWS,
    source: Annotated[
        Source | None,
        typer.Option(
            "--from",
            help="The platform of a netstat command line [default: windows with --to linux, "
            "else linux].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Translate listing options between netstat (Linux, Windows, FreeBSD, macOS), ss and
    lsof, and say what has no equivalent.

    The same letters mean different things: -p is "program" on Linux, "protocol" on Windows,
    FreeBSD and macOS; -o is "timers" on Linux and "PID" on Windows.

    Examples:

      netnorm flags "netstat -npt" --to windows

      netnorm flags "netstat -npt" --to ss

      netnorm flags "ss -tlnp" --to lsof

      netnorm flags "netstat -anob" --to linux
    """
    from netnorm.flags import equivalent

    result = equivalent(command, to.value, source.value if source is not None else None)
    out = _stdout()
    out.write(result.command + "\n")
    for note in result.notes:
        out.write(f"  note: {note}\n")


def main() -> NoReturn:
    """Console entry point: run the app; turn every failure into one line and an exit code."""
    State.failed = False
    from netnorm.signals import install

    install()
    try:
        try:
            app()  # standalone: usage errors print a hint and exit 2, library errors exit 2
        finally:
            if State.output is not None:
                State.output.close()  # a full disk shows here too
                State.output = None
            if sys.stdout is not None:
                sys.stdout.flush()  # here, not at exit, so that a full disk is reported
    except SystemExit:
        # typer and click wrap stdout in their PacifyFlushWrapper when they meet EPIPE
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            # click met a closed pipe (| head) and exits 1, which means "findings" here: the
            # reader went away, so stop quietly with 0, like other Unix tools
            sys.exit(0)
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # the reader went away (| head): stop quietly, like other Unix tools
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        sys.exit(0)
    except OSError as exc:
        if State.debug:
            raise
        # writing failed: a full disk (ENOSPC), a quota, an I/O error; what was not written
        # cannot be flushed at exit either
        where = f" {exc.filename}" if exc.filename else " the output"
        _err(f"Error: cannot write{where}: {reason(exc)}")
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        sys.exit(2)
    except Exception as exc:
        if State.debug:
            raise
        _err(f"Error: internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
        sys.exit(2)
    sys.exit(0)
