"""``lsof -i``: one row per open Internet socket of a process, on Linux and macOS.

A row is ``COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME``: the FD is a number and an
access mode (``3u``), TYPE is ``IPv4`` or ``IPv6`` and NODE the protocol, so no netstat or ss row
fits it. NAME is ``local->peer`` with a ``(STATE)`` for TCP; addresses end with ``:port``, IPv6
in brackets (``[2a01::2]:443``), ``*`` for the wildcard, and names without ``-n``/``-P``.

On macOS DEVICE is a kernel address in hex (kept as ``pcb``), which tells a macOS capture; on
Linux it is the socket inode. COMMAND is cut at 9 characters unless ``+c`` was given, and lsof
writes unprintable characters and spaces as ``\\xNN``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netnorm.model.enums import Listeners, Platform
from netnorm.model.vocabulary import BSD_STATES, linux_state
from netnorm.parsers._atoms import BLANKS, GAP, PLUS, STAR, atom, compose
from netnorm.parsers.cache import keep
from netnorm.parsers.dialect import (
    Header,
    Message,
    every_match,
    named,
    no_unix_rows,
    phrases,
    rest,
    single_lines,
)
from netnorm.parsers.endpoints import bracketed_endpoint, make_endpoint
from netnorm.parsers.row import Row, new_row

if TYPE_CHECKING:
    from netnorm.parsers.capture import CaptureState

NAME = "lsof"
TOOL = "lsof"
PLATFORM = Platform.LINUX
PLATFORMS: tuple[Platform, ...] = (Platform.LINUX, Platform.MACOS)
UNIX_SECTION = True
CONTINUATION_FIRST = False
MULTILINE = False
#: A row starts with its command name, which can be anything: every line is worth a try.
ROW_STARTS: tuple[str, ...] = ("",)

#: lsof's default COMMAND width.
COMMAND_WIDTH = 9

COMMAND = atom(rf"(?P<command>[^\s]{PLUS})", "COMMAND")
#: With threads listed (``-K``), a TID and the thread's command follow the PID.
PID = atom(
    rf"(?P<pid>[0-9]{{1,10}}){GAP}(?:(?P<tid>[0-9]{{1,10}}){GAP}(?:(?P<taskcmd>[^\s]{PLUS}){GAP})?)?",
    "PID, TID and TASKCMD",
)
USER = atom(rf"(?P<user>[^\s]{PLUS})", "USER")
#: The descriptor and its access mode; lsof prints ``*`` and the last three digits of a
#: descriptor past 9999.
FD = atom(r"(?P<fd>\*?[0-9]{1,10})(?P<access>[rwu-]?)[A-Za-z ]?", "FD")
TYPE = atom(r"(?P<type>IPv4|IPv6)", "TYPE")
DEVICE = atom(r"(?P<device>0x[0-9a-f]{1,16}|[0-9]{1,20})", "DEVICE")
SIZE_OFF = atom(r"(?:0t[0-9]{1,20}|0x[0-9a-f]{1,16}|[0-9]{1,20})", "SIZE/OFF")
NODE = atom(r"(?P<node>TCP|UDP|UDPLITE|SCTP|ICMP|ICMPV6)", "NODE")
NAME_FIELD = atom(
    rf"(?P<name>[^\s]{PLUS})(?:[ \t]\((?P<state>[A-Z][A-Z0-9_]{STAR})\))?[ \t]{STAR}",
    "NAME",
)

#: One socket row, matched as a single token.
ROW = compose(
    "lsof row",
    "^",
    COMMAND,
    BLANKS,
    PID,
    USER,
    BLANKS,
    FD,
    BLANKS,
    TYPE,
    BLANKS,
    DEVICE,
    BLANKS,
    SIZE_OFF,
    BLANKS,
    NODE,
    BLANKS,
    NAME_FIELD,
    "$",
)

_PROTOCOLS = {
    "TCP": "tcp",
    "UDP": "udp",
    "UDPLITE": "udplite",
    "SCTP": "sctp",
    "ICMP": "icmp",
    "ICMPV6": "icmp",
}


@dataclass
class Columns:
    """What the rows showed: host names (no ``-n``), service names (no ``-P``)."""

    hosts: bool = False
    services: bool = False


def columns(header: str | None) -> Columns:
    """A fresh record of what the rows show (the header's titles are always the same)."""
    return Columns()


_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})")


