"""The rules: one small class each, with a stable id. ``docs/rules.md`` explains each one.

A rule sees the connections of one capture one at a time, already carrying ``scope``, ``reach``
and ``direction`` (``add``), and then gives its finding dicts (the fields of
``netnorm.model.schema.Finding``). Thresholds come from the config.

What a rule keeps is bounded by what it reports, never by the rows: a finding about one
connection is made when the connection is seen; a rule about groups (per process, per local
endpoint, per port) keeps, per group, its count, its lines and the distinct values its evidence
lists (the peers), and nothing of connections that match no group. See docs/analysis.md,
"Memory".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from netnorm.parsers.endpoints import format_endpoint

if TYPE_CHECKING:
    from netnorm.analysis.config import Settings

Conn = dict[str, Any]
Finding = dict[str, Any]

#: TCP states in which a socket is held by a process (not by the kernel alone), so netstat
#: should name its owner. TIME_WAIT, SYN_RECEIVED and orphaned FIN_WAIT_2 sockets never have one.
OWNED_STATES = frozenset({"ESTABLISHED", "SYN_SENT", "CLOSE_WAIT"})

#: UDP ports from here up are ephemeral on Linux and Windows; wildcard-bound UDP sockets there
#: are clients, not services, and are left out of the listener inventory.
EPHEMERAL_UDP = 32768

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
DIRECTIONS = ("outbound", "inbound", "local", "unknown")


def endpoint_text(ep: dict[str, Any]) -> str:
    """``10.0.0.1:22``, ``[2001:db8::1]:443``, ``web01:ssh``: how findings name endpoints."""
    return format_endpoint(ep)


def owner_text(conn: Conn) -> str:
    """``sshd (PID 600)``, ``PID 4``, ``an unknown process``."""
    if conn["process"] and conn["pid"] is not None:
        return f"{conn['process']} (PID {conn['pid']})"
    if conn["process"]:
        return str(conn["process"])
    if conn["pid"] is not None:
        return f"PID {conn['pid']}"
    return "an unknown process"


def _listing(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


@dataclass
class Context:
    """One capture under analysis: its fields but for the connections (``options``,
    ``diagnostics``, ``platform``...), the settings, and what the first pass over its rows
    found (see ``netnorm.analysis.engine``)."""

    capture: dict[str, Any]
    config: Settings
    #: The newest ``created_at`` of the capture's sockets with an offset and without one.
    newest_aware: datetime | None = None
    newest_naive: datetime | None = None

    def __post_init__(self) -> None:
        self.linux = bool(self.capture["platform"] == "linux")
        self.owners_shown = self._owners_shown()
        self.non_root = any(d["code"] == "netstat-warning" for d in self.capture["diagnostics"])
        self._allow = tuple(self.config.allow)

    def _owners_shown(self) -> bool:
        """True when the capture has an owner column that names the process of every socket a
        process holds (Linux netstat -p and ss -p as root, Windows netstat -b). BSD netstat
        shows PIDs at most, lsof lists only sockets with an owner, PowerShell only PIDs: for
        them a missing owner says nothing."""
        options = self.capture["options"]
        tool = self.capture.get("tool", "netstat")
        if tool == "ss" or (tool == "netstat" and self.linux):
            return bool(options["pid"] or options["program"])
        if tool == "netstat" and self.capture["platform"] == "windows":
            return "b" in options["command"].split("-", 1)[-1]
        return False

    def allowed(self, rule: str, conn: Conn) -> bool:
        """True when an ``[[allow]]`` entry covers this connection for this rule."""
        if not self._allow:
            return False
        process, address = conn["process"], conn["remote"]["address"]
        return any(entry.covers(rule, process, address) for entry in self._allow)

    def finding(
        self,
        rule: str,
        severity: str,
        message: str,
        lines: Iterable[int],
        evidence: dict[str, Any],
    ) -> Finding:
        return {
            "rule": rule,
            "severity": severity,
            "message": message,
            "source": self.capture["source"],
            "host": self.capture["host"],
            "capture": self.capture["index"],
            "lines": sorted(set(lines)),
            "evidence": evidence,
        }


class Rule:
    """A rule over one capture: ``add`` is given each connection in order, ``findings`` then
    gives what it found."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.found: list[Finding] = []  # findings about single connections, as they are seen

    @property
    def looks_at_rows(self) -> bool:
        """Whether ``add`` can find anything in this capture: rules that cannot (no IOC list,
        no owner column) are not given its rows."""
        return type(self).add is not Rule.add

    def add(self, conn: Conn) -> None:
        """Look at one connection."""

    def findings(self) -> Iterator[Finding]:
        """The findings, once every connection was added."""
        yield from self.found


