"""The public schema: pydantic v2 models whose JSON field names are a contract.

Scripts and SIEM pipelines read these names, so fields may be added but never renamed.
``docs/schema.md`` and ``netnorm schema`` are generated from these models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from netnorm.model.enums import (
    DiagnosticSeverity,
    Direction,
    Family,
    Listeners,
    Platform,
    Protocol,
    Reach,
    Scope,
    Severity,
    TcpState,
    Tool,
)

_CONFIG = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Endpoint(BaseModel):
    """One end of a connection, as netstat showed it and as netnorm understood it."""

    model_config = _CONFIG

    address: str | None = Field(
        None,
        description="Canonical IP address: IPv6 compressed and lower case, without brackets or "
        "zone. Null when the capture shows a name or `*`.",
    )
    port: int | None = Field(
        None,
        description="Port number (0 is a value), resolved from `service` when netstat printed a "
        "name. Null for `*` or an unknown service name. For raw sockets, the IP protocol number.",
    )
    host: str | None = Field(None, description="The host name as shown, when it is not numeric.")
    service: str | None = Field(
        None, description="The service name as shown, when the port is not numeric."
    )
    zone: str | None = Field(None, description="The IPv6 zone id, without `%`.")
    truncated: bool = Field(
        False,
        description="True when Linux net-tools may have cut this field: it is exactly 23 "
        "characters long and the capture was not made with `-W`.",
    )
    scope: Scope | None = Field(
        None,
        description="Address class from netnorm's IANA table (loopback, private, global …). "
        "Set by `netnorm analyze`; null in `netnorm parse` output.",
    )
    printed: str | None = Field(
        None,
        description="The address as printed when it is neither an address nor a name: an "
        "address the tool cut (`2a00:1450:4001:82b:`), with `truncated` true.",
    )


class Timer(BaseModel):
    """The Linux `-o` timer column: the time to the next timer event, not the connection's age."""

    model_config = _CONFIG

    kind: str = Field(
        description="The timer keyword in English: off, on, keepalive, timewait, probe or unkn-N."
    )
    kind_raw: str = Field(description="The keyword exactly as printed (it is translated).")
    seconds: float = Field(description="Seconds until the timer fires.")
    retransmits: int = Field(description="Retransmissions (second number).")
    probes: int | None = Field(
        description="Keepalive probes sent (third number); null where the tool does not show "
        "them (`ss`)."
    )


class Owner(BaseModel):
    """One process that holds the socket, with the file descriptor it holds it by."""

    model_config = _CONFIG

    pid: int | None = Field(None, description="Process id (0 is a value).")
    process: str | None = Field(None, description="Process name as shown.")
    fd: int | None = Field(None, description="File descriptor number.")
    access: str | None = Field(
        None, description="lsof's access mode after the descriptor: r, w or u (read and write)."
    )


