"""The library API: ``parse`` for whole captures, ``iter_connections`` for large inputs.

The CLI is built on the same functions. Parser output reaches the pydantic models here; the CLI's
streaming JSON path writes the same dicts without validating each row again (see
``tests/test_schema.py``, which checks that both paths give identical JSON).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from netnorm.decode import Decoded, open_lines
from netnorm.errors import FormatError, InputError, reason
from netnorm.model.enums import Platform
from netnorm.parsers.reader import Event, Item, Reader
from netnorm.parsers.row import Row, as_dict
from netnorm.progress import Counted, Meter

Source = str | bytes | os.PathLike[str]


def _platform(platform: Platform | str | None) -> Platform | None:
    if platform is None or isinstance(platform, Platform):
        return platform
    try:
        return Platform(platform.lower())
    except ValueError:
        choices = ", ".join(p.value for p in Platform)
        raise InputError(f"unknown platform {platform!r}; use one of {choices}") from None


def open_source(source: Source | BinaryIO, name: str | None = None) -> tuple[BinaryIO, str, bool]:
    """Open what the caller passed as a binary stream.

    A ``str`` is text, unless it has no line break and names an existing file; ``bytes`` are
    content; a path-like object is a file; an object with ``read`` is a binary stream.

    Returns:
        The stream, its display name, and whether the caller must close it.

    Raises:
        InputError: the file cannot be opened.
    """
    if isinstance(source, bytes):
        return io.BytesIO(source), name or "<bytes>", True
    if isinstance(source, str) and ("\n" in source or not os.path.exists(source)):
        if "\n" not in source and " " not in source.strip() and len(source) < 4096:
            # one word without line breaks is a path that does not exist, not a capture
            raise InputError("no such file", name or source)
        return io.BytesIO(source.encode("utf-8")), name or "<text>", True
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        display = name or str(path)
        try:
            if path.is_dir():
                raise InputError("is a folder; give files, or use the CLI to recurse", display)
            return path.open("rb"), display, True
        except FileNotFoundError:
            raise InputError("no such file", display) from None
        except PermissionError:
            raise InputError("permission denied", display) from None
        except OSError as exc:
            raise InputError(exc.strerror or "cannot be read", display) from None
    return source, name or str(getattr(source, "name", "<stream>")), False


def iter_items(
    source: Source | BinaryIO,
    platform: Platform | str | None = None,
    *,
    host: str | None = None,
    encoding: str | None = None,
    name: str | None = None,
    parts: int = 1,
    meter: Meter | None = None,
) -> tuple[Decoded, Iterator[Item]]:
    """Stream the raw reader items of one source (see ``netnorm.parsers.reader.Reader``).

    With ``parts`` above 1, a large file is read in that many parts at once by worker
    processes (see ``netnorm.parallel``): their connections then come as
    ``netnorm.parallel.SPOOLED`` items of JSONL lines, so this is for JSONL output only.

    Returns:
        How the input was decoded, and the items. Iterating them raises ``FormatError`` at the
        end when the input held no netstat output at all (naming its first line).
    """
    forced = _platform(platform)
    split = None
    if parts > 1 and isinstance(source, (str, os.PathLike)) and os.path.isfile(source):
        from netnorm.parallel import split_items

        display = name or str(source)
        split = split_items(
            os.fspath(source),
            parts,
            source=display,
            platform=forced,
            host=host,
            encoding=encoding,
            meter=meter,
        )
    if split is not None:
        decoded, all_items = split
        stream = None
        owned = False
    else:
        stream, display, owned = open_source(source, name)
        if meter is not None:
            stream = Counted(stream, meter)  # type: ignore[assignment]
        try:
            decoded, lines = open_lines(stream, display, encoding)
        except BaseException:
            if owned:
                stream.close()
            raise
        reader = Reader(
            display,
            forced,
            host,
            undecodable=decoded.undecodable,
            guessed_encoding=decoded.guessed_encoding,
        )
        all_items = reader.read(lines)

    def items() -> Iterator[Item]:
        found = False
        rows = 0
        first_line = None
        unread: list[tuple[int, str]] = []  # the first unrecognised lines: what are they?
        try:
            for item in all_items:
                kind, payload, cap = item
                if kind == Event.CAPTURE:
                    found = True
                    rows += payload.rows + payload.unix_rows
                elif kind == Event.DIAGNOSTIC:
                    if cap is None and first_line is None:
                        first_line = payload["line"]
                    if payload["code"] == "unrecognised-line" and len(unread) < 20:
                        unread.append((payload["line"], payload["text"] or ""))
                yield item
        except UnicodeError as exc:
            raise InputError(f"cannot be decoded: {exc}", display) from None
        except OSError as exc:
            raise InputError(f"read failed: {reason(exc)}", display) from None
        finally:
            if owned and stream is not None:
                stream.close()
        if not found or (rows == 0 and forced is not None and unread):
            raise _not_read(display, first_line, unread, forced)

    return decoded, items()


def _not_read(
    display: str, first_line: int | None, unread: list[tuple[int, str]], forced: Platform | None
) -> FormatError:
    """The error for an input that held no socket listing netnorm could read: say what it is
    when the lines tell."""
    from netnorm.parsers.registry import row_dialect, what_else

    kind = what_else([text for _, text in unread[:5]])
    if kind is not None:
        return FormatError(f"this is {kind}: netnorm reads socket listings", display, first_line)
    for line, text in unread:
        dialect = row_dialect(text)
        if dialect is not None and forced is not None:
            return FormatError(
                f"--platform {forced.value} read no rows: these are {dialect.NAME} rows "
                f"({', '.join(p.value for p in dialect.PLATFORMS)})",
                display,
                line,
            )
    return FormatError(
        "no socket listing found (netstat, ss, lsof -i or Get-NetTCPConnection)",
        display,
        first_line,
    )


def feed(
    decoded: Decoded,
    items: Iterator[Item],
    writer: Any,
    diagnostic: Callable[[dict[str, Any]], None],
) -> None:
    """Give one source's reader items to a writer (``netnorm.render.records.Writer``), and
    each diagnostic to ``diagnostic`` as it is found."""
    from netnorm.parallel import SPOOLED

    for kind, payload, cap in items:
        if kind == Event.CONNECTION:
            writer.connections(payload, cap)
        elif kind == Event.DIAGNOSTIC:
            diagnostic(payload)
        elif kind == Event.UNIX:
            writer.unix(payload, cap)
        elif kind == Event.CAPTURE:
            writer.capture(payload, decoded)
        elif kind == SPOOLED:
            writer.spooled(payload, cap)


def iter_capture_dicts(
    source: Source | BinaryIO,
    platform: Platform | str | None = None,
    *,
    host: str | None = None,
    encoding: str | None = None,
    name: str | None = None,
    diagnostic: Callable[[dict[str, Any]], None] | None = None,
    meter: Meter | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield one JSON-ready dict per capture. Raises ``FormatError`` if there is none.

    ``diagnostic`` is given every diagnostic as it is found, also those of an input that
    then turns out to hold no capture (a capture keeps ``MAX_DIAGNOSTICS`` of its own).
    """
    decoded, items = iter_items(
        source, platform, host=host, encoding=encoding, name=name, meter=meter
    )
    conns: list[Row] = []
    unix: list[dict[str, Any]] = []
    for kind, payload, _cap in items:
        if kind == Event.CONNECTION:
            conns.extend(payload)
        elif kind == Event.UNIX:
            unix.append(payload)
        elif kind == Event.DIAGNOSTIC:
            if diagnostic is not None:
                diagnostic(payload)
        elif kind == Event.CAPTURE:
            yield payload.as_dict(decoded, conns, unix)
            conns, unix = [], []