class _Group:
    """A group of connections as a rule keeps it: how many, their lines, the distinct peers,
    who opened them, and the first one's owner. Most groups have one peer, which is kept as a
    string until a second one comes."""

    __slots__ = ("count", "directions", "lines", "peers", "pid", "process")

    def __init__(self) -> None:
        self.pid: Any = None
        self.process: Any = None
        self.count = 0
        self.lines: list[int] = []
        self.peers: str | set[str] | None = None
        self.directions: dict[str, int] | None = None

    def add(self, conn: Conn, peer: str) -> None:
        if not self.count:
            self.pid, self.process = conn["pid"], conn["process"]
        self.count += 1
        self.lines.append(conn["line"])
        peers = self.peers
        if peers is None:
            self.peers = peer
        elif isinstance(peers, str):
            if peer != peers:
                self.peers = {peers, peer}
        else:
            peers.add(peer)

    def sorted_peers(self) -> list[str]:
        peers = self.peers
        if peers is None:
            return []
        return [peers] if isinstance(peers, str) else sorted(peers)

    def add_direction(self, conn: Conn) -> None:
        direction = conn["direction"]
        if direction in _DIRECTION_SET:
            if self.directions is None:
                self.directions = {}
            self.directions[direction] = self.directions.get(direction, 0) + 1

    def owner(self) -> str:
        return owner_text({"pid": self.pid, "process": self.process})

    def peers_and_directions(self) -> tuple[list[str], dict[str, int], str]:
        """The peers, sorted; the directions counted; and those counts as words."""
        directions = self.counted_directions()
        how = ", ".join(f"{n} {d}" for d, n in directions.items())
        return self.sorted_peers(), directions, how

    def counted_directions(self) -> dict[str, int]:
        """How many connections went each way, in ``DIRECTIONS`` order, zeros left out."""
        counts = self.directions or {}
        return {d: counts[d] for d in DIRECTIONS if counts.get(d)}


_DIRECTION_SET = frozenset(DIRECTIONS)


class SynReceived(Rule):
    """``syn-flood`` (high) and ``syn-received`` (low): half-open connections per local
    endpoint. Keeps, per local endpoint with such rows, their lines and distinct sources."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.groups: dict[str, _Group] = {}

    def add(self, conn: Conn) -> None:
        if conn["state"] != "SYN_RECEIVED" or conn["protocol"] != "tcp":
            return
        local = endpoint_text(conn["local"])
        group = self.groups.get(local)
        if group is None:
            group = self.groups[local] = _Group()
        group.add(conn, endpoint_text(conn["remote"]).rsplit(":", 1)[0])

    def findings(self) -> Iterator[Finding]:
        ctx = self.ctx
        limits = ctx.config.thresholds
        for local, group in self.groups.items():
            count = group.count
            sources = group.sorted_peers()
            evidence = {
                "local": local,
                "count": count,
                "sources": len(sources),
                "top_sources": sources[:10],
            }
            if count >= limits.syn_flood and len(sources) >= limits.syn_flood_sources:
                linux_note = (
                    " Linux shows these rows without a PID (a half-open socket belongs to no "
                    "process yet), so look at the listener on the same port for the service "
                    "under attack. With SYN cookies on (net.ipv4.tcp_syncookies=1) the kernel "
                    "stops queueing under pressure, so the real flood can be larger than this "
                    "snapshot shows."
                    if ctx.linux
                    else ""
                )
                yield ctx.finding(
                    "syn-flood",
                    "high",
                    f"{count} half-open connections (SYN_RECEIVED) wait on {local} from "
                    f"{len(sources)} remote addresses. That is the shape of a SYN flood: the "
                    "server answers every SYN and holds a slot until the handshake times out, "
                    f"until no slots are left for real clients.{linux_note} Next: check the "
                    "listen-queue overflow counters (netstat -s), look at the sources below, and "
                    "rate-limit or block them at the edge.",
                    group.lines,
                    evidence,
                )
            else:
                yield ctx.finding(
                    "syn-received",
                    "low",
                    f"{count} half-open connection(s) (SYN_RECEIVED) on {local} from "
                    f"{_listing(sources)}. A few are normal on a busy server (handshakes in "
                    "flight); if they persist or grow, suspect a slow SYN flood or a peer that "
                    f"never completes the handshake. syn-flood fires at {limits.syn_flood}.",
                    group.lines,
                    evidence,
                )


class _PerProcess(Rule):
    """Groups by (PID, process) of connections that ``wanted`` says belong, with their
    distinct remote endpoints and directions."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.groups: dict[tuple[Any, Any], _Group] = {}

    def wanted(self, conn: Conn) -> bool:
        raise NotImplementedError

    def add(self, conn: Conn) -> None:
        if not self.wanted(conn):
            return
        key = (conn["pid"], conn["process"])
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group()
        group.add(conn, endpoint_text(conn["remote"]))
        group.add_direction(conn)


