"""The streaming reader: numbered lines in, captures, rows and diagnostics out.

The dialect is decided per row, not per file: a Linux row is lower-case ``tcp``/``udp`` with two
queue columns, a Windows row is ``TCP``/``UDP`` followed by two addresses. Headings, titles and
column headers are hints that start a new capture and say which optional columns exist.

Every non-blank line ends up as exactly one of: a connection or UNIX socket record, a recognised
structural line, or a diagnostic with its line number. Nothing is dropped silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Literal

from netnorm.decode import MAX_LINE
from netnorm.model.enums import DiagnosticSeverity, Listeners, Platform
from netnorm.model.vocabulary import (
    HEADER_WORDS,
    LINUX_HEADING_PREFIXES,
    LINUX_HEADINGS,
    LINUX_OTHER_SECTIONS,
    LINUX_UNIX_HEADINGS,
    LINUX_WARNINGS,
    WINDOWS_ELEVATION,
    WINDOWS_TITLES,
)
from netnorm.parsers import linux_netstat as lx
from netnorm.parsers import windows_netstat as win
from netnorm.parsers.row import LINE, LOCAL, PID, PROTOCOL, REMOTE, STATE, Row

#: Diagnostics kept per capture; the rest are counted in one closing diagnostic.
MAX_DIAGNOSTICS = 1000
#: Rows of a table yielded together: one item per row would cost more than parsing it.
BATCH = 256
#: Characters of input after which a batch of rows in text mode is yielded however few they
#: are, so that a capture of long lines keeps batches small.
BATCH_SIZE = 1 << 20

Section = Literal["inet", "unix", "other"]


@dataclass
class CaptureState:
    """Everything known about the capture being read; turned into a ``Capture`` at its end."""

    source: str
    index: int
    first_line: int
    platform: Platform | None = None
    host: str | None = None
    locale: str | None = None
    last_line: int = 0
    listeners: Listeners | None = None
    section: Section = "inet"
    expect_header: bool = False
    linux_cols: lx.Columns = field(default_factory=lx.Columns)
    windows_pid: bool | None = None
    unix_owner: bool | None = None
    unix_context: bool = False
    rows: int = 0
    unix_rows: int = 0
    names_seen: bool = False
    listen_rows: int = 0
    other_rows: int = 0
    owners_seen: bool = False
    images_seen: bool = False
    components_seen: bool = False
    notes_seen: bool = False
    bound_seen: bool = False
    elevation_error: bool = False
    protocols: set[str] = field(default_factory=set)
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    dropped_diagnostics: int = 0

    def options(self) -> dict[str, Any]:
        """Infer the netstat options from what was seen (see ``CaptureOptions``)."""
        linux = self.platform != Platform.WINDOWS
        rows = self.rows
        numeric = None if rows == 0 else not self.names_seen
        listeners = self.listeners
        if listeners is None and rows:
            if self.listen_rows and self.other_rows:
                listeners = Listeners.ALL
            elif self.listen_rows:
                listeners = Listeners.ONLY if linux else Listeners.ALL
            else:
                listeners = Listeners.NONE
        cols = self.linux_cols
        pid = bool(cols.owner or self.owners_seen) if linux else bool(self.windows_pid)
        program = bool(cols.owner or self.owners_seen) if linux else self.images_seen
        protocols = sorted(self.protocols)
        return {
            "numeric": numeric,
            "listeners": listeners.value if listeners is not None else None,
            "pid": pid,
            "program": program,
            "components": self.components_seen,
            "extended": bool(cols.user) if linux else False,
            "timers": bool(cols.timer) if linux else False,
            "security_context": bool(cols.context) if linux else False,
            "wide": (True if cols.wide else None) if linux else None,
            "bound": self.bound_seen,
            "protocols": protocols,
            "command": self._command(linux, numeric, listeners, pid, program, protocols),
        }

    def _command(
        self,
        linux: bool,
        numeric: bool | None,
        listeners: Listeners | None,
        pid: bool,
        program: bool,
        protocols: list[str],
    ) -> str:
        letters = ""
        if linux:
            letters += (
                {Listeners.ALL: "a", Listeners.ONLY: "l"}.get(listeners, "") if listeners else ""
            )
            cols = self.linux_cols
            letters += "e" if cols.user else ""
            letters += "n" if numeric else ""
            letters += "o" if cols.timer else ""
            letters += "p" if pid else ""
            if not ({"tcp", "udp"} <= set(protocols)):
                letters += "".join(
                    {"tcp": "t", "udp": "u", "raw": "w", "udplite": "U", "sctp": "S"}[p]
                    for p in protocols
                )
            if self.unix_rows and not protocols:
                letters += "x"
            letters += "W" if cols.wide else ""
            letters += "Z" if cols.context else ""
        else:
            letters += "a" if listeners == Listeners.ALL else ""
            letters += "n" if numeric else ""
            letters += "o" if pid else ""
            letters += "b" if program or self.notes_seen or self.elevation_error else ""
            letters += "q" if self.bound_seen else ""
        return "netstat -" + letters if letters else "netstat"


class Event:
    """Kinds of items the reader yields (first element of each tuple)."""

    CONNECTION = "connection"
    UNIX = "unix"
    DIAGNOSTIC = "diagnostic"
    CAPTURE = "capture"
    #: Connections already serialised as JSON text (``Reader`` in text mode, and the workers of
    #: ``netnorm.parallel``): blocks of lines, each line ended by a line break.
    RENDERED = "rendered"


Item = tuple[str, Any, CaptureState | None]
CONNECTION = Event.CONNECTION


class Reader:
    """Reads one source's lines and yields ``(kind, payload, capture)`` items.

    Kinds: ``connection`` (a list of rows, in order: the rows of a table come in batches),
    ``rendered`` (in text mode, see below: a list of blocks of JSON lines),
    ``unix`` (a row dict, as it is read), ``diagnostic`` (a dict, as
    it is found; the capture may be ``None`` before the first one starts) and ``capture`` (the
    finished ``CaptureState``, after all its rows).

    Args:
        source: the name used in diagnostics and ``Capture.source``.
        platform: force one dialect (``linux`` or ``windows``); rows of the other become
            diagnostics.
        host: the host recorded on every capture.
        text: for JSONL output: the rows of a Windows table then come as ``rendered`` items,
            blocks of their JSON text (``netnorm.render.records.connection_json``, each line
            ended by a line break), written from the fields as printed without building the
            rows. Any other row still comes as a ``connection`` item.
    """

    def __init__(
        self,
        source: str,
        platform: Platform | None = None,
        host: str | None = None,
        *,
        text: bool = False,
    ) -> None:
        self.source = source
        self.forced = platform
        self.host = host
        self.text = text
        self.capture: CaptureState | None = None
        self.count = 0
        self.preamble: list[dict[str, Any]] = []
        self.pending: Row | None = None
        self.warning_open = False
        self.warning_lines = 0
        #: When a list, the numbers of recognised structural lines are appended to it (tests
        #: use this to check that every line is accounted for).
        self.structural: list[int] | None = None
        #: An unrecognised line held back for one line (see ``_resolve_deferred``).
        self.deferred: tuple[int, str] | None = None

    def _mark(self, lineno: int) -> None:
        if self.structural is not None:
            self.structural.append(lineno)

    # -- captures --------------------------------------------------------------------------

    def _start(self, lineno: int) -> Iterator[Item]:
        yield from self._finish()
        self.count += 1
        cap = CaptureState(self.source, self.count, lineno, host=self.host)
        if self.forced is not None:
            cap.platform = self.forced
        if self.preamble:
            cap.diagnostics.extend(self.preamble)
            cap.first_line = min(cap.first_line, *(d["line"] for d in self.preamble))
            self.preamble = []
        self.capture = cap

    def _finish(self) -> Iterator[Item]:
        yield from self._flush()
        if self.capture is not None:
            cap = self.capture
            if cap.dropped_diagnostics:
                d = _diag(
                    None,
                    DiagnosticSeverity.WARNING,
                    "too-many-diagnostics",
                    f"{cap.dropped_diagnostics} more diagnostics were not kept in the capture",
                )
                cap.diagnostics.append(d)
                yield Event.DIAGNOSTIC, d, cap
            self.capture = None
            yield Event.CAPTURE, cap, cap

    def _current(self, lineno: int) -> Iterator[Item]:
        if self.capture is None:
            yield from self._start(lineno)

    def _flush(self) -> Iterator[Item]:
        if self.pending is not None:
            conn = self.pending
            self.pending = None
            yield Event.CONNECTION, [conn], self.capture

    def _diagnose(
        self,
        lineno: int | None,
        severity: DiagnosticSeverity,
        code: str,
        message: str,
        text: str | None = None,
    ) -> Iterator[Item]:
        d = _diag(lineno, severity, code, message, text)
        cap = self.capture
        if cap is None:
            if len(self.preamble) < MAX_DIAGNOSTICS:
                self.preamble.append(d)
        elif len(cap.diagnostics) < MAX_DIAGNOSTICS:
            cap.diagnostics.append(d)
        else:
            cap.dropped_diagnostics += 1
        yield Event.DIAGNOSTIC, d, cap

    # -- the line loop ---------------------------------------------------------------------

    def read(self, lines: Iterable[tuple[int, str]], *, finish: bool = True) -> Iterator[Item]:
        """Yield items for every line; see the class docstring.

        Args:
            lines: numbered lines.
            finish: end the input here (see ``finish``). With ``False`` the reader keeps its
                state, and a later ``read`` continues where this one stopped.
        """
        forced = self.forced
        allow_linux = forced is not Platform.WINDOWS
        allow_windows = forced is not Platform.LINUX
        it = iter(lines)
        for lineno, line in it:
            if not line or line.isspace():
                continue
            if self.deferred is not None:
                yield from self._resolve_deferred(line)
            cap = self.capture
            if cap is not None and cap.section == "inet" and len(line) <= MAX_LINE:
                # the hot path: rows of the platform this capture already has
                if cap.platform is Platform.WINDOWS:
                    if self.text:
                        stopped = yield from self._windows_text(it, cap, lineno, line)
                    else:
                        stopped = yield from self._windows_table(it, cap, lineno, line)
                elif cap.platform is Platform.LINUX:
                    stopped = yield from self._linux_table(it, cap, lineno, line)
                else:
                    stopped = lineno, line
                if stopped is None:
                    break
                lineno, line = stopped
            if len(line) > MAX_LINE:
                yield from self._flush()
                yield from self._diagnose(
                    lineno,
                    DiagnosticSeverity.WARNING,
                    "line-too-long",
                    f"line longer than {MAX_LINE} characters was skipped",
                    line[:200],
                )
                continue
            yield from self._slow_line(line, lineno, allow_linux, allow_windows)
        if finish:
            yield from self.finish()

    def _windows_table(
        self, it: Iterator[tuple[int, str]], cap: CaptureState, first: int, first_line: str
    ) -> Generator[Item, None, tuple[int, str] | None]:
        """Read Windows rows and their owner lines from line ``first`` on.

        Returns:
            The first non-blank line that is neither (or is too long), for the slow path;
            ``None`` at the end of the input.
        """
        parse = win.parse_row
        attach = win.attach_owner_line
        seen = self._windows_seen
        owner_seen = self._owner_seen
        structural = self.structural
        done: list[Row] = []  # rows whose owner lines are complete, yielded in batches
        for lineno, line in chain(((first, first_line),), it):
            if len(line) > MAX_LINE:
                break
            # an ` [image]` line, the commonest owner line, is never a row
            row = parse(line, lineno) if line[:2] != " [" else None
            if row is not None:
                pending = self.pending
                if pending is not None:
                    done.append(pending)
                    if len(done) >= BATCH:
                        self.pending = None
                        yield CONNECTION, done, cap
                        done = []
                seen(cap, row)
                self.pending = row
                continue
            pending = self.pending
            kind = attach(pending, line) if pending is not None else None
            if kind is not None:
                owner_seen(cap, kind, lineno)
                if structural is not None:
                    structural.append(lineno)
                continue
            if line and not line.isspace():
                break
        else:
            lineno = 0
        if done:
            yield CONNECTION, done, cap
        return (lineno, line) if lineno else None

    def _windows_text(
        self, it: Iterator[tuple[int, str]], cap: CaptureState, first: int, first_line: str
    ) -> Generator[Item, None, tuple[int, str] | None]:
        """``_windows_table`` in text mode: the same rows, counters and owner lines, but each
        row is written as JSON text once its owner lines are complete; returns alike."""
        from netnorm.render.records import (
            IPV4_JSON,
            WINDOWS_FIELDS,
            WINDOWS_HEADS,
            WINDOWS_OWNERS,
            WINDOWS_TAIL,
            connection_json,
            owner_json,
            windows_field,
            windows_head,
            windows_owner,
        )

        row_match = win.ROW.re.match  # its groups: see ``win.ROW``
        attach = win.attach_owner_line
        known_owner_line = win.OWNER_LINE_KINDS.get
        owner_line_kind = win.owner_line_kind
        field = WINDOWS_FIELDS.get
        head_of = WINDOWS_HEADS.get
        owned_by = WINDOWS_OWNERS.get
        structural = self.structural
        unowned = owner_json(None, False, [], None) + WINDOWS_TAIL
        at_ip, at_port, after_port = IPV4_JSON
        done: list[str] = []
        # counted once per batch: the (Proto, family, state) of each row, the kinds of owner
        # lines seen, whether a row had a PID or showed a name, and the last line read
        keys: list[tuple[str, str | None, str | None]] = []
        owner_kinds: set[tuple[bool, bool, bool]] = set()
        pid_seen = names = False
        last = 0
        # the last row, whose owner lines may follow: its text up to the PID, its line and
        # number, and the owner lines that came so far
        head: str | None = None
        head_line = 0
        head_text = ""
        owner_lines: list[str] = []
        # or a whole row, read before the table (the first row of a capture)
        whole = self.pending
        self.pending = None
        size = 0  # characters read since the last batch: long rows make smaller batches
        for lineno, line in chain(((first, first_line),), it):
            length = len(line)
            if length > MAX_LINE:
                break
            size += length
            # an ` [image]` line, the commonest owner line, is never a row
            m = row_match(line) if line[:2] != " [" else None
            if m is None:
                if not line or line.isspace():
                    continue
                if head is None and whole is None:
                    break
                kind = known_owner_line(line) or owner_line_kind(line)
                if kind is None:
                    break
                if whole is not None:
                    attach(whole, line)
                    self._owner_seen(cap, kind, lineno)
                else:
                    owner_lines.append(line)
                    last = lineno
                if structural is not None:
                    structural.append(lineno)
                continue
            # a row: the one before it is complete
            if whole is not None:
                done.append(connection_json(whole) + "\n")
                whole = None
            elif head is not None:
                if owner_lines:
                    lines = tuple(owner_lines)
                    owned, seen = owned_by(lines) or windows_owner(lines)
                    owner_kinds.add(seen)
                    owner_lines.clear()
                    done.append(f"{head}{owned}{head_line}}}\n")
                else:
                    done.append(f"{head}{unowned}{head_line}}}\n")
                if len(done) >= BATCH or size >= BATCH_SIZE:
                    self._windows_counted(cap, keys, owner_kinds, last, pid_seen, names)
                    keys = []
                    yield Event.RENDERED, ["".join(done)], cap
                    done = []
                    size = 0
            (
                token,
                local,
                local_ip,
                local_port,
                remote,
                remote_ip,
                remote_port,
                state_raw,
                pid,
            ) = m.groups()
            if local_ip is not None:
                local_json = f"{at_ip}{local_ip}{at_port}{local_port}{after_port}"
                family: str | None = "ipv4"
            else:
                local_json, family, name = field(local) or windows_field(local)
                names = names or name
            if remote_ip is not None:
                remote_json = f"{at_ip}{remote_ip}{at_port}{remote_port}{after_port}"
            else:
                remote_json, _, name = field(remote) or windows_field(remote)
                names = names or name
            key = (token, family, state_raw)
            keys.append(key)
            before, between = head_of(key) or windows_head(*key)
            if pid is None:
                pid = "null"
            else:
                pid_seen = True
                if pid[0] == "0" and len(pid) > 1:
                    pid = str(int(pid))
            head = f'{before}{local_json},"remote":{remote_json}{between}{pid}'
            head_line = last = lineno
            head_text = line
        else:
            lineno = 0
        if done:
            yield Event.RENDERED, ["".join(done)], cap
        if whole is not None:
            self.pending = whole
        elif head is not None:  # left as a row: the slow path may bring more owner lines
            row = win.parse_row(head_text, head_line)
            assert row is not None
            for owner_line in owner_lines:
                attach(row, owner_line)
            if owner_lines:
                owner_kinds.add(windows_owner(tuple(owner_lines))[1])
            self.pending = row
        self._windows_counted(cap, keys, owner_kinds, last, pid_seen, names)
        return (lineno, line) if lineno else None

    def _linux_table(
        self, it: Iterator[tuple[int, str]], cap: CaptureState, first: int, first_line: str
    ) -> Generator[Item, None, tuple[int, str] | None]:
        """Read net-tools Internet rows from line ``first`` on; returns like ``_windows_table``."""
        parse = lx.parse_row
        seen = self._linux_seen
        cols = cap.linux_cols
        if self.pending is not None:
            yield from self._flush()
        done: list[Row] = []
        for lineno, line in chain(((first, first_line),), it):
            if len(line) > MAX_LINE:
                break
            parsed = parse(line, lineno, cols)
            if parsed is not None:
                row, leftover = parsed
                seen(cap, row)
                done.append(row)
                if leftover is not None:
                    yield CONNECTION, done, cap
                    done = []
                    yield from self._leftover(leftover, line, lineno)
                elif len(done) >= BATCH:
                    yield CONNECTION, done, cap
                    done = []
                continue
            if line and not line.isspace():
                break
        else:
            lineno = 0
        if done:
            yield CONNECTION, done, cap
        return (lineno, line) if lineno else None

    def finish(self) -> Iterator[Item]:
        """End the input: report a held-back line, then the pending row and the last capture."""
        if self.deferred is not None:
            yield from self._resolve_deferred(None)
        yield from self._finish()
        self.preamble = []  # no capture started: these were reported as they were found

    def flush(self) -> Iterator[Item]:
        """Yield the pending Windows row, whose owner lines are known to be complete."""
        yield from self._flush()

    def signature(self) -> tuple[Any, ...] | None:
        """What decides how the next row line is read, or ``None`` when the reader is not
        between rows of a table (no capture, a held-back line, an open warning).

        Two readers with the same signature read the same lines into the same records, apart
        from capture numbers and the counters behind ``CaptureState.options``.
        """
        cap = self.capture
        if cap is None or self.deferred is not None or self.warning_open or self.preamble:
            return None
        cols = cap.linux_cols
        return (
            cap.platform,
            cap.section,
            cap.expect_header,
            cap.rows > 0,
            cols.user,
            cols.owner,
            cols.context,
            cols.timer,
            cols.wide,
            cap.windows_pid,
            cap.unix_owner,
            cap.unix_context,
            cap.host,
            self.forced,
        )

    def _leftover(self, leftover: str, line: str, lineno: int) -> Iterator[Item]:
        yield from self._diagnose(
            lineno,
            DiagnosticSeverity.WARNING,
            "unexpected-columns",
            f"row kept, but its trailing text {leftover[:60]!r} fits no known column",
            line,
        )

    @staticmethod
    def _owner_seen(cap: CaptureState, kind: str, lineno: int) -> None:
        cap.last_line = lineno
        if kind == "image":
            cap.images_seen = True
        elif kind == "component":
            cap.components_seen = True
        else:
            cap.notes_seen = True

    @staticmethod
    def _linux_seen(cap: CaptureState, row: Row) -> None:
        cap.rows += 1
        cap.last_line = row[LINE]
        cap.protocols.add(row[PROTOCOL])
        state = row[STATE]
        remote = row[REMOTE]
        if state == "LISTEN" or (state is None and remote["port"] is None):
            cap.listen_rows += 1
        else:
            cap.other_rows += 1
        if row[PID] is not None:
            cap.owners_seen = True
        if not cap.names_seen:
            local = row[LOCAL]
            if local["host"] or local["service"] or remote["host"] or remote["service"]:
                cap.names_seen = _shows_name(local) or _shows_name(remote)

    @staticmethod
    def _windows_seen(cap: CaptureState, row: Row) -> None:
        local, remote = row[LOCAL], row[REMOTE]
        Reader._windows_count(
            cap,
            row[LINE],
            row[PROTOCOL],
            row[STATE],
            row[PID] is not None,
            not cap.names_seen and (_shows_name(local) or _shows_name(remote)),
        )

    @staticmethod
    def _windows_counted(
        cap: CaptureState,
        keys: list[tuple[str, str | None, str | None]],
        owner_kinds: set[tuple[bool, bool, bool]],
        lineno: int,
        pid: bool,
        names: bool,
    ) -> None:
        """Count the rows of a batch of text mode, told by their (Proto, family, state), and
        the kinds of owner lines seen (image, component, note)."""
        for (token, _, state_raw), rows in Counter(keys).items():
            protocol, state = win.protocol(token), win.state(state_raw)
            Reader._windows_count(cap, lineno, protocol, state, pid, names, rows)
        for image, component, note in owner_kinds:
            cap.images_seen = cap.images_seen or image
            cap.components_seen = cap.components_seen or component
            cap.notes_seen = cap.notes_seen or note
        cap.last_line = max(cap.last_line, lineno)  # ``lineno``: the last line of the batch

    @staticmethod
    def _windows_count(
        cap: CaptureState,
        lineno: int,
        protocol: str,
        state: str | None,
        pid: bool,
        names: bool,
        rows: int = 1,
    ) -> None:
        """Count Windows rows that show the same into the capture's counters (see
        ``CaptureState.options``); ``lineno`` is the line of the last one."""
        cap.rows += rows
        cap.last_line = lineno
        cap.protocols.add(protocol)
        if state == "LISTEN" or state == "BOUND" or protocol == "udp":
            cap.listen_rows += rows
            if state == "BOUND":
                cap.bound_seen = True
        else:
            cap.other_rows += rows
        if pid:
            cap.windows_pid = True
        if names:
            cap.names_seen = True  # Windows never cuts a field

    def _slow_line(
        self, line: str, lineno: int, allow_linux: bool, allow_windows: bool
    ) -> Iterator[Item]:
        cap = self.capture
        stripped = line.strip()

        # -b owner lines belong to the pending Windows row
        if self.pending is not None and cap is not None:
            kind = win.attach_owner_line(self.pending, line)
            if kind is not None:
                self._owner_seen(cap, kind, lineno)
                self._mark(lineno)
                return
        yield from self._flush()

        # a multi-line netstat warning continues
        if self.warning_open:
            self.warning_lines += 1
            if stripped.endswith((")", "）")) or self.warning_lines >= 3:
                self.warning_open = False
            if cap is not None:
                cap.last_line = lineno
            self._mark(lineno)
            return

        # rows of a platform not seen yet in this capture
        if allow_linux:
            before = cap
            parsed = lx.parse_row(line, lineno, cap.linux_cols if cap else lx.Columns())
            if parsed is not None:
                yield from self._row_capture(Platform.LINUX, lineno)
                cap = self.capture
                assert cap is not None
                cap.section = "inet"
                if cap is not before:  # a new capture: read the row with its columns
                    parsed = lx.parse_row(line, lineno, cap.linux_cols)
                    assert parsed is not None
                self._linux_seen(cap, parsed[0])
                yield CONNECTION, [parsed[0]], cap
                if parsed[1] is not None:
                    yield from self._leftover(parsed[1], line, lineno)
                return
        if allow_windows:
            conn = win.parse_row(line, lineno)
            if conn is not None:
                yield from self._row_capture(Platform.WINDOWS, lineno)
                cap = self.capture
                assert cap is not None
                cap.section = "inet"
                self._windows_seen(cap, conn)
                self.pending = conn
                return

        # UNIX domain sockets
        if stripped.startswith("unix") and allow_linux:
            row = lx.parse_unix_row(
                stripped,
                lineno,
                cap.unix_owner if cap else None,
                cap.unix_context if cap else False,
            )
            if row is not None:
                if cap is None or cap.platform is Platform.WINDOWS:
                    yield from self._start(lineno)
                    cap = self.capture
                    assert cap is not None
                cap.platform = Platform.LINUX
                cap.section = "unix"
                cap.unix_rows += 1
                cap.last_line = lineno
                yield Event.UNIX, row, cap
                return

        # Linux Internet heading
        heading = LINUX_HEADINGS.get(stripped)
        if heading is None:
            prefix = stripped.split(" (")[0]
            code = LINUX_HEADING_PREFIXES.get(prefix)
            if code is not None:
                heading = (Listeners.NONE, code)
        if heading is not None and allow_linux:
            yield from self._start(lineno)
            cap = self.capture
            assert cap is not None
            cap.platform = Platform.LINUX
            cap.listeners, cap.locale = heading
            cap.expect_header = True
            cap.last_line = lineno
            self._mark(lineno)
            return

        # Windows title
        title_locale = WINDOWS_TITLES.get(stripped)
        if title_locale is not None and allow_windows:
            yield from self._start(lineno)
            cap = self.capture
            assert cap is not None
            cap.platform = Platform.WINDOWS
            cap.locale = title_locale
            cap.expect_header = True
            cap.last_line = lineno
            self._mark(lineno)
            return

        # Linux UNIX section heading, other sections
        for prefix, code in LINUX_UNIX_HEADINGS.items():
            if stripped.startswith(prefix):
                if cap is None or cap.section == "unix":
                    yield from self._start(lineno)
                    cap = self.capture
                    assert cap is not None
                cap.platform = Platform.LINUX
                cap.locale = cap.locale or code
                cap.section = "unix"
                cap.expect_header = True
                cap.last_line = lineno
                self._mark(lineno)
                return
        if stripped.startswith(LINUX_OTHER_SECTIONS):
            yield from self._current(lineno)
            cap = self.capture
            assert cap is not None
            cap.section = "other"
            cap.last_line = lineno
            yield from self._diagnose(
                lineno,
                DiagnosticSeverity.NOTICE,
                "section-skipped",
                "section without IP sockets skipped",
                stripped,
            )
            return
        if cap is not None and cap.section == "other":
            cap.last_line = lineno
            self._mark(lineno)
            return  # inside a skipped section: its header and rows

        # netstat's own messages
        if stripped in WINDOWS_ELEVATION:
            yield from self._current(lineno)
            cap = self.capture
            assert cap is not None
            cap.platform = cap.platform or Platform.WINDOWS
            cap.elevation_error = True
            cap.last_line = lineno
            yield from self._diagnose(
                lineno,
                DiagnosticSeverity.ERROR,
                "elevation-required",
                "netstat -b needs an elevated prompt; this capture has no rows",
                stripped,
            )
            return
        if stripped.startswith(LINUX_WARNINGS):
            if stripped.startswith(("(", "（")) and not stripped.endswith((")", "）")):
                self.warning_open = True
                self.warning_lines = 0
            if cap is not None:
                cap.last_line = lineno
            yield from self._diagnose(
                lineno, DiagnosticSeverity.NOTICE, "netstat-warning", "netstat warned", stripped
            )
            return
        # column headers
        first = stripped.split(None, 1)[0]
        by_shape = looks_like_header(stripped)
        if first in HEADER_WORDS or (cap is not None and cap.expect_header) or by_shape:
            if by_shape and first not in HEADER_WORDS and not (cap and cap.expect_header):
                yield from self._diagnose(
                    lineno,
                    DiagnosticSeverity.NOTICE,
                    "unknown-language",
                    "column header in a language netnorm has no table for; rows are read "
                    "by their shape",
                    stripped,
                )
            unix_header = "RefCnt" in line or ("I-Node" in line and "Recv-Q" not in line)
            if (
                cap is not None
                and (cap.rows or cap.unix_rows)
                and cap.section == "inet"
                and not unix_header
            ):
                yield from self._start(lineno)  # a header without a heading: a new block
                cap = self.capture
            yield from self._current(lineno)
            cap = self.capture
            assert cap is not None
            cap.expect_header = False
            cap.last_line = lineno
            if unix_header:
                cap.section = "unix"  # a UNIX section whose heading no table knows
            if cap.section == "unix":
                cap.unix_owner = "PID/Program name" in line
                cap.unix_context = "Security Context" in line
            else:
                cap.linux_cols = lx.header_columns(line)
                cap.windows_pid = line.rstrip().endswith("PID")
            self._mark(lineno)
            return

        # decided by the next line: a title in an unknown language comes before its header
        self.deferred = (lineno, line)

    def _resolve_deferred(self, next_line: str | None) -> Iterator[Item]:
        """Report the held-back line: a title if a column header follows, else unrecognised."""
        assert self.deferred is not None
        lineno, line = self.deferred
        self.deferred = None
        if next_line is not None and looks_like_header(next_line.strip()):
            yield from self._diagnose(
                lineno,
                DiagnosticSeverity.NOTICE,
                "unknown-language",
                "title in a language netnorm has no table for",
                line.strip(),
            )
            return
        yield from self._diagnose(
            lineno,
            DiagnosticSeverity.WARNING,
            "unrecognised-line",
            "line not recognised as netstat output",
            line,
        )

    def _row_capture(self, platform: Platform, lineno: int) -> Iterator[Item]:
        cap = self.capture
        if cap is None or (cap.platform is not None and cap.platform is not platform and cap.rows):
            yield from self._start(lineno)
            cap = self.capture
            assert cap is not None
        elif cap.section == "unix" and platform is Platform.LINUX:
            # Internet rows after the UNIX section: a new block without a heading
            yield from self._start(lineno)
            cap = self.capture
            assert cap is not None
        cap.platform = platform
        cap.expect_header = False


def looks_like_header(text: str) -> bool:
    """True for a column header in any language, told by the titles that are never translated.

    Windows ends the header with ``PID`` (with ``-o``); net-tools prints ``PID/Program name``
    untranslated, and most catalogs keep ``Recv-Q``/``Send-Q``.
    """
    tokens = text.split()
    if len(tokens) < 4 or any(ch.isdigit() for ch in text if ch.isascii()):
        return False
    return tokens[-1] == "PID" or "PID/Program name" in text or "Recv-Q" in text or "RefCnt" in text


def _shows_name(endpoint: dict[str, Any]) -> bool:
    """True when an endpoint shows a host or service name (a cut numeric field does not count)."""
    return bool(endpoint["host"] or endpoint["service"]) and not endpoint["truncated"]


def _diag(
    line: int | None,
    severity: DiagnosticSeverity,
    code: str,
    message: str,
    text: str | None = None,
) -> dict[str, Any]:
    return {
        "line": line,
        "severity": severity.value,
        "code": code,
        "message": message,
        "text": text,
    }
