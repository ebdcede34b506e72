"""The rules: one small function each, with a stable id. ``docs/rules.md`` explains each one.

A rule reads one capture whose connections already carry ``scope`` and ``reach`` and yields
finding dicts (the fields of ``netnorm.model.schema.Finding``). Thresholds come from the config.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
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
    """One capture under analysis."""

    capture: dict[str, Any]
    config: Settings

    @property
    def conns(self) -> list[Conn]:
        return self.capture["connections"]  # type: ignore[no-any-return]

    @property
    def linux(self) -> bool:
        return bool(self.capture["platform"] == "linux")

    @property
    def owners_shown(self) -> bool:
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

    @property
    def non_root(self) -> bool:
        """True when netstat said it could not see every process (not run as root)."""
        return any(d["code"] == "netstat-warning" for d in self.capture["diagnostics"])

    def allowed(self, rule: str, conn: Conn) -> bool:
        """True when an ``[[allow]]`` entry covers this connection for this rule."""
        process, address = conn["process"], conn["remote"]["address"]
        return any(entry.covers(rule, process, address) for entry in self.config.allow)

    def finding(
        self,
        rule: str,
        severity: str,
        message: str,
        conns: Iterable[Conn],
        evidence: dict[str, Any],
    ) -> Finding:
        return {
            "rule": rule,
            "severity": severity,
            "message": message,
            "source": self.capture["source"],
            "host": self.capture["host"],
            "capture": self.capture["index"],
            "lines": sorted({c["line"] for c in conns}),
            "evidence": evidence,
        }


Rule = Callable[[Context], Iterator[Finding]]


def syn_received(ctx: Context) -> Iterator[Finding]:
    """``syn-flood`` (high) and ``syn-received`` (low): half-open connections per local endpoint."""
    groups: dict[str, list[Conn]] = defaultdict(list)
    for conn in ctx.conns:
        if conn["protocol"] == "tcp" and conn["state"] == "SYN_RECEIVED":
            groups[endpoint_text(conn["local"])].append(conn)
    limits = ctx.config.thresholds
    for local, conns in groups.items():
        sources = sorted({endpoint_text(c["remote"]).rsplit(":", 1)[0] for c in conns})
        evidence = {
            "local": local,
            "count": len(conns),
            "sources": len(sources),
            "top_sources": sources[:10],
        }
        if len(conns) >= limits.syn_flood and len(sources) >= limits.syn_flood_sources:
            linux_note = (
                " Linux shows these rows without a PID (a half-open socket belongs to no process "
                "yet), so look at the listener on the same port for the service under attack. "
                "With SYN cookies on (net.ipv4.tcp_syncookies=1) the kernel stops queueing "
                "under pressure, so the real flood can be larger than this snapshot shows."
                if ctx.linux
                else ""
            )
            yield ctx.finding(
                "syn-flood",
                "high",
                f"{len(conns)} half-open connections (SYN_RECEIVED) wait on {local} from "
                f"{len(sources)} remote addresses. That is the shape of a SYN flood: the server "
                "answers every SYN and holds a slot until the handshake times out, until no "
                f"slots are left for real clients.{linux_note} Next: check the listen-queue "
                "overflow counters (netstat -s), look at the sources below, and rate-limit or "
                "block them at the edge.",
                conns,
                evidence,
            )
        else:
            yield ctx.finding(
                "syn-received",
                "low",
                f"{len(conns)} half-open connection(s) (SYN_RECEIVED) on {local} from "
                f"{_listing(sources)}. A few are normal on a busy server (handshakes in flight); "
                "if they persist or grow, suspect a slow SYN flood or a peer that never completes "
                f"the handshake. syn-flood fires at {limits.syn_flood}.",
                conns,
                evidence,
            )


def _peers(conns: list[Conn]) -> tuple[list[str], dict[str, int]]:
    """The remote endpoints of a group of connections, and how many go each direction."""
    remotes = sorted({endpoint_text(c["remote"]) for c in conns})
    counts = {d: sum(1 for c in conns if c.get("direction") == d) for d in DIRECTIONS}
    return remotes, {d: n for d, n in counts.items() if n}


def external_established(ctx: Context) -> Iterator[Finding]:
    """``external-established`` (info): established TCP to outside addresses, per process."""
    groups: dict[tuple[Any, Any], list[Conn]] = defaultdict(list)
    for conn in ctx.conns:
        if (
            conn["protocol"] == "tcp"
            and conn["state"] == "ESTABLISHED"
            and conn["reach"] == "external"
            and not ctx.allowed("external-established", conn)
        ):
            groups[(conn["pid"], conn["process"])].append(conn)
    for (pid, process), conns in groups.items():
        remotes, directions = _peers(conns)
        how = ", ".join(f"{n} {d}" for d, n in directions.items())
        yield ctx.finding(
            "external-established",
            "info",
            f"{owner_text(conns[0])} has {len(conns)} established connection(s) with outside "
            f"addresses ({how}): {_listing(remotes)}. Normal for browsers, updaters and agents "
            "(outbound) and public services (inbound); make sure each is one you expect.",
            conns,
            {
                "pid": pid,
                "process": process,
                "count": len(conns),
                "remotes": remotes,
                "directions": directions,
            },
        )


def unowned_external(ctx: Context) -> Iterator[Finding]:
    """``unowned-external`` (medium): an outside connection whose owner the capture hides."""
    if not ctx.owners_shown:
        return
    for conn in ctx.conns:
        if conn["reach"] != "external":
            continue
        held = conn["state"] in OWNED_STATES or (
            conn["protocol"] == "udp" and conn["state"] in (None, "ESTABLISHED")
        )
        if not held or ctx.allowed("unowned-external", conn):
            continue
        if ctx.linux:
            if conn["pid"] is not None:
                continue
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
                continue
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
        yield ctx.finding(
            "unowned-external",
            "medium",
            f"{conn['protocol']} {endpoint_text(conn['local'])} -> "
            f"{endpoint_text(conn['remote'])} ({conn['state'] or 'no state'}) goes outside and "
            f"has no owner, although this capture shows owners. {why}",
            [conn],
            {
                "local": endpoint_text(conn["local"]),
                "remote": endpoint_text(conn["remote"]),
                "state": conn["state"],
                "pid": conn["pid"],
                "owner_note": conn["owner_note"],
            },
        )


def close_wait_buildup(ctx: Context) -> Iterator[Finding]:
    """``close-wait-buildup`` (low): many CLOSE_WAIT sockets for one process or local port."""
    groups: dict[str, list[Conn]] = defaultdict(list)
    for conn in ctx.conns:
        if conn["state"] == "CLOSE_WAIT":
            key = (
                owner_text(conn)
                if conn["pid"] is not None or conn["process"]
                else f"local port {conn['local']['port']}"
            )
            groups[key].append(conn)
    for who, conns in groups.items():
        if len(conns) < ctx.config.thresholds.close_wait:
            continue
        remotes = sorted({endpoint_text(c["remote"]) for c in conns})
        yield ctx.finding(
            "close-wait-buildup",
            "low",
            f"{len(conns)} sockets in CLOSE_WAIT for {who}. The remote side closed these "
            "connections but the local application never closed its end: a leak in the "
            "application rather than an attack. Left alone it runs out of file descriptors. "
            f"Fix or restart the application; the peers are {_listing(remotes)}.",
            conns,
            {"owner": who, "count": len(conns), "remotes": remotes},
        )


def unowned_listener(ctx: Context) -> Iterator[Finding]:
    """``unowned-listener`` (medium): in a capture whose owner column names every process
    (root ``-p``, elevated ``-b``), a TCP listener has no owner."""
    if not ctx.owners_shown or ctx.non_root:
        return
    for conn in ctx.conns:
        if conn["protocol"] != "tcp" or conn["state"] != "LISTEN":
            continue
        if conn["pid"] is not None or conn["process"] or ctx.allowed("unowned-listener", conn):
            continue
        yield ctx.finding(
            "unowned-listener",
            "medium",
            f"TCP {endpoint_text(conn['local'])} listens and has no owner, although this "
            "capture names the owners of sockets. A listener no process holds is either the "
            "kernel's (NFS, RPC, an in-kernel VPN) or one hidden from the tools (a rootkit's "
            "backdoor). Check the port with ss -ltnpe and lsof -i, and the loaded modules.",
            [conn],
            {"local": endpoint_text(conn["local"]), "port": conn["local"]["port"]},
        )


def exposed_listener(ctx: Context) -> Iterator[Finding]:
    """``exposed-listener`` (info): sockets listening on all interfaces, as an inventory."""
    groups: dict[tuple[str, Any, Any], list[Conn]] = defaultdict(list)
    for conn in ctx.conns:
        if conn["local"]["scope"] != "unspecified":
            continue
        port = conn["local"]["port"]
        listening = conn["protocol"] == "tcp" and conn["state"] == "LISTEN"
        udp_service = (
            conn["protocol"] == "udp"
            and conn["reach"] == "none"
            and port is not None
            and port < EPHEMERAL_UDP
        )
        if listening or udp_service:
            groups[(conn["protocol"], port, conn["process"] or conn["pid"])].append(conn)
    for (protocol, port, _owner), conns in sorted(
        groups.items(), key=lambda item: (item[0][0], item[0][1] or 0)
    ):
        addresses = sorted({endpoint_text(c["local"]) for c in conns})
        owner = conns[0]
        who = (
            f", owned by {owner_text(owner)}"
            if owner["pid"] is not None or owner["process"]
            else ""
        )
        yield ctx.finding(
            "exposed-listener",
            "info",
            f"{protocol.upper()} port {port} listens on all interfaces ({', '.join(addresses)})"
            f"{who}: reachable from every network that routes to this host, unless a firewall "
            "says otherwise.",
            conns,
            {
                "protocol": protocol,
                "port": port,
                "process": conns[0]["process"],
                "pid": conns[0]["pid"],
            },
        )


def suspicious_port(ctx: Context) -> Iterator[Finding]:
    """``suspicious-port`` (medium): a port from the configured list that a local listener
    holds, or the remote port of a connection this host opened (or may have opened). Never the
    source port of an inbound client: that port is the client's kernel's choice."""
    ports = set(ctx.config.suspicious_ports)
    for conn in ctx.conns:
        listener = conn["reach"] == "none"
        if not listener and conn.get("direction") in ("inbound", "local"):
            continue
        port = conn["local"]["port"] if listener else conn["remote"]["port"]
        if port not in ports or ctx.allowed("suspicious-port", conn):
            continue
        where = (
            f"listens on {conn['protocol']} {endpoint_text(conn['local'])}"
            if listener
            else f"connects {endpoint_text(conn['local'])} -> {endpoint_text(conn['remote'])}"
        )
        yield ctx.finding(
            "suspicious-port",
            "medium",
            f"{owner_text(conn)} {where}: port {port} is long associated with backdoors and "
            "exploit handlers (4444 is Metasploit's default, 31337 Back Orifice's). Legitimate "
            "software uses such ports too, so check which program owns the socket and whether "
            "it should.",
            [conn],
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


def ioc_match(ctx: Context) -> Iterator[Finding]:
    """``ioc-match`` (high): the remote address is in one of the user's IOC lists."""
    files = tuple(ctx.config.ioc.files)
    if not files:
        return
    from netnorm.analysis.netset import ioc_set

    known = ioc_set(files)
    for conn in ctx.conns:
        address = conn["remote"]["address"]
        if address is None or not known.contains(address) or ctx.allowed("ioc-match", conn):
            continue
        yield ctx.finding(
            "ioc-match",
            "high",
            f"{owner_text(conn)} {_way(conn)} {endpoint_text(conn['remote'])} "
            f"({conn['protocol']} {conn['state'] or 'no state'}), an address in your IOC "
            "lists. Treat the host as compromised until shown otherwise: find the process, "
            "its parent and how it started, and block the address at the edge.",
            [conn],
            {
                "remote": endpoint_text(conn["remote"]),
                "local": endpoint_text(conn["local"]),
                "pid": conn["pid"],
                "process": conn["process"],
                "direction": conn.get("direction"),
            },
        )


