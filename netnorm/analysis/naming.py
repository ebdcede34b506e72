"""Host names and capture times from file names: ``web01_20261120T100000.txt``.

Audit folders are written by scripts, so the file name (or its folder) usually says which host a
capture came from and when. A pattern such as ``{host}_{time}.txt`` or ``{time}/{host}.log``
says how to read it. Times are understood in the stamp forms scripts commonly write.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePath

from netnorm.errors import UsageError

DEFAULT_PATTERN = "{host}_{time}"

#: Time stamp forms, tried in order. Each gives year, month, day, hour, minute, second.
_STAMPS = (
    # 20261120T100000, 20261120T1000, 20261120-100000, 20261120_1000, 202611201000
    re.compile(r"(\d{4})(\d{2})(\d{2})[T_\-]?(\d{2})(\d{2})(\d{2})?Z?"),
    # 2026-11-20T10-00-00, 2026-11-20_10.00.00, 2026-11-20 10:00:00, 2026-11-20T10:00
    re.compile(r"(\d{4})-(\d{2})-(\d{2})[T_ \-](\d{2})[.:\-](\d{2})(?:[.:\-](\d{2}))?Z?"),
)
_EPOCH = re.compile(r"\d{9,10}(?:\.\d+)?")
#: What a ``{time}`` in a name pattern may match, so that ``web_01_20261120T1000`` splits right.
_TIME_SHAPE = (
    r"\d{8}[T_\-]?\d{4}(?:\d{2})?Z?"
    r"|\d{4}-\d{2}-\d{2}[T_ \-]\d{2}[.:\-]\d{2}(?:[.:\-]\d{2})?Z?"
    r"|\d{9,10}(?:\.\d+)?"
    r"|\d{4}-?\d{2}-?\d{2}"
)
_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def parse_time(text: str) -> datetime | None:
    """Read a time stamp as an aware UTC datetime, or return ``None``.

    Accepted: ``20261120T100000``, ``2026-11-20T10-00-00``, ``20261120-1000``,
    ``2026-11-20_10.00.00``, ISO 8601 with colons (and a UTC offset, ``+01:00`` or ``Z``),
    a bare date, and epoch seconds. Stamps without a zone are taken as UTC.
    """
    text = text.strip()
    if _EPOCH.fullmatch(text):
        try:
            return datetime.fromtimestamp(float(text), tz=timezone.utc)
        except (OverflowError, ValueError, OSError):
            return None
    for stamp in _STAMPS:
        m = stamp.fullmatch(text)
        if m:
            parts = [int(g) if g else 0 for g in m.groups()]
            return _make(*parts)
    m = _DATE.fullmatch(text)
    if m:
        year, month, day = (int(g) for g in m.groups())
        return _make(year, month, day, 0, 0, 0)
    if ("T" in text and text[-1:] == "Z") or (text[-6:-5] in ("+", "-") and text[-3:-2] == ":"):
        try:  # ISO 8601 with an offset: 2026-11-20T10:00:00+01:00, ...Z
            zoned = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            return None
        if zoned.tzinfo is not None:
            return zoned.astimezone(timezone.utc)
    return None


def _make(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError:
        return None


@dataclass(frozen=True)
class NameMatch:
    """What a file name says."""

    host: str | None
    time: datetime | None


class NamePattern:
    """A file-name pattern with ``{host}`` and ``{time}`` placeholders.

    A pattern with a ``/`` is matched against the path below the folder given on the command
    line; otherwise against the file name. A pattern without an extension ignores the file's.
    """

    def __init__(self, pattern: str) -> None:
        if "{host}" not in pattern and "{time}" not in pattern:
            raise UsageError(f"name pattern {pattern!r} needs {{host}} or {{time}}")
        self.pattern = pattern
        self.with_folders = "/" in pattern
        last = pattern.rsplit("/", 1)[-1]
        self.with_extension = "." in last.replace("{host}", "").replace("{time}", "")
        regex = ""
        for piece in re.split(r"(\{host\}|\{time\})", pattern):
            if piece == "{host}":
                regex += r"(?P<host>[^/]+?)"
            elif piece == "{time}":
                regex += rf"(?P<time>{_TIME_SHAPE})"
            else:
                regex += re.escape(piece)
        try:
            self.regex = re.compile(regex + "$")
        except re.error as exc:
            raise UsageError(f"name pattern {pattern!r}: {exc}") from None

    def match(self, path: str, root: str | None = None) -> NameMatch | None:
        """Read host and time from ``path``; ``None`` when the name does not fit the pattern.

        A ``{time}`` that is not a time stamp is a mismatch too.
        """
        pure = PurePath(path)
        if self.with_folders and root is not None:
            with contextlib.suppress(ValueError):  # not below root: match the whole path
                pure = pure.relative_to(root)
        text = pure.as_posix() if self.with_folders else pure.name
        if not self.with_extension:
            suffix = pure.suffix
            if suffix and not suffix[1:].isdigit():
                text = text[: -len(suffix)]
        m = self.regex.search(text) if self.with_folders else self.regex.fullmatch(text)
        if m is None:
            return None
        groups = m.groupdict()
        time = None
        if groups.get("time") is not None:
            time = parse_time(groups["time"])
            if time is None:
                return None
        return NameMatch(groups.get("host"), time)
