"""Bytes to lines: BOMs, UTF-16 without a BOM, UTF-8, and the OEM code pages Windows writes.

The encoding is chosen from a sample at the start of the input, then the input is decoded as a
stream, so a large file is never held in memory. CR, LF and CRLF all end a line. A line longer
than ``MAX_LINE`` is cut and reported rather than read whole.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from netnorm.errors import FormatError, InputError, reason

SAMPLE_SIZE = 64 * 1024
#: Lines longer than this (in characters) are reported as a diagnostic and not parsed.
MAX_LINE = 64 * 1024

#: Code pages tried when the bytes are not UTF-8. Scores decide; on a tie the earlier wins:
#: Windows files (CRLF) are usually in an OEM code page, Linux files (LF) in Latin-1 or EUC-JP.
FALLBACKS = (
    "cp850",
    "cp437",
    "cp1252",
    "cp932",
    "cp936",
    "cp949",
    "cp950",
    "cp866",
    "cp1251",
    "cp852",
    "euc_jp",
    "latin-1",
)

#: The same code pages in the order that suits files with LF line endings (Linux hosts).
UNIX_FALLBACKS = (
    "latin-1",
    "cp1252",
    "euc_jp",
    "cp932",
    "cp936",
    "cp949",
    "cp950",
    "cp1251",
    "cp866",
    "cp852",
    "cp850",
    "cp437",
)

#: Words whose presence shows that a decoding is the right one.
_VOCABULARY = (
    "ABHÖREN",
    "HERGESTELLT",
    "Aktive Verbindungen",
    "Lokale Adresse",
    "アクティブな接続",
    "ローカル アドレス",
    "外部アドレス",
    "状態",
    "受信",
    "活动连接",
    "本地地址",
    "外部地址",
    "状态",
    "使用中連線",
    "本機位址",
    "Активные подключения",
    "Локальный адрес",
    "Состояние",
    "Conexões ativas",
    "Endereço",
    "Dirección",
    "État",
    "d’obtenir",
    "Aktivní",
    "Místní",
    "Přích",
    "NASLOUCHÁ",
    "POSLEDNÍ",
    "ÚLTIMO_ACK",
    "OUÇA",
    "Verbindungen",
    "Internetverbindungen",
    "Informationen über",
    "稼働中",
    "内部アドレス",
    "インターネット",
)


@dataclass(frozen=True)
class Decoded:
    """How an input was decoded.

    ``undecodable`` fills up while the lines are read: the number of each line that held
    bytes which are not text in ``encoding`` (they read as U+FFFD), with the line's text and
    those bytes as ``\\xNN``.
    """

    encoding: str
    detected: bool
    undecodable: list[tuple[int, str]] = field(default_factory=list, compare=False)

    @property
    def guessed_encoding(self) -> str | None:
        """The encoding when it is a code page chosen by its score, which can be wrong."""
        return self.encoding if self.detected and not self.encoding.startswith("utf") else None


_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_GLUED = re.compile(r"[^\x00-\u2e7f][a-z]")  # the negated range compiles 4 ms faster


def _score(text: str) -> int:
    """How much a decoding looks like netstat text in some language (higher is better).

    Known netstat words weigh most. Then every non-ASCII character counts: letters for, and
    symbols (box drawing, ``™``) against, so that the right code page wins even for a language
    no table knows: Korean bytes read as cp850 turn into box-drawing characters.
    """
    # every occurrence counts: a word on every row (ABHÖREN) must outweigh the per-character
    # evidence below however long the sample is
    score = sum(text.count(word) * len(word) * 8 for word in _VOCABULARY)
    score -= 4 * len(_CONTROL.findall(text))
    # an ideograph running into a Latin word: Latin-1 bytes read as CJK
    score -= 8 * len(_GLUED.findall(text))
    for ch in _ASCII_RUNS.sub("", text):  # rows are ASCII: only the few other characters
        if ch == "\ufffd":
            score -= 8
        elif 0xFF61 <= ord(ch) <= 0xFF9F:
            score -= 2  # half-width katakana: a double-byte code page misreading other bytes
        elif ch.isalpha():
            if ord(ch) < 0x2E80:
                score += 1
            elif 0xAC00 <= ord(ch) <= 0xD7A3:
                score += 3  # Hangul: only a Korean code page produces whole syllables
            else:
                score += 2  # a CJK character stands for two bytes
        else:
            score -= 2
    return score


_UNDECODABLE = re.compile("[\udc00-\udcff]+")


def _keep_bytes(exc: UnicodeError) -> tuple[str, int]:
    """A decoding error handler: each byte that is not text becomes U+DC00 + its value,
    as ``surrogateescape`` does, but for every byte (an invalid UTF-16 unit may hold ASCII
    bytes). Decoders never produce such a lone surrogate themselves."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _KEPT[0] += 1
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(0xDC00 + b) for b in bad), exc.end