class Connection(BaseModel):
    """One Internet socket row of a netstat capture."""

    model_config = _CONFIG

    protocol: Protocol = Field(description="tcp, udp, raw, udplite, sctp or icmp.")
    family: Family | None = Field(
        None,
        description="ipv4 or ipv6: from the protocol token on Linux (`tcp6`), from the address "
        "on Windows. Null when only names are shown.",
    )
    local: Endpoint = Field(description="The local end.")
    remote: Endpoint = Field(description="The remote end (the peer).")
    reach: Reach | None = Field(
        None,
        description="self, internal, external, none (no peer) or unknown (a name or a cut "
        "address). Set by `netnorm analyze`; null in `netnorm parse` output.",
    )
    direction: Direction | None = Field(
        None,
        description="inbound, outbound, local (both ends on this host) or unknown; null for "
        "listeners and unconnected sockets. Set by `netnorm analyze` from the capture's "
        "listeners, then the ports (see docs/analysis.md); null in `netnorm parse` output.",
    )
    state: TcpState | None = Field(
        None,
        description="Canonical state. Null for stateless UDP and raw sockets; UNKNOWN for a word "
        "no table knows.",
    )
    state_raw: str | None = Field(None, description="The state exactly as printed.")
    pid: int | None = Field(None, description="Owning process id (0 is a value).")
    process: str | None = Field(
        None,
        description="The Linux program name, or the Windows `-b` image without brackets.",
    )
    process_truncated: bool = Field(
        False,
        description="True when the name may have been cut: the Linux PID/Program value is 19 "
        "characters long (the most net-tools prints), lsof's COMMAND is 9, macOS `-v`'s process "
        "name is 16.",
    )
    components: list[str] = Field(
        default_factory=list,
        description="The Windows `-b` service or component lines above the image, in order.",
    )
    owner_note: str | None = Field(
        None,
        description="A message netstat printed instead of an owner, e.g. "
        '"Can not obtain ownership information".',
    )
    recv_q: int | None = Field(None, description="Linux receive queue bytes.")
    send_q: int | None = Field(None, description="Linux send queue bytes.")
    user: str | None = Field(None, description="Linux `-e` user name or uid, as shown.")
    inode: int | None = Field(None, description="Linux `-e` socket inode.")
    security_context: str | None = Field(None, description="Linux `-Z` SELinux context.")
    timer: Timer | None = Field(None, description="Linux `-o` or `ss -o` timer.")
    owners: list[Owner] = Field(
        default_factory=list,
        description="Every owner the tool printed, in order, where it can print several or "
        "shows their file descriptors (`ss -p`, `lsof`); `pid` and `process` are the first. "
        "Empty for netstat, whose one owner is `pid` and `process`.",
    )
    created_at: datetime | None = Field(
        None,
        description="When the socket was created (PowerShell `CreationTime`): the real age of "
        "a connection, in the capture's local time when no offset is shown.",
    )
    pcb: str | None = Field(
        None,
        description="Kernel address of the socket or its control block, as printed (BSD "
        "`netstat -A`, lsof's DEVICE on macOS).",
    )
    counters: dict[str, int | float | str] = Field(
        default_factory=dict,
        description="Per-socket values some tools add, by the tool's column title in lower "
        "case: BSD `-b` rxbytes/txbytes, `-T` rexmit/ooorcv/0-win, FreeBSD `-x` buffers and "
        "timers (seconds), macOS `-A` flowhash and `-v` rhiwat/shiwat/epid, hex words as numbers "
        "(so_state, options, flags …), FreeBSD `-P` log_id (text).",
    )
    line: int = Field(description="1-based line of the row in its source.")


class UnixSocket(BaseModel):
    """One UNIX domain socket: a row of Linux netstat's UNIX section, or an `ss` `u_str`,
    `u_dgr` or `u_seq` row."""

    model_config = _CONFIG

    protocol: Literal["unix"] = Field("unix", description="Always unix.")
    refcnt: int | None = Field(description="Reference count; null from `ss`, which omits it.")
    flags: list[str] = Field(default_factory=list, description="Flags such as ACC, W, N.")
    type: str = Field(description="STREAM, DGRAM, SEQPACKET … as printed (it may be translated).")
    state: str | None = Field(None, description="LISTENING, CONNECTED … as printed, or null.")
    inode: int | None = Field(None, description="Socket inode.")
    pid: int | None = Field(None, description="Owning process id, with `-p`.")
    process: str | None = Field(None, description="Owning program name, with `-p`.")
    path: str | None = Field(None, description="Socket path; abstract names start with `@`.")
    security_context: str | None = Field(None, description="Linux `-Z` SELinux context.")
    line: int = Field(description="1-based line of the row in its source.")


class Diagnostic(BaseModel):
    """Something about the input that a person should know: a notice, warning or error."""

    model_config = _CONFIG

    line: int | None = Field(description="1-based line, or null for the whole input.")
    severity: DiagnosticSeverity = Field(description="error, warning or notice.")
    code: str = Field(description="Stable machine-readable code, e.g. `unrecognised-line`.")
    message: str = Field(description="What it means, in one sentence.")
    text: str | None = Field(None, description="The input line concerned, exactly as read.")