class ExternalEstablished(_PerProcess):
    """``external-established`` (info): established TCP to outside addresses, per process."""

    def wanted(self, conn: Conn) -> bool:
        return (
            conn["reach"] == "external"
            and conn["state"] == "ESTABLISHED"
            and conn["protocol"] == "tcp"
            and not self.ctx.allowed("external-established", conn)
        )

    def findings(self) -> Iterator[Finding]:
        for (pid, process), group in self.groups.items():
            remotes, directions, how = group.peers_and_directions()
            yield self.ctx.finding(
                "external-established",
                "info",
                f"{group.owner()} has {group.count} established connection(s) with outside "
                f"addresses ({how}): {_listing(remotes)}. Normal for browsers, updaters and "
                "agents (outbound) and public services (inbound); make sure each is one you "
                "expect.",
                group.lines,
                {
                    "pid": pid,
                    "process": process,
                    "count": group.count,
                    "remotes": remotes,
                    "directions": directions,
                },
            )


class UnownedExternal(Rule):
    """``unowned-external`` (medium): an outside connection whose owner the capture hides."""

    @property
    def looks_at_rows(self) -> bool:
        return self.ctx.owners_shown

    def add(self, conn: Conn) -> None:
        ctx = self.ctx
        if conn["reach"] != "external":
            return
        held = conn["state"] in OWNED_STATES or (
            conn["protocol"] == "udp" and conn["state"] in (None, "ESTABLISHED")
        )
        if not held or ctx.allowed("unowned-external", conn):
            return
        if ctx.linux:
            if conn["pid"] is not None:
                return
            why = (
                "netstat also warned that it was not run as root, so the socket may simply "
                "belong to another user: run it again as root before drawing conclusions."
                if ctx.non_root
                else "As root, netstat -p names the owner of every socket a process holds. A "
                "missing owner on a live outside connection can mean a process hidden from /proc "
                "(a rootkit) or a socket held by the kernel itself (NFS, WireGuard). Check with "
                f"ss -tnpe and lsof -i @{conn['remote']['address'] or conn['remote']['host']}."
            )
        else:
            if conn["process"] is not None and conn["owner_note"] is None:
                return
            note = conn["owner_note"] or "no image line"
            why = (
                f'Windows could not name the owner ("{note}"). '
                + (
                    "PID 4 is the System process: kernel drivers such as SMB and HTTP.sys. "
                    if conn["pid"] == 4
                    else ""
                )
                + (
                    f'Check the PID with tasklist /svc /fi "PID eq {conn["pid"]}".'
                    if conn["pid"] is not None
                    else "Re-run netstat -anob from an elevated prompt."
                )
            )
        self.found.append(
            ctx.finding(
                "unowned-external",
                "medium",
                f"{conn['protocol']} {endpoint_text(conn['local'])} -> "
                f"{endpoint_text(conn['remote'])} ({conn['state'] or 'no state'}) goes outside "
                f"and has no owner, although this capture shows owners. {why}",
                [conn["line"]],
                {
                    "local": endpoint_text(conn["local"]),
                    "remote": endpoint_text(conn["remote"]),
                    "state": conn["state"],
                    "pid": conn["pid"],
                    "owner_note": conn["owner_note"],
                },
            )
        )