def _way(conn: Conn) -> str:
    return {"inbound": "accepted a connection from", "outbound": "connects to"}.get(
        conn.get("direction") or "", "has a socket with"
    )


def incomplete_capture(ctx: Context) -> Iterator[Finding]:
    """``incomplete-capture`` (medium): the tool said it failed (``netstat -b`` without an
    elevated prompt), so the capture does not show what the machine has: no verdict on it is
    an all-clear."""
    for d in ctx.capture["diagnostics"]:
        if d["severity"] != "error":
            continue
        lines = [d["line"]] if d["line"] is not None else []
        finding = ctx.finding(
            "incomplete-capture",
            "medium",
            f"The capture is incomplete: {d['message']}. Its rows (if any) are not all the "
            "sockets the machine has, so the other findings cannot be the whole story. Capture "
            "again as the tool asks (an elevated prompt for netstat -b, root for -p).",
            [],
            {"code": d["code"], "message": d["message"], "text": d["text"]},
        )
        finding["lines"] = lines
        yield finding


def _program(process: str) -> str:
    """The program name of a process name: ``/usr/bin/python3 x.py`` is ``python3``,
    ``C:\\Windows\\System32\\cmd.exe`` is ``cmd.exe``, ``sshd: root`` is ``sshd``."""
    first = process.split(":")[0].split()[0] if process.split() else process
    return first.replace("\\", "/").rsplit("/", 1)[-1].lower()