#: How often ``_keep_bytes`` ran in this process: until it runs, no text holds what it makes,
#: and no chunk needs a look for it (a scan of every chunk would cost a tenth of the parsing).
_KEPT = [0]


#: The error handler lines are decoded with (see ``_keep_bytes``).
KEEP_BYTES = "netnorm-keep-bytes"
codecs.register_error(KEEP_BYTES, _keep_bytes)
_NON_ASCII = re.compile("[^\x00-\x7f]")
#: UTF-8 characters a sample must hold per invalid byte sequence to stay UTF-8. Text in a code
#: page forms valid UTF-8 only by chance, about once per invalid sequence (GBK, EUC-JP) or
#: far less (cp850, cp1252).
UTF8_MARGIN = 4


def mostly_utf8(sample: bytes) -> bool:
    """True when ``sample`` is UTF-8 text with a few invalid byte sequences: many valid
    multi-byte characters, at least ``UTF8_MARGIN`` per invalid sequence."""
    end = sample.rfind(b"\n")
    text = (sample[: end + 1] if end > 0 else sample).decode("utf-8", "surrogateescape")
    runs = _UNDECODABLE.findall(text)
    valid = len(_NON_ASCII.findall(text)) - sum(map(len, runs))
    invalid = len(runs)
    return valid >= UTF8_MARGIN * max(invalid, 1)


def detect_encoding(sample: bytes) -> str:
    """Choose an encoding for ``sample``, the first bytes of an input.

    Args:
        sample: up to ``SAMPLE_SIZE`` bytes.

    Returns:
        A Python codec name.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith(codecs.BOM_UTF16_LE):
        return "utf-16"
    if sample.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    if len(sample) >= 4:
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        half = len(sample) // 2
        if odd > half * 0.3 and even < half * 0.05:
            return "utf-16-le"
        if even > half * 0.3 and odd < half * 0.05:
            return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        if mostly_utf8(sample):
            return "utf-8"  # a bad byte or two in UTF-8 text: those lines are reported
    best = "latin-1"
    best_score = None
    sample = sample[:16384]  # enough for headings and many rows; scoring is per character
    order = FALLBACKS if b"\r\n" in sample else UNIX_FALLBACKS
    for name in order:
        text = sample.decode(name, errors="replace")
        score = _score(text)
        if best_score is None or score > best_score:
            best, best_score = name, score
    return best


class _Prefixed(io.RawIOBase):
    """A raw stream that replays bytes already read, then continues with the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


#: Characters no text capture holds: C0 controls but the line and page breaks and tabs.
_CONTROLS = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r\x0b\x0c") | {"\ufffd"}
#: A sample with more of them than this share is binary data.
BINARY_SHARE = 0.05


def is_binary(head: bytes, encoding: str) -> bool:
    """True when the first bytes, decoded, are mostly not text (a core dump, an archive)."""
    sample = head[:4096].decode(encoding, errors="replace")
    if not sample:
        return False
    odd = sum(1 for ch in sample if ch in _CONTROLS)
    return odd > BINARY_SHARE * len(sample)


def text_encoding(name: str) -> str:
    """The codec ``name`` stands for, when it decodes bytes to text.

    Raises:
        LookupError: no such codec, or one that is not a text encoding (``rot13``,
            ``base64``), with a message that says which.
    """
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise LookupError(f"unknown encoding {name!r}") from None
    # the flag str.decode itself checks: rot13 and base64 are codecs, but not of text
    if not getattr(info, "_is_text_encoding", True):
        raise LookupError(f"{name!r} is not a text encoding")
    return info.name


def open_lines(
    stream: BinaryIO, source: str, encoding: str | None = None
) -> tuple[Decoded, Iterator[tuple[int, str]]]:
    """Decode a binary stream into numbered lines.

    Args:
        stream: the input, read once from its current position.
        source: a name for error messages.
        encoding: a codec name to use instead of detection.

    Returns:
        How it was decoded, and an iterator of (1-based line number, line without its ending).
        A line longer than ``MAX_LINE`` comes out cut to ``MAX_LINE + 1`` characters, so a
        reader tells it by its length; the rest of it is skipped, never held in memory.

    Raises:
        InputError: the encoding name is unknown.
    """
    if encoding is not None:
        try:
            text_encoding(encoding)
        except LookupError as exc:
            raise InputError(str(exc), source) from None
    try:
        head = stream.read(SAMPLE_SIZE)
    except OSError as exc:  # EIO from /proc/self/mem, a failing disk
        raise InputError(f"read failed: {reason(exc)}", source) from None
    if encoding is not None:
        decoded = Decoded(encoding, False)
    else:
        decoded = Decoded(detect_encoding(head), True)
    if is_binary(head, decoded.encoding):
        raise FormatError("binary data, not text: netnorm reads socket listings", source, 1)
    raw = io.BufferedReader(_Prefixed(head, stream), buffer_size=SAMPLE_SIZE)
    text = io.TextIOWrapper(raw, encoding=decoded.encoding, errors=KEEP_BYTES, newline="")
    return decoded, _numbered(text, 1, decoded.undecodable)