class CloseWaitBuildup(Rule):
    """``close-wait-buildup`` (low): many CLOSE_WAIT sockets for one process or local port.
    Keeps, per owner (or local port) with such sockets, their lines and distinct peers."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.groups: dict[str, _Group] = {}

    def add(self, conn: Conn) -> None:
        if conn["state"] != "CLOSE_WAIT":
            return
        key = (
            owner_text(conn)
            if conn["pid"] is not None or conn["process"]
            else f"local port {conn['local']['port']}"
        )
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group()
        group.add(conn, endpoint_text(conn["remote"]))

    def findings(self) -> Iterator[Finding]:
        for who, group in self.groups.items():
            if group.count < self.ctx.config.thresholds.close_wait:
                continue
            remotes = group.sorted_peers()
            yield self.ctx.finding(
                "close-wait-buildup",
                "low",
                f"{group.count} sockets in CLOSE_WAIT for {who}. The remote side closed these "
                "connections but the local application never closed its end: a leak in the "
                "application rather than an attack. Left alone it runs out of file descriptors. "
                f"Fix or restart the application; the peers are {_listing(remotes)}.",
                group.lines,
                {"owner": who, "count": group.count, "remotes": remotes},
            )


class UnownedListener(Rule):
    """``unowned-listener`` (medium): in a capture whose owner column names every process
    (root ``-p``, elevated ``-b``), a TCP listener has no owner."""

    @property
    def looks_at_rows(self) -> bool:
        return self.ctx.owners_shown and not self.ctx.non_root

    def add(self, conn: Conn) -> None:
        if conn["state"] != "LISTEN" or conn["protocol"] != "tcp":
            return
        ctx = self.ctx
        if conn["pid"] is not None or conn["process"] or ctx.allowed("unowned-listener", conn):
            return
        self.found.append(
            ctx.finding(
                "unowned-listener",
                "medium",
                f"TCP {endpoint_text(conn['local'])} listens and has no owner, although this "
                "capture names the owners of sockets. A listener no process holds is either the "
                "kernel's (NFS, RPC, an in-kernel VPN) or one hidden from the tools (a rootkit's "
                "backdoor). Check the port with ss -ltnpe and lsof -i, and the loaded modules.",
                [conn["line"]],
                {"local": endpoint_text(conn["local"]), "port": conn["local"]["port"]},
            )
        )


class ExposedListener(Rule):
    """``exposed-listener`` (info): sockets listening on all interfaces, as an inventory. Keeps,
    per (protocol, port, owner), the lines and the distinct local endpoints."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.groups: dict[tuple[str, Any, Any], _Group] = {}

    def add(self, conn: Conn) -> None:
        local = conn["local"]
        if local["scope"] != "unspecified":
            return
        port = local["port"]
        protocol = conn["protocol"]
        listening = protocol == "tcp" and conn["state"] == "LISTEN"
        udp_service = (
            protocol == "udp"
            and conn["reach"] == "none"
            and port is not None
            and port < EPHEMERAL_UDP
        )
        if not (listening or udp_service):
            return
        key = (protocol, port, conn["process"] or conn["pid"])
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group()
        group.add(conn, endpoint_text(local))

    def findings(self) -> Iterator[Finding]:
        for (protocol, port, _owner), group in sorted(
            self.groups.items(), key=lambda item: (item[0][0], item[0][1] or 0)
        ):
            addresses = group.sorted_peers()
            who = f", owned by {group.owner()}" if group.pid is not None or group.process else ""
            yield self.ctx.finding(
                "exposed-listener",
                "info",
                f"{protocol.upper()} port {port} listens on all interfaces "
                f"({', '.join(addresses)}){who}: reachable from every network that routes to "
                "this host, unless a firewall says otherwise.",
                group.lines,
                {
                    "protocol": protocol,
                    "port": port,
                    "process": group.process,
                    "pid": group.pid,
                },
            )