def shell_external(ctx: Context) -> Iterator[Finding]:
    """``shell-external`` (medium): a shell, an interpreter or a LOLBin owns connections to
    outside addresses, the shape of a reverse shell or a download cradle. One finding per
    process."""
    from fnmatch import fnmatchcase

    from netnorm.analysis.config import DEFAULT_SHELLS

    patterns = (*DEFAULT_SHELLS, *(p.lower() for p in ctx.config.shells))
    groups: dict[tuple[Any, str], list[Conn]] = defaultdict(list)
    for conn in ctx.conns:
        process = conn["process"]
        if not process or conn["reach"] != "external" or conn["remote"]["port"] is None:
            continue
        if conn["state"] not in (None, "ESTABLISHED", "SYN_SENT", "CLOSE_WAIT"):
            continue
        if ctx.allowed("shell-external", conn):
            continue
        program = _program(process)
        if any(fnmatchcase(program, p) for p in patterns):
            groups[(conn["pid"], process)].append(conn)
    for (pid, process), conns in groups.items():
        remotes, directions = _peers(conns)
        how = ", ".join(f"{n} {d}" for d, n in directions.items())
        yield ctx.finding(
            "shell-external",
            "medium",
            f"{owner_text(conns[0])} has {len(conns)} connection(s) with outside addresses "
            f"({how}): {_listing(remotes)}. A shell, interpreter or system tool talking to "
            "the outside is how reverse shells, download cradles and hands-on attackers look. "
            "Check the process's command line and parent, and who the remote addresses are.",
            conns,
            {
                "program": _program(process),
                "process": process,
                "pid": pid,
                "count": len(conns),
                "remotes": remotes,
                "directions": directions,
            },
        )


