"""The streaming reader: numbered lines in, captures, records and diagnostics out.

The dialect is decided per row, not per file: each registered dialect's row token is tried in
turn (``netnorm.parsers.registry``). Headings, titles and column headers are parsed with the
dialects' pyparsing grammars; they start a new capture and say which optional columns exist.

Every non-blank line ends up as exactly one of: a connection or UNIX socket record, a recognised
structural line, or a diagnostic with its line number. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from itertools import chain
from typing import Any

from netnorm.decode import MAX_LINE
from netnorm.model.enums import DiagnosticSeverity, Platform
from netnorm.parsers.capture import CaptureState
from netnorm.parsers.dialect import Dialect, Header, Heading, Message, Skipped, every_match
from netnorm.parsers.registry import (
    BY_NAME,
    DIALECTS,
    dialects_for,
    looks_like_header,
    structure,
)
from netnorm.parsers.row import Row

#: Diagnostics kept per capture; the rest are counted in one closing diagnostic.
MAX_DIAGNOSTICS = 1000
#: Rows of a table yielded together: one item per row would cost more than parsing it.
BATCH = 256


class Event:
    """Kinds of items the reader yields (first element of each tuple)."""

    CONNECTION = "connection"
    UNIX = "unix"
    DIAGNOSTIC = "diagnostic"
    CAPTURE = "capture"


Item = tuple[str, Any, CaptureState | None]
CONNECTION = Event.CONNECTION


class Reader:
    """Reads one source's lines and yields ``(kind, payload, capture)`` items.

    Kinds: ``connection`` (a list of records, in order: the rows of a table come in batches),
    ``unix`` (a record dict, as it is read), ``diagnostic`` (a dict, as it is found; the
    capture may be ``None`` before the first one starts) and ``capture`` (the finished
    ``CaptureState``, after all its rows).

    Args:
        source: the name used in diagnostics and ``Capture.source``.
        platform: read only the dialects of this platform; rows of the others become
            diagnostics.
        host: the host recorded on every capture.
    """

    def __init__(
        self,
        source: str,
        platform: Platform | None = None,
        host: str | None = None,
        *,
        undecodable: list[tuple[int, str]] | None = None,
        guessed_encoding: str | None = None,
    ):
        self.source = source
        self.forced = platform
        self.host = host
        self.dialects = dialects_for(platform)
        self.capture: CaptureState | None = None
        self.count = 0
        self.preamble: list[dict[str, Any]] = []
        #: The last record of a dialect whose rows go on over more lines, and its dialect.
        self.pending: Row | None = None
        self.pending_dialect: Dialect | None = None
        self.warning_open = False
        self.warning_lines = 0
        #: When a list, the numbers of recognised structural lines are appended to it (tests
        #: use this to check that every line is accounted for).
        self.structural: list[int] | None = None
        #: An unrecognised line held back for one line (see ``_resolve_deferred``).
        self.deferred: tuple[int, str] | None = None
        #: Lines with bytes that are not text, as the decoder notes them while it reads
        #: (``Decoded.undecodable``), and how many of them were reported.
        self.undecodable: list[tuple[int, str]] = undecodable if undecodable is not None else []
        self.undecodable_reported = 0
        #: The encoding, when it is a code page chosen by its score (``Decoded.guessed_encoding``).
        self.guessed_encoding = guessed_encoding

    def _mark(self, lineno: int) -> None:
        if self.structural is not None:
            self.structural.append(lineno)

    def _allowed(self, platform: Platform, dialect: str | None = None) -> bool:
        if self.forced is None or self.forced is platform:
            return True
        found = BY_NAME.get(dialect or "")
        return found is not None and self.forced in found.PLATFORMS

    def _set_dialect(self, cap: CaptureState, dialect: Dialect | None) -> None:
        """Give the capture its dialect, and that dialect's platform unless the capture
        already has one of its platforms (a macOS section, ``--platform``)."""
        if dialect is None or dialect not in self.dialects:
            return  # a header or heading of a dialect --platform leaves out
        cap.dialect = dialect.NAME
        if cap.platform not in dialect.PLATFORMS:
            cap.platform = dialect.PLATFORM

    # -- captures --------------------------------------------------------------------------

    def _start(self, lineno: int) -> Iterator[Item]:
        yield from self._finish()
        self.count += 1
        cap = CaptureState(
            self.source, self.count, lineno, host=self.host, platform_forced=self.forced is not None
        )
        cap.columns = {d.NAME: d.columns(None) for d in DIALECTS}
        if self.forced is not None:
            cap.platform = self.forced
        if self.preamble:
            cap.diagnostics.extend(self.preamble)
            cap.first_line = min(cap.first_line, *(d["line"] for d in self.preamble))
            self.preamble = []
        self.capture = cap

    def _finish(self, last: bool = False) -> Iterator[Item]:
        yield from self._flush()
        if self.capture is not None:
            cap = self.capture
            yield from self.undecodable_lines(None if last else cap.last_line)
            yield from self._unknown_states(cap)
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
            row = self.pending
            self.pending = self.pending_dialect = None
            yield CONNECTION, [row], self.capture

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
        it = iter(lines)
        for lineno, line in it:
            pending = self.pending_dialect
            if (not line or line.isspace()) and pending is not None and pending.CONTINUATION_FIRST:
                yield from self._flush()  # a blank line ends a block of lines, as in a table
            while line and not line.isspace():
                if self.deferred is not None:
                    yield from self._resolve_deferred(line)
                cap = self.capture
                if (
                    cap is not None
                    and cap.section == "inet"
                    and cap.dialect is not None
                    and len(line) <= MAX_LINE
                ):
                    # the hot path: rows of the dialect this capture already has
                    stopped = yield from self._table(it, cap, BY_NAME[cap.dialect], lineno, line)
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
                    break
                # a row that starts a table goes round again, into the table loop
                if not (yield from self._slow_line(line, lineno)):
                    break
        if finish:
            yield from self.finish()

    def _table(
        self,
        it: Iterator[tuple[int, str]],
        cap: CaptureState,
        dialect: Dialect,
        first: int,
        first_line: str,
    ) -> Generator[Item, None, tuple[int, str] | None]:
        """Read the rows of one dialect, and their continuation lines, from line ``first`` on.

        Returns:
            The first non-blank line that is neither (or is too long), for the slow path;
            ``None`` at the end of the input.
        """
        match = dialect.ROW.re.match
        # most dialects read every match as a row: no call per row for them
        accepts = None if dialect.accepts is every_match else dialect.accepts
        record = dialect.record
        count = dialect.count
        continuation = dialect.continuation
        multiline = dialect.MULTILINE
        continuation_first = dialect.CONTINUATION_FIRST
        columns = cap.columns[dialect.NAME]
        continued = cap.continued
        structural = self.structural
        done: list[Row] = []  # complete records, yielded in batches
        read: list[Row] = []  # records read and not counted yet (the pending one too)
        pending = self.pending  # the last record, while its continuation lines may follow

        def continues(row: Row, lineno: int, line: str) -> bool:
            """Attach a continuation line to the pending record; False when it is not one."""
            kind = continuation(row, line)
            if kind is None:
                return False
            cap.last_line = lineno
            continued.add(kind)
            if structural is not None:
                structural.append(lineno)
            return True

        for lineno, line in chain(((first, first_line),), it):
            if len(line) > MAX_LINE:
                break
            if continuation_first and pending is not None:
                if continues(pending, lineno, line):
                    continue
                if not line or line.isspace():
                    done.append(pending)  # a blank line ends a block of lines (Format-List)
                    pending = None
                    continue
            m = match(line)
            if m is not None and (accepts is None or accepts(m, columns)):
                row, leftover = record(m, lineno, columns)
                read.append(row)
                if pending is not None:
                    done.append(pending)
                    pending = None
                if multiline:
                    pending = row
                else:
                    done.append(row)
                if leftover is not None:
                    count(cap, read)
                    read = []
                    yield CONNECTION, done, cap
                    done = []
                    yield from self._leftover(leftover, line, lineno)
                elif len(read) >= BATCH:
                    count(cap, read)
                    read = []
                    if done:
                        yield CONNECTION, done, cap
                        done = []
                continue
            if pending is not None and not continuation_first and continues(pending, lineno, line):
                continue
            if line and not line.isspace():
                break
        else:
            lineno = 0
        if pending is not self.pending:
            self.pending, self.pending_dialect = pending, dialect if pending is not None else None
        if read:
            count(cap, read)
        if done:
            yield CONNECTION, done, cap
        return (lineno, line) if lineno else None

    def finish(self) -> Iterator[Item]:
        """End the input: report a held-back line, then the pending row and the last capture."""
        if self.deferred is not None:
            yield from self._resolve_deferred(None)
        if self.capture is None:
            yield from self.undecodable_lines(None)
        yield from self._finish(last=True)
        self.preamble = []  # no capture started: these were reported as they were found

    def flush(self) -> Iterator[Item]:
        """Yield the pending record, whose continuation lines are known to be complete."""
        yield from self._flush()

    def undecodable_lines(self, upto: int | None) -> Iterator[Item]:
        """Report the lines with undecodable bytes up to line ``upto`` (all with ``None``)."""
        bad = self.undecodable
        while self.undecodable_reported < len(bad):
            lineno, text = bad[self.undecodable_reported]
            if upto is not None and lineno > upto:
                break
            self.undecodable_reported += 1
            encoding = self.guessed_encoding
            hint = f" (the encoding was guessed: {encoding}; see --encoding)" if encoding else ""
            yield from self._diagnose(
                lineno,
                DiagnosticSeverity.WARNING,
                "undecodable-bytes",
                f"bytes that are not text read as U+FFFD{hint}",
                text,
            )

    def _unknown_states(self, cap: CaptureState) -> Iterator[Item]:
        """One diagnostic per state word no table knows: a warning when the encoding was
        guessed (the word may be garbled), else a notice."""
        from netnorm.model.vocabulary import names_unknown_state

        for word, (lineno, count) in cap.unknown_states.items():
            if names_unknown_state(word):
                continue  # the tool's own UNKNOWN
            rows = "1 row has" if count == 1 else f"{count} rows have"
            if self.guessed_encoding:
                severity = DiagnosticSeverity.WARNING
                hint = (
                    f"; the encoding was guessed ({self.guessed_encoding}): if the word looks "
                    "garbled, give --encoding"
                )
            else:
                severity, hint = DiagnosticSeverity.NOTICE, ""
            yield from self._diagnose(
                lineno,
                severity,
                "unknown-state",
                f"{rows} the state word {word!r}, which no table knows (state UNKNOWN){hint}",
            )

    def signature(self) -> tuple[Any, ...] | None:
        """What decides how the next row line is read, or ``None`` when the reader is not
        between rows of a table (no capture, a held-back line, an open warning).

        Two readers with the same signature read the same lines into the same records, apart
        from capture numbers and the counters behind ``CaptureState.options``.
        """
        cap = self.capture
        if cap is None or self.deferred is not None or self.warning_open or self.preamble:
            return None
        if self.pending_dialect is not None and self.pending_dialect.CONTINUATION_FIRST:
            return None  # the next line may continue the pending record, whatever it looks like
        return (
            cap.platform,
            cap.dialect,
            cap.section,
            cap.expect_header,
            cap.rows > 0,
            tuple(sorted(cap.columns.items())),
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

    def _slow_line(self, line: str, lineno: int) -> Generator[Item, None, bool]:
        """Read a line outside a table; True when it is a row that starts one (the caller
        reads it in the table loop)."""
        cap = self.capture
        stripped = line.strip()

        # a record is pending only while its table is read, and the table loop has already
        # found that this line does not continue it
        yield from self._flush()

        # a multi-line netstat warning continues
        if self.warning_open:
            self.warning_lines += 1
            if stripped.endswith((")", "）")) or self.warning_lines >= 3:
                self.warning_open = False
            if cap is not None:
                cap.last_line = lineno
            self._mark(lineno)
            return False

        # a row of a dialect not seen yet in this capture: it starts a table
        for dialect in self.dialects:
            if not stripped.startswith(dialect.ROW_STARTS):
                continue
            m = dialect.ROW.re.match(line)
            columns = cap.columns[dialect.NAME] if cap is not None else dialect.columns(None)
            if m is not None and dialect.accepts(m, columns):
                yield from self._row_capture(dialect, lineno)
                assert self.capture is not None
                self.capture.section = "inet"
                return True

        # UNIX domain sockets
        for dialect in self.dialects:
            unix = dialect.unix_record(stripped, lineno, cap)
            if unix is None:
                continue
            if cap is None or (cap.dialect is not None and cap.dialect != dialect.NAME):
                yield from self._start(lineno)
                cap = self.capture
                assert cap is not None
            self._set_dialect(cap, dialect)
            if dialect.UNIX_SECTION:
                cap.section = "unix"
            cap.unix_rows += 1
            cap.last_line = lineno
            yield Event.UNIX, unix, cap
            return False

        event = structure(stripped)
        if isinstance(event, Heading) and event.section == "inet":
            if self._allowed(event.platform, event.dialect):
                yield from self._start(lineno)
                cap = self.capture
                assert cap is not None
                cap.platform = self.forced or event.platform
                self._set_dialect(cap, BY_NAME.get(event.dialect or ""))
                cap.listeners, cap.locale = event.listeners, event.locale
                cap.expect_header = True
                cap.last_line = lineno
                self._mark(lineno)
                return False
            event = None  # a heading of a dialect not read: perhaps a header, else unrecognised
        elif isinstance(event, Heading):
            if cap is None or cap.section == "unix":
                yield from self._start(lineno)
                cap = self.capture
                assert cap is not None
            cap.platform = self.forced or event.platform
            self._set_dialect(cap, BY_NAME.get(event.dialect or ""))
            cap.locale = cap.locale or event.locale
            cap.section = "unix"
            cap.expect_header = True
            cap.last_line = lineno
            self._mark(lineno)
            return False
        elif isinstance(event, Skipped):
            yield from self._current(lineno)
            cap = self.capture
            assert cap is not None
            if event.proves and self.forced is None:
                cap.platform = event.platform
            cap.section = "other"
            cap.last_line = lineno
            yield from self._diagnose(
                lineno,
                DiagnosticSeverity.NOTICE,
                "section-skipped",
                "section without IP sockets skipped",
                stripped,
            )
            return False
        if cap is not None and cap.section == "other":
            cap.last_line = lineno
            self._mark(lineno)
            return False  # inside a skipped section: its header and rows

        # the tool's own messages
        if isinstance(event, Message) and event.silent:
            if cap is not None:
                cap.last_line = lineno
            self._mark(lineno)
            return False
        if isinstance(event, Message):
            if event.error:
                yield from self._current(lineno)
                cap = self.capture
                assert cap is not None
                cap.platform = cap.platform or event.platform
                cap.elevation_error = True
            elif event.opens:
                self.warning_open = True
                self.warning_lines = 0
            if cap is not None:
                cap.last_line = lineno
            severity = DiagnosticSeverity.ERROR if event.error else DiagnosticSeverity.NOTICE
            yield from self._diagnose(lineno, severity, event.code, event.message, stripped)
            return False

        # column headers
        expected = cap is not None and cap.expect_header
        if isinstance(event, Header) or expected:
            if isinstance(event, Header) and not event.known and not expected:
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
            if isinstance(event, Header) and event.dialect is not None:
                if event.platform is not None and self.forced is None:
                    cap.platform = event.platform
                self._set_dialect(cap, BY_NAME.get(event.dialect))
            if unix_header:
                cap.section = "unix"  # a UNIX section whose heading no table knows
            if cap.section == "unix":
                cap.unix_owner = "PID/Program name" in line
                cap.unix_context = "Security Context" in line
            else:
                cap.columns = {d.NAME: d.columns(line) for d in DIALECTS}
            self._mark(lineno)
            return False

        # decided by the next line: a title in an unknown language comes before its header
        self.deferred = (lineno, line)
        return False

    def _resolve_deferred(self, next_line: str | None) -> Iterator[Item]:
        """Report the held-back line: a title if a column header follows, else unrecognised."""
        assert self.deferred is not None
        lineno, line = self.deferred
        self.deferred = None
        after = structure(next_line.strip()) if next_line is not None else None
        if (
            next_line is not None
            and looks_like_header(next_line.strip())
            # the header of a tool that prints only English has no translated title above it
            and not (isinstance(after, Header) and after.dialect is not None)
        ):
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

    def _row_capture(self, dialect: Dialect, lineno: int) -> Iterator[Item]:
        cap = self.capture
        if cap is None or (cap.dialect is not None and cap.dialect != dialect.NAME and cap.rows):
            yield from self._start(lineno)
            cap = self.capture
            assert cap is not None
        elif cap.section == "unix":
            # Internet rows after the UNIX section: a new block without a heading
            yield from self._start(lineno)
            cap = self.capture
            assert cap is not None
        self._set_dialect(cap, dialect)
        cap.expect_header = False


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
