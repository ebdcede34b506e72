"""PowerShell ``Get-NetTCPConnection`` and ``Get-NetUDPEndpoint``, in the forms admins save.

- **Tables** (the default view, ``Format-Table -AutoSize``, ``Select-Object``): a header of
  property names, a line of dashes, one row per socket. Columns are found by shape: addresses,
  ports, a state name, the applied setting, the owning process, a creation time.
- **Lists** (``Format-List``, ``Format-List *``): one ``Name : value`` line per property, a
  blank line between sockets. The first line of a block starts the record; the others continue
  it (``CONTINUATION_FIRST``: a later ``State :`` line belongs to its block), and the blank
  line ends it.
- **CSV** (``Export-Csv``, with or without the ``#TYPE`` line): the header names the fields.
- **JSON** (``ConvertTo-Json``): each object's first property line starts a record, and its
  other ``"Name": value`` lines fill it (nested objects hold none of the names read). The
  state is a number there.

``CreationTime`` goes to ``created_at``, ``OwningProcess`` to ``pid``.
"""

from __future__ import annotations

import contextlib
import csv
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import orjson

from netnorm.model.enums import Listeners, Platform
from netnorm.model.vocabulary import (
    POWERSHELL_SETTINGS,
    POWERSHELL_STATE_NUMBERS,
    POWERSHELL_STATES,
)
from netnorm.parsers._atoms import GAP, PLUS, STAR, atom, compose
from netnorm.parsers.dialect import Header, Message, named, no_unix_rows, phrases, rest
from netnorm.parsers.endpoints import canonical_address, new_endpoint
from netnorm.parsers.linux_netstat import is_number
from netnorm.parsers.row import Row, new_row

if TYPE_CHECKING:
    from netnorm.parsers.capture import CaptureState

NAME = "powershell"
TOOL = "get-nettcpconnection"
PLATFORM = Platform.WINDOWS
PLATFORMS: tuple[Platform, ...] = (PLATFORM,)
UNIX_SECTION = True
MULTILINE = True
#: A line that continues an open list or JSON block is asked about before the row token.
CONTINUATION_FIRST = True
#: Rows start with an address, a property name, a quote or a brace: every line is tried.
ROW_STARTS: tuple[str, ...] = ("",)

_STATE_NAMES = "|".join(sorted(POWERSHELL_STATES, key=len, reverse=True))
#: An address as PowerShell prints it; a value cut to its column ends with ``…`` (7.x) or
#: ``...`` (5.1).
PS_ADDRESS = r"(?=[0-9a-fA-F:.%]*[.:])[0-9a-fA-F:.%]{1,60}(?:…|\.\.\.)?"
#: An ``AppliedSetting`` value, or one cut to its column (``DatacenterCus…``).
_SETTINGS = "|".join(POWERSHELL_SETTINGS) + r"|[A-Za-z]{1,20}(?:…|\.\.\.)"
PS_TIME = (
    r"[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4}[ \t]+[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
    r"(?:[ \t]?[AP]M)?"
)
TABLE_ROW = atom(
    rf"(?P<t_local>{PS_ADDRESS}){GAP}(?P<t_lport>[0-9]{{1,5}})"
    rf"(?:{GAP}(?P<t_remote>{PS_ADDRESS}){GAP}(?P<t_rport>[0-9]{{1,5}}){GAP}"
    rf"(?P<t_state>{_STATE_NAMES})(?:{GAP}(?P<t_setting>{_SETTINGS}))?)?"
    rf"(?:{GAP}(?P<t_pid>[0-9]{{1,10}}))?(?:{GAP}(?P<t_created>{PS_TIME}))?[ \t]{STAR}",
    "table row",
)
#: The first line of a list block: the label padded to the longest one, then `` : ``.
LIST_START = atom(
    r"(?P<l_key>LocalAddress|State)[ \t]+:(?:[ \t](?P<l_value>.*))?", "first line of a list"
)
CSV_ROW = atom(r'(?P<csv>"(?![A-Za-z]+"(?:,"[A-Za-z]+")*$).*)', "CSV row")
#: The properties an object may start with: the CIM ones first, and those of the class (a
#: ``Select-Object`` picks any of them first); the generic names (``Name``, ``Status``) are
#: left out, so that other JSON is never read.
JSON_FIRST_NAMES = (
    "CimClass",
    "CimInstanceProperties",
    "CimSystemProperties",
    "State",
    "AppliedSetting",
    "OffloadState",
    "InstanceID",
    "CreationTime",
    "LocalAddress",
    "LocalPort",
    "OwningProcess",
    "RemoteAddress",
    "RemotePort",
)
#: The first property line of a ``ConvertTo-Json`` object (its ``{`` line is layout): a
#: property of the CIM class, by its capitalised name.
JSON_FIRST = atom(
    rf'(?P<json>[ \t]{STAR})"(?P<j_key>{"|".join(JSON_FIRST_NAMES)})":'
    rf"[ \t]{STAR}(?P<j_value>.*?),?",
    "first property of a JSON object",
)

