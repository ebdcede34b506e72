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
    PLUS,
    STAR,
    WINDOWS_LOCAL,
    WINDOWS_OWNER_LINE,
    WINDOWS_PROTO,
    WINDOWS_REMOTE,
    atom,
    compose,
)
from netnorm.parsers.cache import keep, short_lru
from netnorm.parsers.endpoints import IPV4_ENDPOINTS, ipv4_endpoint, windows_endpoint
from netnorm.parsers.row import COMPONENTS, CONNECTION_FIELDS, OWNER_NOTE, PROCESS, Row

#: The state: words that are not all digits (an unknown language's phrase is kept whole), the
#: first one not starting with a digit. Each word is matched in exactly one way, so a hostile
#: line cannot make the regex backtrack through every way of splitting its words.
_WORD = rf"(?=[^\s]*[^0-9\s])[^\s]{PLUS}"
STATE = atom(rf"(?P<state>[^\s0-9][^\s]{STAR}(?:{GAP}{_WORD})*?)", "state")
PID = atom(r"(?P<pid>[0-9]{1,20})", "PID")

#: One connection row, matched as a single token. Its groups: protocol; the local field, and
#: its address and port when it is canonical ``IPv4:port`` (else ``None``); the same for the
#: remote field; the state; the PID.
ROW = compose(
    "Windows netstat row",
    rf"^[ \t]{STAR}",
    WINDOWS_PROTO,
    GAP,
    WINDOWS_LOCAL,
    GAP,
    WINDOWS_REMOTE,
    rf"(?:{GAP}",
    STATE,
    rf")?(?:{GAP}",
    PID,
    rf")?[ \t]{STAR}$",
)

_row_match = ROW.re.match
_owner_line_match = WINDOWS_OWNER_LINE.re.match
_ipv4_endpoints = IPV4_ENDPOINTS


@short_lru(maxsize=8192)
def _local(text: str) -> tuple[dict[str, Any], str | None]:
    endpoint = windows_endpoint(text)
    address = endpoint["address"]
    if text.startswith("["):
        return endpoint, "ipv6"
    if address is None:
        return endpoint, None
    return endpoint, "ipv6" if ":" in address else "ipv4"


_STATES: dict[str, tuple[str | None, str]] = {}


def _state(word: str) -> tuple[str | None, str]:
    found = _STATES.get(word)
    if found is None:
        state = windows_state(word)
        found = (state.value if state is not None else None, word)
        keep(_STATES, word, found, len(word), size=4096)
    return found


def protocol(token: str) -> str:
    """The schema's protocol for the ``Proto`` column (``TCP``, ``UDPv6`` …)."""
    return "udp" if token[0] in "Uu" else "tcp"


def state(word: str | None) -> str | None:
    """The canonical state of a state column, ``None`` for none (UDP)."""
    return None if word is None else _state(word)[0]


def endpoint(text: str) -> tuple[dict[str, Any], str | None]:
    """The endpoint of an address field, and the family it shows (``None`` for a name or
    ``*``)."""
    ep = _ipv4_endpoints.get(text) or ipv4_endpoint(text)
    if ep is not None:
        return ep, "ipv4"
    return _local(text)


def parse_row(line: str, lineno: int) -> Row | None:
    """Parse one connection row, or return ``None`` when the line is not one.

    The state is whatever stands between the foreign address and a trailing PID, so an unknown
    language's state word is kept (as UNKNOWN) instead of breaking the row.
    """
    m = _row_match(line)
    if m is None:
        return None
    proto, local, _, _, remote, _, _, state_raw, pid = m.groups()
    local_ep, family = endpoint(local)
    remote_ep = _ipv4_endpoints.get(remote) or ipv4_endpoint(remote) or windows_endpoint(remote)
    return [
        protocol(proto),
        family,
        local_ep,
        remote_ep,
        None,
        state(state_raw),
        state_raw,
        None if pid is None else int(pid),
        None,
        False,
        [],
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        lineno,
    ]


def attach_owner_line(row: Row, line: str) -> str | None:
    """Attach a ``-b`` owner line to the pending row.

    Returns:
        ``"image"``, ``"component"`` or ``"note"`` for what the line was, or ``None`` when the
        line is not an owner line (then the pending row is complete).
    """
    if line[:2] == " [" and line[-1:] == "]" and len(line) > 3:
        row[PROCESS] = line[2:-1]  # the commonest owner line, taken as WINDOWS_IMAGE would
        return "image"
    m = _owner_line_match(line)
    if m is None:
        return None
    image, component, note = m.groups()
    if image is not None:
        row[PROCESS] = image
        return "image"
    if component is not None:
        row[COMPONENTS].append(component)
        return "component"
    row[OWNER_NOTE] = note if row[OWNER_NOTE] is None else row[OWNER_NOTE] + " " + note
    return "note"


def owner_row() -> Row:
    """An empty row, to collect owner lines into with ``attach_owner_line``."""
    row: Row = [None] * len(CONNECTION_FIELDS)
    row[COMPONENTS] = []
    return row


#: What owner lines are, by their text: only lines that are not rows are kept, so a line found
#: here is an owner line wherever it stands (see ``owner_line_kind``).
OWNER_LINE_KINDS: dict[str, str] = {}


def owner_line_kind(line: str) -> str | None:
    """What ``attach_owner_line`` takes ``line`` for, told without a row; for a line that is
    not a row (every row has the shape of a component line too)."""
    kind = attach_owner_line(owner_row(), line)
    if kind is not None:
        keep(OWNER_LINE_KINDS, line, kind, len(line))
    return kind