class SuspiciousPort(Rule):
    """``suspicious-port`` (medium): a port from the configured list that a local listener
    holds, or the remote port of a connection this host opened (or may have opened). Never the
    source port of an inbound client: that port is the client's kernel's choice."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.ports = frozenset(ctx.config.suspicious_ports)

    def add(self, conn: Conn) -> None:
        listener = conn["reach"] == "none"
        if not listener and conn.get("direction") in ("inbound", "local"):
            return
        port = conn["local"]["port"] if listener else conn["remote"]["port"]
        if port not in self.ports or self.ctx.allowed("suspicious-port", conn):
            return
        where = (
            f"listens on {conn['protocol']} {endpoint_text(conn['local'])}"
            if listener
            else f"connects {endpoint_text(conn['local'])} -> {endpoint_text(conn['remote'])}"
        )
        self.found.append(
            self.ctx.finding(
                "suspicious-port",
                "medium",
                f"{owner_text(conn)} {where}: port {port} is long associated with backdoors and "
                "exploit handlers (4444 is Metasploit's default, 31337 Back Orifice's). "
                "Legitimate software uses such ports too, so check which program owns the "
                "socket and whether it should.",
                [conn["line"]],
                {
                    "port": port,
                    "direction": "listening" if listener else "remote",
                    "connection": conn.get("direction"),
                    "local": endpoint_text(conn["local"]),
                    "remote": endpoint_text(conn["remote"]),
                    "pid": conn["pid"],
                    "process": conn["process"],
                },
            )
        )


class IocMatch(Rule):
    """``ioc-match`` (high): the remote address is in one of the user's IOC lists."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        files = tuple(ctx.config.ioc.files)
        self.known = None
        if files:
            from netnorm.analysis.netset import ioc_set

            self.known = ioc_set(files)

    @property
    def looks_at_rows(self) -> bool:
        return self.known is not None

    def add(self, conn: Conn) -> None:
        known = self.known
        if known is None:
            return
        address = conn["remote"]["address"]
        if address is None or not known.contains(address) or self.ctx.allowed("ioc-match", conn):
            return
        self.found.append(
            self.ctx.finding(
                "ioc-match",
                "high",
                f"{owner_text(conn)} {_way(conn)} {endpoint_text(conn['remote'])} "
                f"({conn['protocol']} {conn['state'] or 'no state'}), an address in your IOC "
                "lists. Treat the host as compromised until shown otherwise: find the process, "
                "its parent and how it started, and block the address at the edge.",
                [conn["line"]],
                {
                    "remote": endpoint_text(conn["remote"]),
                    "local": endpoint_text(conn["local"]),
                    "pid": conn["pid"],
                    "process": conn["process"],
                    "direction": conn.get("direction"),
                },
            )
        )


def _way(conn: Conn) -> str:
    return {"inbound": "accepted a connection from", "outbound": "connects to"}.get(
        conn.get("direction") or "", "has a socket with"
    )


class IncompleteCapture(Rule):
    """``incomplete-capture`` (medium): the tool said it failed (``netstat -b`` without an
    elevated prompt), so the capture does not show what the machine has: no verdict on it is
    an all-clear."""

    def findings(self) -> Iterator[Finding]:
        for d in self.ctx.capture["diagnostics"]:
            if d["severity"] != "error":
                continue
            yield self.ctx.finding(
                "incomplete-capture",
                "medium",
                f"The capture is incomplete: {d['message']}. Its rows (if any) are not all the "
                "sockets the machine has, so the other findings cannot be the whole story. "
                "Capture again as the tool asks (an elevated prompt for netstat -b, root for "
                "-p).",
                [d["line"]] if d["line"] is not None else [],
                {"code": d["code"], "message": d["message"], "text": d["text"]},
            )


def _program(process: str) -> str:
    """The program name of a process name: ``/usr/bin/python3 x.py`` is ``python3``,
    ``C:\\Windows\\System32\\cmd.exe`` is ``cmd.exe``, ``sshd: root`` is ``sshd``."""
    first = process.split(":")[0].split()[0] if process.split() else process
    return first.replace("\\", "/").rsplit("/", 1)[-1].lower()