#: One row, in any of the four forms, matched as a single token.
ROW = compose(
    "PowerShell row", "^(?:", TABLE_ROW, "|", LIST_START, "|", CSV_ROW, "|", JSON_FIRST, ")$"
)


@dataclass
class Columns:
    """What the header said (the CSV field names), and the form the rows come in."""

    fields: tuple[str, ...] = ()
    form: str | None = None  # table, list, csv or json
    autosize: bool = False
    processes: bool = False  # a ProcessName column (Select-Object) named processes


def columns(header: str | None) -> Columns:
    """What a column header (``None``: none seen) says the rows carry."""
    if header is None:
        return Columns()
    text = header.strip()
    if text.startswith('"'):
        return Columns(fields=tuple(next(csv.reader([text]))), form="csv")
    if text.startswith("LocalAddress"):
        return Columns(fields=tuple(text.split()), form="table")
    return Columns()


def created_at(value: Any) -> str | None:
    """``CreationTime`` as an ISO 8601 text: from ``/Date(ms)/`` (UTC), ISO, or the en-US and
    German forms of a local time (kept without an offset)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.startswith("/Date("):
        digits = text[6:].split(")")[0]
        if is_number(digits.lstrip("-")):
            moment = datetime.fromtimestamp(int(digits) / 1000, tz=timezone.utc)
            return moment.isoformat().replace("+00:00", "Z")
        return None
    for form in ("%m/%d/%Y %I:%M:%S %p", "%d.%m.%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S"):
        try:
            return datetime.strptime(text, form).isoformat()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).isoformat().replace("+00:00", "Z")
    except ValueError:
        return None


def _address(endpoint: dict[str, Any], text: str) -> str | None:
    """Fill an endpoint's address; the family it shows."""
    if text.endswith(("…", "...")):
        endpoint["host"], endpoint["truncated"] = text, True
        return "ipv6" if ":" in text else "ipv4"
    endpoint["address"], endpoint["host"], endpoint["zone"] = canonical_address(text)
    address = endpoint["address"]
    return None if address is None else "ipv6" if ":" in address else "ipv4"


def _state(row: Row, value: Any) -> None:
    name = POWERSHELL_STATE_NUMBERS.get(value) if isinstance(value, int) else value
    if isinstance(name, str) and name:
        found = POWERSHELL_STATES.get(name)
        row["state"] = found.value if found is not None else "UNKNOWN"
        row["state_raw"] = str(value)
        row["protocol"] = "tcp"


def _set(row: Row, key: str, value: Any) -> None:
    """Store one property, given as text (tables, lists, CSV) or as a JSON value."""
    if value is None or value == "":
        return
    if key in ("LocalAddress", "RemoteAddress"):
        side = "local" if key == "LocalAddress" else "remote"
        family = _address(row[side], str(value))
        if side == "remote":
            row["protocol"] = "tcp"
        if family is not None and (row["family"] is None or side == "local"):
            row["family"] = family
    elif key in ("LocalPort", "RemotePort"):
        text = str(value)
        if is_number(text) and int(text) <= 65535:
            row["local" if key == "LocalPort" else "remote"]["port"] = int(text)
    elif key == "State":
        _state(row, int(value) if isinstance(value, str) and is_number(value) else value)
    elif key == "OwningProcess":
        if is_number(str(value)):
            row["pid"] = int(value)
    elif key == "CreationTime":
        row["created_at"] = created_at(value)
    elif key == "ProcessName":
        row["process"] = str(value)


def _new(lineno: int) -> Row:
    row = new_row()
    row["protocol"] = "udp"  # until a state or a remote address says TCP
    row["local"], row["remote"] = new_endpoint(), new_endpoint()
    row["line"] = lineno
    return row


def record(m: re.Match[str], lineno: int, cols: Columns) -> tuple[Row, str | None]:
    """The record of a ``ROW`` match (lists and JSON objects are filled by ``continuation``)."""
    g = m.group
    row = _new(lineno)
    if g("t_local") is not None:
        cols.form = "table"
        _set(row, "LocalAddress", g("t_local"))
        _set(row, "LocalPort", g("t_lport"))
        if g("t_remote") is not None:
            _set(row, "RemoteAddress", g("t_remote"))
            _set(row, "RemotePort", g("t_rport"))
            _set(row, "State", g("t_state"))
        _set(row, "OwningProcess", g("t_pid"))
        _set(row, "CreationTime", g("t_created"))
        return row, None
    if g("l_key") is not None:
        cols.form = "list"
        _set(row, g("l_key"), (g("l_value") or "").strip())
        return row, None
    if g("csv") is not None:
        cols.form = "csv"
        values = next(csv.reader([g("csv")]), [])
        for key, value in zip(cols.fields, values, strict=False):
            _set(row, key, value)
        return row, None
    cols.form = "json"
    with contextlib.suppress(orjson.JSONDecodeError):
        _set(row, g("j_key"), orjson.loads(g("j_value")))
    return row, None