def unescape(text: str) -> str:
    """lsof's ``\\xNN`` escapes (a space is ``\\x20``) as the characters they stand for."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "\\x" in text else text


_STATES: dict[str, str | None] = {}


def _state(word: str) -> str | None:
    found = _STATES.get(word, "")
    if found == "":
        state = BSD_STATES.get(word) or linux_state(word)
        found = state.value if state is not None else None
        keep(_STATES, word, found, len(word), size=4096)
    return found


#: Endpoints by text, shared between records, so read-only.
_ENDPOINTS: dict[str, dict[str, Any]] = {}


def _endpoint(text: str) -> dict[str, Any]:
    found = _ENDPOINTS.get(text)
    if found is None:
        found = bracketed_endpoint(text)
        keep(_ENDPOINTS, text, found, len(text))
    return found


_NO_PEER = make_endpoint("", "", False)


def record(m: re.Match[str], lineno: int, cols: Columns) -> tuple[Row, str | None]:
    """The record of a ``ROW`` match."""
    g = m.group
    row = new_row()
    node = g("node")
    row["protocol"] = _PROTOCOLS.get(node, "raw")
    row["family"] = "ipv4" if g("type") == "IPv4" else "ipv6"
    local, arrow, remote = g("name").partition("->")
    row["local"] = _endpoint(local)
    row["remote"] = _endpoint(remote) if arrow else _NO_PEER
    state = g("state")
    if state is not None:
        row["state"] = _state(state)
        row["state_raw"] = state
    raw_command = g("command")
    process = unescape(raw_command).rstrip() or raw_command  # `Slack\x20`: cut after a space
    pid = int(g("pid"))
    row["pid"], row["process"] = pid, process
    row["process_truncated"] = len(raw_command) == COMMAND_WIDTH
    row["user"] = g("user")
    device = g("device")
    if device.startswith("0x"):
        row["pcb"] = device
    else:
        row["inode"] = int(device)
    fd = g("fd")
    row["owners"] = [
        {
            "pid": pid,
            "process": process,
            "fd": None if fd[0] == "*" else int(fd),
            "access": g("access") or None,
        }
    ]
    row["line"] = lineno
    return row, None


accepts = every_match

continuation = single_lines


def count(cap: CaptureState, rows: list[Row]) -> None:
    """Count records into the capture's counters (see ``command``); a hex DEVICE says macOS."""
    cols: Columns = cap.columns[NAME]
    listening = 0
    for row in rows:
        if row["state"] == "LISTEN" or (row["protocol"] != "tcp" and row["remote"]["port"] is None):
            listening += 1
        for side in ("local", "remote"):
            ep = row[side]
            cols.hosts = cols.hosts or ep["host"] is not None
            cols.services = cols.services or ep["service"] is not None
    if cap.platform is Platform.LINUX and not cap.platform_forced and rows[0]["pcb"] is not None:
        cap.platform = Platform.MACOS
    cap.names_seen = cols.hosts or cols.services
    cap.tally(rows, listening)


def command(cap: CaptureState) -> tuple[str, dict[str, Any]]:
    """The ``lsof`` command line the capture shows, and the options behind it."""
    cols: Columns = cap.columns[NAME]
    flags = ""
    if cap.rows and not cols.hosts:
        flags += "n"
    if cap.rows and not cols.services:
        flags += "P"
    text = "lsof -" + flags + " " if flags else "lsof "
    protocols = sorted(cap.protocols)
    only_listeners = cap.rows > 0 and cap.other_rows == 0
    if protocols == ["tcp"]:
        text += "-iTCP -sTCP:LISTEN" if only_listeners else "-iTCP"
    elif protocols == ["udp"]:
        text += "-iUDP"
    else:
        text += "-i"
    listeners = cap.listeners
    if listeners is None and cap.rows:
        listeners = Listeners.ONLY if only_listeners else Listeners.ALL
    shown = {"listeners": listeners, "pid": True, "program": True, "extended": True}
    return text, shown


unix_record = no_unix_rows

# -- structure ------------------------------------------------------------------------------

#: ``COMMAND PID [TID TASKCMD] USER FD TYPE DEVICE SIZE/OFF NODE NAME``.
HEADER = named(
    phrases(("COMMAND",), "lsof first title", "lsof header")
    + rest(
        r"[ \t]+PID(?:[ \t]+TID(?:[ \t]+TASKCMD)?)?[ \t]+USER[ \t]+FD[ \t]+TYPE[ \t]+DEVICE"
        r"[ \t]+SIZE/OFF[ \t]+NODE[ \t]+NAME[ \t]*$",
        "lsof column titles",
    ),
    "lsof column header",
    lambda: Header(True, NAME, PLATFORM),
)
#: lsof's own warnings on stderr, captured with ``2>&1``.
WARNING = named(
    phrases(("lsof: ",), "lsof warning words", "lsof messages") + rest(r".*$", "rest of line"),
    "lsof warning",
    lambda: Message(PLATFORM, "lsof-warning", "lsof warned"),
)
STRUCTURE = (HEADER | WARNING).set_name("lsof structure")