class ShellExternal(_PerProcess):
    """``shell-external`` (medium): a shell, an interpreter or a LOLBin owns connections to
    outside addresses, the shape of a reverse shell or a download cradle. One finding per
    process."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        from netnorm.analysis.config import DEFAULT_SHELLS

        self.patterns = (*DEFAULT_SHELLS, *(p.lower() for p in ctx.config.shells))
        self.shells: dict[str, bool] = {}  # process name -> is it one (a small vocabulary)

    def is_shell(self, process: str) -> bool:
        known = self.shells.get(process)
        if known is None:
            from fnmatch import fnmatchcase

            program = _program(process)
            known = self.shells[process] = any(fnmatchcase(program, p) for p in self.patterns)
        return known

    def wanted(self, conn: Conn) -> bool:
        process = conn["process"]
        if not process or conn["reach"] != "external" or conn["remote"]["port"] is None:
            return False
        if conn["state"] not in (None, "ESTABLISHED", "SYN_SENT", "CLOSE_WAIT"):
            return False
        return self.is_shell(process) and not self.ctx.allowed("shell-external", conn)

    def findings(self) -> Iterator[Finding]:
        for (pid, process), group in self.groups.items():
            remotes, directions, how = group.peers_and_directions()
            yield self.ctx.finding(
                "shell-external",
                "medium",
                f"{group.owner()} has {group.count} connection(s) with outside addresses "
                f"({how}): {_listing(remotes)}. A shell, interpreter or system tool talking to "
                "the outside is how reverse shells, download cradles and hands-on attackers "
                "look. Check the process's command line and parent, and who the remote "
                "addresses are.",
                group.lines,
                {
                    "program": _program(process),
                    "process": process,
                    "pid": pid,
                    "count": group.count,
                    "remotes": remotes,
                    "directions": directions,
                },
            )


def moment(text: Any) -> datetime | None:
    """A ``created_at`` (or capture time) as a ``datetime``; ``None`` when it is not one."""
    if not isinstance(text, str):
        return text if isinstance(text, datetime) else None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class LongLivedExternal(Rule):
    """``persistent-external`` (medium) from one capture: an outside connection ESTABLISHED
    since a ``created_at`` (PowerShell ``CreationTime``) at least ``persist_min`` before the
    capture.

    The age is measured to the capture's time when both carry an offset; a creation time
    without one is local to a machine whose zone the text does not say, so its age is measured
    to the newest socket of the capture instead (``Context.newest_naive``, from the first pass):
    a lower bound.
    """

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        from netnorm.analysis.audit import parse_duration

        self.persist_min = parse_duration(ctx.config.thresholds.persist_min)
        self.captured = moment(ctx.capture.get("captured_at"))

    @property
    def looks_at_rows(self) -> bool:
        # the first pass saw a creation time (PowerShell): without one, no row can be old
        return self.ctx.newest_aware is not None or self.ctx.newest_naive is not None

    def add(self, conn: Conn) -> None:
        if conn["created_at"] is None:
            return
        created = moment(conn["created_at"])
        if (
            created is None
            or conn["protocol"] != "tcp"
            or conn["state"] != "ESTABLISHED"
            or conn["reach"] != "external"
            or self.ctx.allowed("persistent-external", conn)
        ):
            return
        captured = self.captured
        if created.tzinfo is not None and captured is not None and captured.tzinfo is not None:
            reference, against = captured, "the capture"
        else:
            newest = self.ctx.newest_aware if created.tzinfo else self.ctx.newest_naive
            assert newest is not None  # the first pass saw this socket's time
            reference, against = newest, "the newest socket"
        age = reference - created
        if age < self.persist_min:
            return
        hours = age.total_seconds() / 3600
        self.found.append(
            self.ctx.finding(
                "persistent-external",
                "medium",
                f"{owner_text(conn)} has kept {endpoint_text(conn['local'])} -> "
                f"{endpoint_text(conn['remote'])} ESTABLISHED since {created.isoformat()}, "
                f"{hours:.1f} hours before {against} (the socket's creation time). A long-lived "
                "connection to an outside address is how remote-control tools and data theft "
                "look; it is also how chat clients and VPNs look. Check that the program and "
                "the destination are expected.",
                [conn["line"]],
                {
                    "remote": endpoint_text(conn["remote"]),
                    "local": endpoint_text(conn["local"]),
                    "pid": conn["pid"],
                    "process": conn["process"],
                    "created_at": created.isoformat(),
                    "age_seconds": int(age.total_seconds()),
                    "measured_to": "capture" if against == "the capture" else "newest-socket",
                },
            )
        )


#: Every rule of a single capture, in report order. ``persistent-external`` across captures
#: lives with the audit; from one capture it needs creation times (``LongLivedExternal``).
RULES: tuple[type[Rule], ...] = (
    IncompleteCapture,
    IocMatch,
    SynReceived,
    UnownedExternal,
    SuspiciousPort,
    ShellExternal,
    CloseWaitBuildup,
    UnownedListener,
    LongLivedExternal,
    ExternalEstablished,
    ExposedListener,
)

RULE_IDS = (
    "incomplete-capture",
    "ioc-match",
    "syn-flood",
    "syn-received",
    "unowned-external",
    "suspicious-port",
    "shell-external",
    "close-wait-buildup",
    "unowned-listener",
    "persistent-external",
    "listener-change",
    "external-established",
    "exposed-listener",
)