class CaptureOptions(BaseModel):
    """The netstat options the capture was made with, as far as the text shows them."""

    model_config = _CONFIG

    numeric: bool | None = Field(
        None,
        description="`-n`: addresses and ports are numbers. False when any name was shown; "
        "null when there were no rows to tell.",
    )
    listeners: Listeners | None = Field(
        None,
        description="all (Linux `-a`, Windows `-a`), only (Linux `-l`) or none (the default), "
        "from the heading or from the rows.",
    )
    pid: bool = Field(False, description="PIDs shown: Linux `-p`, Windows `-o`.")
    program: bool = Field(False, description="Program names shown: Linux `-p`, Windows `-b`.")
    components: bool = Field(False, description="Windows `-b` component lines seen.")
    extended: bool = Field(False, description="Linux `-e`: User and Inode columns.")
    timers: bool = Field(False, description="Linux `-o`: Timer column.")
    security_context: bool = Field(False, description="Linux `-Z`: Security Context column.")
    wide: bool | None = Field(
        None,
        description="Linux `-W`: True when a field was longer than net-tools' 23 characters; "
        "null when the text cannot tell. Always null on Windows, which never cuts.",
    )
    bound: bool = Field(False, description="Windows `-q`: BOUND sockets listed.")
    protocols: list[Protocol] = Field(
        default_factory=list,
        description="Protocols seen (Linux `-t`/`-u`/`-w`, Windows `-p`).",
    )
    command: str = Field(
        description="The shortest netstat command line that explains the text, e.g. "
        "`netstat -anp` or `netstat -ano`."
    )


class Capture(BaseModel):
    """One netstat snapshot: one block of headings and rows from one source."""

    model_config = _CONFIG

    source: str = Field(description="File path, `<stdin>` or `<text>`.")
    index: int = Field(description="1-based position of this capture within its source.")
    platform: Platform = Field(
        description="linux, windows, macos or freebsd, detected from the rows and sections."
    )
    tool: Tool = Field(
        Tool.NETSTAT,
        description="The program that printed the text: netstat, ss, lsof, "
        "get-nettcpconnection or get-netudpendpoint.",
    )
    host: str | None = Field(None, description="The host the capture came from, when known.")
    captured_at: datetime | None = Field(None, description="When the capture was taken.")
    captured_at_source: Literal["option", "name", "file-mtime"] | None = Field(
        None,
        description="Where `captured_at` came from: --time, the file name, or the file's "
        "modification time (a weaker guess).",
    )
    locale: str | None = Field(
        None, description="Language of the headings and words, e.g. en, de, ja; null if unknown."
    )
    encoding: str | None = Field(None, description="The text encoding the source was read in.")
    encoding_detected: bool | None = Field(
        None, description="True when netnorm detected the encoding, false when it was given."
    )
    first_line: int = Field(description="First line of this capture in its source.")
    last_line: int = Field(description="Last line of this capture in its source.")
    options: CaptureOptions = Field(description="Options inferred from the text.")
    connections: list[Connection] = Field(default_factory=list, description="Internet sockets.")
    unix_sockets: list[UnixSocket] = Field(
        default_factory=list, description="UNIX domain sockets (Linux)."
    )
    diagnostics: list[Diagnostic] = Field(
        default_factory=list, description="Notices, warnings and errors about this capture."
    )


class ParseOutput(BaseModel):
    """The result of `netnorm parse --format json`."""

    model_config = _CONFIG

    captures: list[Capture] = Field(description="Every capture of every input, in order.")


class ConnectionRow(Connection):
    """One line of JSONL output (`parse -f jsonl`, `analyze -f jsonl`): a connection with the
    source, number, platform and host of its capture (the line starts with these four)."""

    source: str = Field(description="The capture's source: a file name or `<stdin>`.")
    capture: int = Field(description="The capture's index within its source, from 1.")
    platform: Platform = Field(description="The capture's platform.")
    host: str | None = Field(None, description="The capture's host, when known.")


