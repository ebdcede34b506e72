"""Make untrusted capture text harmless for terminals and spreadsheets.

Process names are whatever a process wrote into its argv, and log files may come from a
compromised machine. Before any terminal output, control characters (which start ANSI and OSC
escape sequences) are shown as visible ``\\xNN`` escapes, and rich markup is never interpreted
(renderers pass ``rich.text.Text`` objects, not markup strings). CSV cells that a spreadsheet would
run as a formula are neutralised, following the OWASP guidance on CSV injection.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the invisible bidi/format characters that can disguise text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


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
