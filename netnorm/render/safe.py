"""Make untrusted capture text harmless for terminals and spreadsheets.

Process names are whatever a process wrote into its argv, and log files may come from a
compromised machine. Before any terminal output, control characters (which start ANSI and OSC
escape sequences) are shown as visible ``\\xNN`` escapes, and rich markup is never interpreted
(renderers pass ``rich.text.Text`` objects, not markup strings). CSV cells that a spreadsheet would
run as a formula are neutralised, following the OWASP guidance on CSV injection.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Unicode version of ``_INVISIBLE`` (``tests/test_safe.py`` checks it against ``unicodedata``).
INVISIBLE_UNICODE = "14.0.0"

#: What a human output never shows raw: every character of the categories Cc (controls, which
#: start ANSI and OSC escapes), Cf (format: bidi marks, zero-width characters, tags, the soft
#: hyphen), Zl and Zp (line and paragraph separators), Co (private use) and Cs (surrogates: the
#: bytes of a file name that is not UTF-8), the Hangul fillers, and the whole of the blocks of
#: the tag characters and of U+2060-206F, assigned or not.
_INVISIBLE = (
    "\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ud800-\uf8ff"
    "\ufeff\uffa0\ufff0-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e007f"
    "\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
_UNSAFE = re.compile(f"[{_INVISIBLE}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # a byte that was not UTF-8 (surrogateescape)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """Return ``text`` with every control or invisible formatting character made visible."""
    return _UNSAFE.sub(_escape, text)


#: Leading characters that make a spreadsheet treat a cell as a formula (OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """Make a CSV cell from a capture safe to open and to print.

    Formula starters get a leading single quote (OWASP), and control characters are made
    visible, so that ``cat file.csv`` cannot drive a terminal either.
    """
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return visible(text)


#: What JSON output writes as ``\\u`` escapes rather than raw, although JSON allows it raw:
#: DEL and the C1 controls (U+009B is an 8-bit CSI), the bidi controls that reorder what a
#: terminal shows, and the line and paragraph separators (line breaks to JavaScript). The
#: value stays exact; only its bytes change. Other text is written as UTF-8.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_JSON_UNSAFE_UTF8 = re.compile(
    b"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _json_escape_utf8(match: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(match.group().decode("utf-8"))


def json_text(text: str) -> str:
    """JSON text with the characters of ``_JSON_UNSAFE`` as ``\\u`` escapes."""
    if text.isascii() and "\x7f" not in text:  # the common case, in two C scans
        return text
    return _JSON_UNSAFE.sub(_json_escape, text)


def json_bytes(data: bytes) -> bytes:
    """UTF-8 JSON with the characters of ``_JSON_UNSAFE`` as ``\\u`` escapes."""
    if data.isascii() and b"\x7f" not in data:  # the common case, in two C scans
        return data
    return _JSON_UNSAFE_UTF8.sub(_json_escape_utf8, data)


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_compact(data: Any) -> str:
    """Compact JSON, as every JSON output of netnorm is written: non-ASCII text as it is, but
    for the characters ``json_text`` escapes."""
    return json_text(_COMPACT(data))