class _Range(io.RawIOBase):
    """A raw stream over ``size`` bytes of another stream, from its current position."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream = stream
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(min(len(buffer), self._left))
        n = len(data)
        buffer[:n] = data
        self._left -= n
        return n


def range_lines(
    stream: BinaryIO,
    encoding: str,
    start: int,
    stop: int | None,
    first_line: int,
    undecodable: list[tuple[int, str]] | None = None,
) -> Iterator[tuple[int, str]]:
    """Numbered lines of the bytes ``start:stop`` of a seekable stream.

    ``start`` must be the start of a line, and ``first_line`` its number; the encoding must be
    one in which a line break byte is never part of another character (not UTF-16).
    """
    stream.seek(start)
    size = (stop - start) if stop is not None else 1 << 62
    raw = io.BufferedReader(_Range(stream, size), buffer_size=SAMPLE_SIZE)
    text = io.TextIOWrapper(raw, encoding=encoding, errors=KEEP_BYTES, newline="")
    return _numbered(text, first_line, undecodable)


#: Characters decoded per read; lines are split in bulk, which is much faster than readline.
CHUNK = 1 << 20


def _line_breaks(text: io.TextIOWrapper) -> Iterator[str]:
    """The text in chunks, every line break as ``\n``: LF, CRLF, a lone CR, and CR CR LF (a
    Windows capture converted to CRLF twice), which is one line break, as ``sed`` and
    ``grep -n`` count it."""
    read = text.read
    pending = ""
    while True:
        chunk = read(CHUNK)
        if not chunk:
            break
        chunk = pending + chunk
        kept = chunk.rstrip("\r")  # a CR at the end may belong to a CRLF in the next chunk
        pending, chunk = chunk[len(kept) :], kept
        yield chunk.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")
    if pending:
        yield "\n" * len(pending)


def _bytes_shown(match: re.Match[str]) -> str:
    return "".join(f"\\x{ord(ch) - 0xDC00:02x}" for ch in match.group())


def _replaced(match: re.Match[str]) -> str:
    return "\ufffd" * len(match.group())


def _numbered(
    text: io.TextIOWrapper, first: int = 1, undecodable: list[tuple[int, str]] | None = None
) -> Iterator[tuple[int, str]]:
    """Numbered lines of ``text``, decoded with ``KEEP_BYTES``: a line with bytes that are
    not text reads with U+FFFD for each, and is noted in ``undecodable``."""
    lineno = first - 1
    carry = ""
    long_line = False  # carry holds the start of an over-long line; drop the rest of it
    kept = _KEPT[0]
    look = False  # once bytes were kept, every later chunk is looked at (the decoder buffers)
    for chunk in _line_breaks(text):
        if not chunk:
            continue
        look = look or _KEPT[0] != kept
        if look and _UNDECODABLE.search(chunk) is not None:
            chunk = _mark_undecodable(chunk, carry, lineno, undecodable)
        parts = chunk.split("\n")
        if long_line:
            if len(parts) == 1:
                continue
            parts[0] = carry
            long_line = False
        else:
            parts[0] = carry + parts[0]
        carry = parts.pop()
        for part in parts:
            lineno += 1
            yield lineno, part if len(part) <= MAX_LINE else part[: MAX_LINE + 1]
        if len(carry) > MAX_LINE:
            carry = carry[: MAX_LINE + 1]
            long_line = True
    if carry:
        yield lineno + 1, carry


#: Lines with undecodable bytes noted per input; the rest are only replaced.
MAX_UNDECODABLE = 1000


def _mark_undecodable(
    chunk: str, carry: str, lineno: int, undecodable: list[tuple[int, str]] | None
) -> str:
    """Note each line of ``chunk`` (whose first line continues ``carry``, line ``lineno + 1``)
    that holds undecodable bytes, and return the chunk with U+FFFD for each byte."""
    if undecodable is not None:
        lines = chunk.split("\n")
        lines[0] = carry + lines[0]
        for number, line in enumerate(lines, lineno + 1):
            if len(undecodable) >= MAX_UNDECODABLE:
                break
            if _UNDECODABLE.search(line) is not None and (
                not undecodable or undecodable[-1][0] != number  # its start, in the last chunk
            ):
                undecodable.append((number, _UNDECODABLE.sub(_bytes_shown, line[:MAX_LINE])))
    return _UNDECODABLE.sub(_replaced, chunk)