def _moment(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return text if isinstance(text, datetime) else None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def long_lived_external(ctx: Context) -> Iterator[Finding]:
    """``persistent-external`` (medium) from one capture: an outside connection ESTABLISHED
    since a ``created_at`` (PowerShell ``CreationTime``) at least ``persist_min`` before the
    capture.

    The age is measured to the capture's time when both carry an offset; a creation time
    without one is local to a machine whose zone the text does not say, so its age is measured
    to the newest socket of the capture instead: a lower bound.
    """
    from netnorm.analysis.audit import parse_duration

    created = [(c, _moment(c["created_at"])) for c in ctx.conns if c["created_at"] is not None]
    if not created:
        return
    persist_min = parse_duration(ctx.config.thresholds.persist_min)
    captured = _moment(ctx.capture.get("captured_at"))
    aware = [m for _, m in created if m is not None and m.tzinfo is not None]
    naive = [m for _, m in created if m is not None and m.tzinfo is None]
    for conn, moment in created:
        if (
            moment is None
            or conn["protocol"] != "tcp"
            or conn["state"] != "ESTABLISHED"
            or conn["reach"] != "external"
            or ctx.allowed("persistent-external", conn)
        ):
            continue
        if moment.tzinfo is not None and captured is not None and captured.tzinfo is not None:
            reference, against = captured, "the capture"
        else:
            reference, against = max(aware if moment.tzinfo else naive), "the newest socket"
        age = reference - moment
        if age < persist_min:
            continue
        hours = age.total_seconds() / 3600
        yield ctx.finding(
            "persistent-external",
            "medium",
            f"{owner_text(conn)} has kept {endpoint_text(conn['local'])} -> "
            f"{endpoint_text(conn['remote'])} ESTABLISHED since {moment.isoformat()}, "
            f"{hours:.1f} hours before {against} (the socket's creation time). A long-lived "
            "connection to an outside address is how remote-control tools and data theft "
            "look; it is also how chat clients and VPNs look. Check that the program and the "
            "destination are expected.",
            [conn],
            {
                "remote": endpoint_text(conn["remote"]),
                "local": endpoint_text(conn["local"]),
                "pid": conn["pid"],
                "process": conn["process"],
                "created_at": moment.isoformat(),
                "age_seconds": int(age.total_seconds()),
                "measured_to": "capture" if against == "the capture" else "newest-socket",
            },
        )


#: Every rule of a single capture, in report order. ``persistent-external`` across captures
#: lives with the audit; from one capture it needs creation times (``long_lived_external``).
RULES: tuple[Rule, ...] = (
    incomplete_capture,
    ioc_match,
    syn_received,
    unowned_external,
    suspicious_port,
    shell_external,
    close_wait_buildup,
    unowned_listener,
    long_lived_external,
    external_established,
    exposed_listener,
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
