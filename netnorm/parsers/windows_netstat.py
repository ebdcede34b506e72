"""Windows ``netstat.exe``: TCP/UDP rows and the ``-b`` owner lines that follow them.

A row's owner lines come after it, so the stream keeps one row pending until the next line that
is not an owner line. Owner lines are classified by shape (their text is translated):
two-space lines are components, a bracketed line is the image, any other one-space line is a note.
"""

from __future__ import annotations

from typing import Any

from netnorm.model.vocabulary import windows_state
from netnorm.parsers._atoms import (
    GAP,
    LOCAL,
    REMOTE,
    REST,
    WINDOWS_COMPONENT,
    WINDOWS_IMAGE,
    WINDOWS_NOTE,
    WINDOWS_PROTO,
    compose,
)
from netnorm.parsers.endpoints import windows_endpoint

#: One connection row, matched as a single token.
ROW = compose("Windows netstat row", r"^[ \t]*", WINDOWS_PROTO, GAP, LOCAL, GAP, REMOTE, REST)

_row_match = ROW.re_match
image_match = WINDOWS_IMAGE.re_match
component_match = WINDOWS_COMPONENT.re_match
note_match = WINDOWS_NOTE.re_match


def _family(text: str, endpoint: dict[str, Any]) -> str | None:
    if text.startswith("["):
        return "ipv6"
    address = endpoint["address"]
    if address is None:
        return None
    return "ipv6" if ":" in address else "ipv4"


def parse_row(line: str, lineno: int) -> dict[str, Any] | None:
    """Parse one connection row, or return ``None`` when the line is not one.

    The state is whatever stands between the foreign address and a trailing PID, so an unknown
    language's state word is kept (as UNKNOWN) instead of breaking the row.
    """
    m = _row_match(line)
    if m is None:
        return None
    proto, local, remote, rest = m.groups()
    tokens = rest.split()
    pid = None
    if tokens and tokens[-1].isdigit():
        pid = int(tokens.pop())
    state_raw = " ".join(tokens) or None
    state = windows_state(state_raw) if state_raw is not None else None
    local_ep = windows_endpoint(local)
    return {
        "protocol": "udp" if proto[0] in "Uu" else "tcp",
        "family": _family(local, local_ep),
        "local": local_ep,
        "remote": windows_endpoint(remote),
        "state": state.value if state is not None else None,
        "state_raw": state_raw,
        "pid": pid,
        "process": None,
        "process_truncated": False,
        "components": [],
        "owner_note": None,
        "recv_q": None,
        "send_q": None,
        "user": None,
        "inode": None,
        "security_context": None,
        "timer": None,
        "line": lineno,
    }


def attach_owner_line(conn: dict[str, Any], line: str) -> str | None:
    """Attach a ``-b`` owner line to the pending row.

    Returns:
        ``"image"``, ``"component"`` or ``"note"`` for what the line was, or ``None`` when the
        line is not an owner line (then the pending row is complete).
    """
    m = image_match(line)
    if m is not None:
        conn["process"] = m.group("image")
        return "image"
    m = component_match(line)
    if m is not None:
        conn["components"].append(m.group("component"))
        return "component"
    m = note_match(line)
    if m is not None:
        note = m.group("note")
        conn["owner_note"] = note if conn["owner_note"] is None else conn["owner_note"] + " " + note
        return "note"
    return None