def accepts(match: re.Match[str], columns: Columns) -> bool:
    """A CSV line is a row only under its header, which names its fields."""
    return match.group("csv") is None or bool(columns.fields)


_LIST_LINE = re.compile(r"(?P<key>[A-Za-z][A-Za-z0-9]*)[ \t]+:(?:[ \t](?P<value>.*))?")
_JSON_LINE = re.compile(r'[ \t]*"(?P<key>[A-Za-z][A-Za-z0-9]*)":[ \t]*(?P<value>.*?),?')


def continuation(row: Row, line: str) -> str | None:
    """A line of the list block or JSON object the record came from, or ``None``.

    A list block is its ``Name : value`` lines and the values wrapped onto indented lines;
    the blank line after it ends the record. A JSON object is every line up to the bare
    ``{`` of the next object or the ``]`` of the array; only its own properties are read
    (the nested objects hold none of the names that are).
    """
    text = line.strip()
    if not text:
        return None
    if text in ("{", "[", "]") and len(line) - len(line.lstrip()) <= 4:
        return None  # the next object of an array (or the array's end), not a nested one
    if line[0] in " \t":
        m = _JSON_LINE.fullmatch(line.rstrip())
        if m is not None:
            with contextlib.suppress(orjson.JSONDecodeError):
                _set(row, m.group("key"), orjson.loads(m.group("value")))
        return "property"
    m = _LIST_LINE.fullmatch(line.rstrip())
    if m is not None:
        _set(row, m.group("key"), (m.group("value") or "").strip())
        return "property"
    return "property" if text in ("}", "},") else None


def count(cap: CaptureState, rows: list[Row]) -> None:
    """Count records into the capture's counters (see ``command``)."""
    listening = 0
    for row in rows:
        if row["state"] == "LISTEN" or row["protocol"] == "udp":
            listening += 1
    cap.tally(rows, listening)
    cap.tool = "get-netudpendpoint" if cap.protocols == {"udp"} else None
    cols: Columns = cap.columns[NAME]
    cols.processes = cols.processes or any(row["process"] is not None for row in rows)


_FORMS = {
    "list": " | Format-List",
    "csv": " | Export-Csv",
    "json": " | ConvertTo-Json",
}


def command(cap: CaptureState) -> tuple[str, dict[str, Any]]:
    """The cmdlet and the formatting the capture shows."""
    cols: Columns = cap.columns[NAME]
    cmdlet = "Get-NetUDPEndpoint" if cap.protocols == {"udp"} else "Get-NetTCPConnection"
    text = cmdlet + _FORMS.get(cols.form or "", "")
    listeners = cap.listeners
    if listeners is None and cap.rows:
        listeners = Listeners.ALL if cap.listen_rows and cap.other_rows else Listeners.ONLY
        if not cap.listen_rows:
            listeners = Listeners.NONE
    shown = {"listeners": listeners, "pid": cap.owners_seen, "program": cols.processes}
    return text, shown


unix_record = no_unix_rows

# -- structure ------------------------------------------------------------------------------

#: ``LocalAddress LocalPort RemoteAddress …`` (tables) or ``"State","AppliedSetting",…`` (CSV).
HEADER = named(
    phrases(("LocalAddress", '"LocalAddress"', '"State"'), "PowerShell first title", "headers")
    + rest(rf'(?:(?:[ \t]+[A-Za-z]{PLUS})*[ \t]*|(?:,"[A-Za-z]{PLUS}")+)$', "other titles"),
    "PowerShell header",
    lambda: Header(True, NAME, PLATFORM),
)


def _quiet() -> Message:
    return Message(PLATFORM, "powershell-layout", "PowerShell layout line", silent=True)


#: The dashes under a table header, Export-Csv's ``#TYPE`` line, a JSON array's brackets and
#: an object's opening brace.
LAYOUT = named(
    phrases(("--", "#TYPE ", "[", "]", "{"), "PowerShell layout", "layout lines")
    + rest(
        r"(?:(?<=-)-*(?:[ \t]+-+)*|(?<=#TYPE ).*|(?<=[\[\]{]))[ \t]*$",
        "rest",
    ),
    "PowerShell layout line",
    _quiet,
)
#: Titles a table shows; 5.1 wraps the last one onto a second header line when it does not fit.
TITLES = (
    "LocalAddress",
    "LocalPort",
    "RemoteAddress",
    "RemotePort",
    "State",
    "AppliedSetting",
    "OwningProcess",
    "CreationTime",
)
WRAPPED_TITLE = named(
    phrases(
        {t[i:] for t in TITLES for i in range(1, len(t) - 1)},
        "end of a wrapped title",
        "PowerShell TITLES",
        whole=True,
    ),
    "wrapped title",
    _quiet,
)
STRUCTURE = (HEADER | LAYOUT | WRAPPED_TITLE).set_name("PowerShell structure")