def parse(
    source: Source | BinaryIO,
    platform: Platform | str | None = None,
    *,
    host: str | None = None,
    encoding: str | None = None,
) -> list[Any]:
    """Parse netstat output into captures.

    Args:
        source: text (``str``), content (``bytes``), a path (``pathlib.Path``, or a ``str``
            without line breaks that names a file) or a binary stream.
        platform: ``"linux"`` or ``"windows"`` to skip detection.
        host: recorded as every capture's ``host``.
        encoding: a codec name to skip encoding detection.

    Returns:
        A list of ``netnorm.Capture``, one per snapshot in the input.

    Raises:
        InputError: the input cannot be read.
        FormatError: the input holds no netstat output.
    """
    from netnorm.model.schema import Capture

    return [
        Capture.model_validate(d)
        for d in iter_capture_dicts(source, platform, host=host, encoding=encoding)
    ]


def iter_connections(
    source: Source | BinaryIO,
    platform: Platform | str | None = None,
    *,
    host: str | None = None,
    encoding: str | None = None,
) -> Iterator[Any]:
    """Yield ``netnorm.Connection`` objects one at a time, for inputs too large to hold.

    Memory stays flat however long the input is. Arguments are those of ``parse``.
    """
    from netnorm.model.schema import Connection

    _, items = iter_items(source, platform, host=host, encoding=encoding)
    for kind, payload, _cap in items:
        if kind == Event.CONNECTION:
            for row in payload:
                yield Connection.model_validate(as_dict(row))


def analyze(
    source: Source | BinaryIO | list[Any],
    platform: Platform | str | None = None,
    *,
    config: Any = None,
    internal: list[str] | None = None,
    host: str | None = None,
    encoding: str | None = None,
) -> Any:
    """Parse (if needed) and analyse captures: scope, reach and findings.

    Args:
        source: what ``parse`` accepts, or a list of ``Capture`` objects already parsed.
        platform: as for ``parse``.
        config: a ``netnorm.analysis.config.Config``; default settings when omitted.
        internal: extra internal networks (CIDR), added to the config's.
        host: as for ``parse``.
        encoding: as for ``parse``.

    Returns:
        A ``netnorm.Report`` with ``captures``, ``findings`` and ``summary``.

    Raises:
        InputError, FormatError: as for ``parse``.
        UsageError: a network in ``internal`` is not valid.
    """
    from netnorm.analysis.config_model import Config
    from netnorm.analysis.engine import analyze_dicts
    from netnorm.errors import UsageError
    from netnorm.model.schema import Report

    settings = config if config is not None else Config()
    if internal:
        try:
            settings = settings.model_copy(
                update={"internal": [*settings.internal, *_networks(internal)]}
            )
        except ValueError as exc:
            raise UsageError(f"bad internal network: {exc}") from None
    if isinstance(source, list):
        dicts: Any = (c.model_dump(mode="json") for c in source)
    else:
        dicts = iter_capture_dicts(source, platform, host=host, encoding=encoding)
    return Report.model_validate(analyze_dicts(dicts, settings))


def _networks(values: list[str]) -> list[str]:
    from netnorm.analysis.scopes import validate_networks

    return validate_networks(values)