class Finding(BaseModel):
    """Something in a capture that an administrator should look at."""

    model_config = _CONFIG

    rule: str = Field(description="Stable rule id, e.g. `syn-flood`; see docs/rules.md.")
    severity: Severity = Field(description="info, low, medium or high.")
    message: str = Field(description="What was seen, why it matters and what to check next.")
    source: str = Field(description="The capture's source.")
    host: str | None = Field(None, description="The capture's host, when known.")
    capture: int = Field(description="The capture's index within its source.")
    lines: list[int] = Field(default_factory=list, description="Lines of the rows involved.")
    evidence: dict[str, Any] = Field(
        default_factory=dict, description="The facts behind the finding, by name."
    )


class Summary(BaseModel):
    """Counts over a whole report."""

    model_config = _CONFIG

    captures: int = Field(description="Captures analysed.")
    hosts: int = Field(0, description="Distinct hosts (a capture without a host counts by file).")
    connections: int = Field(description="Internet sockets in them.")
    reach: dict[str, int] = Field(description="Connections by reach.")
    findings: dict[str, int] = Field(description="Findings by severity.")


class _Stacked(BaseModel):
    model_config = _CONFIG

    hosts: int = Field(description="Distinct hosts that saw it.")
    host_names: list[str] = Field(description="The first of those hosts, by name.")
    processes: list[str] = Field(description="Programs that held the connections.")
    connections: int = Field(description="Connections in all captures.")


class StackedEndpoint(_Stacked):
    """An outside endpoint across the fleet (inbound peers as `IP:*`)."""

    endpoint: str = Field(description="`IP:port`, or `IP:*` for the peers of inbound ones.")


class StackedNetwork(_Stacked):
    """An outside network across the fleet."""

    network: str = Field(description="CIDR: /24 or /48 (narrow), /16 or /32 (wide).")


class StackedListener(BaseModel):
    """A listening port across the fleet."""

    model_config = _CONFIG

    protocol: Protocol = Field(description="The listener's protocol.")
    port: int | None = Field(description="Its port.")
    process: str | None = Field(description="Its program, when shown.")
    hosts: int = Field(description="Distinct hosts with it.")
    host_names: list[str] = Field(description="The first of those hosts, by name.")


class HostLine(BaseModel):
    """One host of the fleet."""

    model_config = _CONFIG

    host: str = Field(description="The host (or `<file>` when a capture has none).")
    captures: int = Field(description="Its captures.")
    connections: int = Field(description="Its connections in all of them.")
    external: int = Field(description="Of those, connections with outside addresses.")
    findings: dict[str, int] = Field(description="Its findings by severity.")


class FleetView(BaseModel):
    """What the fleet saw, stacked over every capture, rarest first."""

    model_config = _CONFIG

    external_endpoints: list[StackedEndpoint] = Field(description="By IP:port.")
    external_networks: list[StackedNetwork] = Field(description="By /24 (IPv4) and /48.")
    external_wide_networks: list[StackedNetwork] = Field(description="By /16 and /32.")
    listeners: list[StackedListener] = Field(description="By protocol, port and program.")
    hosts: list[HostLine] = Field(description="One line per host.")


class Report(BaseModel):
    """The result of `netnorm analyze`."""

    model_config = _CONFIG

    captures: list[Capture] = Field(description="The captures, with scope and reach set.")
    findings: list[Finding] = Field(description="Findings, most severe first.")
    summary: Summary = Field(description="Counts.")
    fleet: FleetView | None = Field(
        None,
        description="Stacks over all captures, rarest first: external_endpoints (by IP:port), "
        "external_networks (/24 and /48), external_wide_networks (/16 and /32), listeners, "
        "and one line per host.",
    )


class Change(BaseModel):
    """A connection both captures hold, with fields that differ."""

    model_config = _CONFIG

    before: Connection = Field(description="As the first capture has it.")
    after: Connection = Field(description="As the second capture has it.")
    fields: list[str] = Field(description="The fields that differ: state, process, pid.")


class Diff(BaseModel):
    """The result of `netnorm diff`."""

    model_config = _CONFIG

    added: list[Connection] = Field(description="Only in the second capture.")
    removed: list[Connection] = Field(description="Only in the first capture.")
    changed: list[Change] = Field(description="In both, with different fields.")
