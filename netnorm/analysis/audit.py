"""Fleet audits: many captures of many hosts over time.

Each capture is analysed on its own (``engine``), then reduced to small aggregates: the outside
endpoints it saw, its listeners, and the keys of its established outside connections. Memory
therefore grows with the number of distinct endpoints and hosts, not with the number of rows.
Over the aggregates netnorm stacks what the fleet saw, rarest first (the "stacking" method of
incident responders), and finds connections that stay established across timed captures
(``persistent-external``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any, BinaryIO

from netnorm.analysis.rules import SEVERITY_ORDER, endpoint_text, owner_text
from netnorm.render.safe import json_compact

if TYPE_CHECKING:
    from netnorm.analysis.rules import Context

#: How many host names a stacked row lists (the count is always complete).
HOSTS_SHOWN = 10


@dataclass
class CaptureFacts:
    """What one capture contributes to the fleet view and to persistence."""

    source: str
    index: int
    host: str | None
    time: datetime | None
    connections: int
    reach: Counter[str]
    #: (ip:port, process) of the outside connections -> how many
    external: dict[tuple[str, str | None], int]
    listeners: set[tuple[str, int | None, str | None]]  # (protocol, port, process)
    #: identity of each ESTABLISHED outside connection -> its line. The identity is one string
    #: (see ``_identity``), not a tuple of strings: a fleet run keeps these until the end.
    established: dict[str, int]
    findings: Counter[str] = field(default_factory=Counter)
    #: (protocol, port) of each TCP listener -> (process, on all interfaces, line): what
    #: ``listener-change`` compares between a host's captures.
    listening: dict[tuple[str, int | None], tuple[str | None, bool, int]] = field(
        default_factory=dict
    )

    @property
    def label(self) -> str:
        return self.host or f"<{self.source}>"


def _network(address: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) an address belongs to, without ``ipaddress`` objects:
    this runs once per distinct outside endpoint of a fleet."""
    if ":" not in address:
        return address.rsplit(".", 1)[0] + ".0/24"
    if address.startswith("::ffff:") and "." in address:
        return _network(address[7:])
    packed = socket.inet_pton(socket.AF_INET6, address)
    return socket.inet_ntop(socket.AF_INET6, packed[:6] + bytes(10)) + "/48"


def _wider(network: str) -> str:
    """The /16 of a /24, the /32 of a /48."""
    address = network.split("/", 1)[0]
    if ":" not in address:
        return address.rsplit(".", 2)[0] + ".0.0/16"
    packed = socket.inet_pton(socket.AF_INET6, address)
    return socket.inet_ntop(socket.AF_INET6, packed[:4] + bytes(12)) + "/32"


class FactsBuilder:
    """Gathers a capture's ``CaptureFacts`` from its annotated connections, one at a time.

    Keeps, per capture: the distinct outside endpoints with a count each, the distinct
    listeners, and the identity of each ESTABLISHED outside connection (for persistence).

    Args:
        capture: the capture's fields (``source``, ``index``, ``host``, ``captured_at``).
        ctx: says whether the allowlist covers a connection for ``persistent-external``;
            ``None``: it covers none.
    """

    def __init__(self, capture: dict[str, Any], ctx: Context | None = None) -> None:
        self.capture = capture
        self.allowed = partial(ctx.allowed, "persistent-external") if ctx is not None else None
        self.connections = 0
        self.names: dict[str, str] = {}
        self.reach: Counter[str] = Counter()
        self.external: Counter[tuple[str, str | None]] = Counter()
        self.listeners: set[tuple[str, int | None, str | None]] = set()
        self.established: dict[str, int] = {}
        self.listening: dict[tuple[str, int | None], tuple[str | None, bool, int]] = {}

    def add(self, conn: dict[str, Any]) -> None:
        reach = conn["reach"]
        self.connections += 1
        self.reach[reach] += 1
        if reach == "external":
            remote = conn["remote"]
            if conn["direction"] == "inbound":
                # a client's source port is its kernel's choice: the stack counts the client
                remote = {**remote, "port": None, "service": None}
            self.external[(endpoint_text(remote), self._name(conn["process"]))] += 1
            if conn["state"] == "ESTABLISHED" and not (self.allowed and self.allowed(conn)):
                self.established[_identity(conn)] = conn["line"]
        elif conn["state"] == "LISTEN":
            local = conn["local"]
            key = (conn["protocol"], local["port"])
            process = self._name(conn["process"])
            self.listeners.add((*key, process))
            wildcard = local["address"] in ("0.0.0.0", "::") or (
                local["address"] is None and local["host"] is None
            )
            before = self.listening.get(key)
            self.listening[key] = (
                process or (before[0] if before else None),
                wildcard or bool(before and before[1]),
                before[2] if before else conn["line"],
            )

    def _name(self, process: str | None) -> str | None:
        """One copy of each process name: rows read back from the spool each have their own."""
        return None if process is None else self.names.setdefault(process, process)

    def finish(self, severities: dict[str, int]) -> CaptureFacts:
        """The facts, with the capture's findings counted by severity."""
        capture = self.capture
        time = capture.get("captured_at")
        return CaptureFacts(
            source=capture["source"],
            index=capture["index"],
            host=capture["host"],
            time=datetime.fromisoformat(time) if isinstance(time, str) else time,
            connections=self.connections,
            reach=self.reach,
            external=dict(self.external),
            listeners=self.listeners,
            established=self.established,
            findings=Counter(severities),
            listening=self.listening,
        )


def facts_of(capture: dict[str, Any], findings: list[dict[str, Any]]) -> CaptureFacts:
    """The ``CaptureFacts`` of a capture held whole, whose connections carry reach and
    direction."""
    builder = FactsBuilder(capture)
    for conn in capture["connections"]:
        builder.add(conn)
    return builder.finish(Counter(f["severity"] for f in findings))


class _Stack:
    """Hosts and processes that saw one endpoint. Most endpoints are seen by one host, so a
    single name is kept as a string and becomes a set only when a second one turns up."""

    __slots__ = ("connections", "hosts", "processes")

    def __init__(self, host: str | None = None, process: str | None = None) -> None:
        self.hosts: str | set[str] | None = host
        self.processes: str | set[str] | None = process or None
        self.connections = 0

    @staticmethod
    def _add(current: str | set[str] | None, value: str) -> str | set[str]:
        if current is None or current == value:
            return value
        if isinstance(current, str):
            return {current, value}
        current.add(value)
        return current

    def add(self, host: str, process: str | None) -> None:
        self.hosts = self._add(self.hosts, host)
        if process:
            self.processes = self._add(self.processes, process)

    def merge(self, other: _Stack) -> None:
        """Fold another stack in (an endpoint's into its network's)."""
        for host in _Stack.names(other.hosts):
            self.hosts = self._add(self.hosts, host)
        for process in _Stack.names(other.processes):
            self.processes = self._add(self.processes, process)
        self.connections += other.connections

    @staticmethod
    def names(value: str | set[str] | None) -> list[str]:
        if value is None:
            return []
        return [value] if isinstance(value, str) else sorted(value)


#: One capture in a persistence run: time, source, capture index, host, line of the row.
Seen = tuple[datetime, str, int, "str | None", int]


class Fleet:
    """Aggregates over every capture of a run.

    Args:
        persist_min: the span ``persistent-external`` asks for.
        closed: see ``Fleet.closed``.
        in_order: the captures of each host arrive in time order (the CLI sorts its files by
            host and time), so persistence runs are followed as captures arrive and only the
            open ones are kept; otherwise each host's captures are kept and sorted at the end.
    """

    def __init__(
        self,
        persist_min: timedelta = timedelta(hours=1),
        in_order: bool = False,
        closed: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self.persist_min = persist_min
        self.in_order = in_order
        #: where findings over captures go as they are made (a ``FindingStore.add_late``),
        #: so that a long run does not hold them; ``None``: ``persistent`` returns them
        self.closed = closed
        self._runs: dict[str, dict[str, list[Seen]]] = defaultdict(dict)
        self._closed: list[dict[str, Any]] = []
        self.endpoints: dict[str, _Stack] = {}
        self._names: dict[str, str] = {}
        self._networks: dict[str, _Stack] | None = None
        self._wide: dict[str, _Stack] | None = None
        self.listeners: dict[tuple[str, int | None, str | None], _Stack] = defaultdict(_Stack)
        self.hosts: dict[str, dict[str, Any]] = {}
        self.series: dict[str, list[CaptureFacts]] = defaultdict(list)
        self.reach: Counter[str] = Counter()
        #: Per host, the listeners of its last timed capture, and that capture.
        self._last: dict[str, CaptureFacts] = {}

    def add(self, facts: CaptureFacts) -> None:
        """Fold one capture in; its rows are not kept."""
        names = self._names
        label = names.setdefault(facts.label, facts.label)
        endpoints = self.endpoints
        external = 0
        for (endpoint, process), count in facts.external.items():
            if process is not None:  # one copy of each name, not one per endpoint
                process = names.setdefault(process, process)
            stack = endpoints.get(endpoint)
            if stack is None:  # most outside endpoints of a fleet are seen once
                stack = endpoints[endpoint] = _Stack(label, process)
            else:
                stack.add(label, process)
            stack.connections += count
            external += count
        for protocol, port, process in facts.listeners:
            self.listeners[(protocol, port, process)].add(label, None)
        host = self.hosts.setdefault(
            label,
            {
                "host": label,
                "captures": 0,
                "connections": 0,
                "external": 0,
                "findings": dict.fromkeys(SEVERITY_ORDER, 0),
            },
        )
        self.reach.update(facts.reach)
        host["captures"] += 1
        host["connections"] += facts.connections
        host["external"] += external
        for severity, count in facts.findings.items():
            host["findings"][severity] += count
        facts.external = {}  # keep only what persistence needs
        facts.listeners = set()
        if facts.time is None:
            return  # cannot be ordered in time: left out of persistence
        if self.in_order:
            self._track(label, facts)
        else:
            self.series[label].append(facts)

    def merge(self, other: Fleet) -> Fleet:
        """Fold in the aggregates of another part of the run, whose captures come after this
        one's in the run's order (a tree reduction: ``netnorm.analysis.cluster``). Both must
        keep their captures for persistence (``in_order`` False); returns this fleet."""
        assert not self.in_order and not other.in_order, "only parts that kept their series"
        for key, stack in other.endpoints.items():
            mine = self.endpoints.get(key)
            if mine is None:
                self.endpoints[key] = stack
            else:
                mine.merge(stack)
        for listener, stack in other.listeners.items():
            self.listeners[listener].merge(stack)
        for label, host in other.hosts.items():
            mine_host = self.hosts.get(label)
            if mine_host is None:
                self.hosts[label] = host
                continue
            for count in ("captures", "connections", "external"):
                mine_host[count] += host[count]
            for severity, count in host["findings"].items():
                mine_host["findings"][severity] += count
        self.reach.update(other.reach)
        for label, captures in other.series.items():
            self.series[label].extend(captures)
        self._networks = self._wide = None
        return self

    def _track(self, label: str, facts: CaptureFacts) -> None:
        """Extend the runs ``facts`` continues, and close those it interrupts; compare its
        listeners with the host's capture before (``listener-change``)."""
        assert facts.time is not None
        last = self._last.get(label)
        if last is not None:
            self._close(_listener_changes(label, last, facts))
        self._last[label] = facts
        runs = self._runs[label]
        established = facts.established
        for key in [k for k in runs if k not in established]:
            run = runs.pop(key)
            if len(run) > 1:  # a run of one capture is never a finding
                self._close(_persisted(label, run, key, self.persist_min))
        time, source, index, host = facts.time, facts.source, facts.index, facts.host
        for key, line in established.items():
            going = runs.get(key)
            if going is None:
                runs[key] = [(time, source, index, host, line)]
            else:
                going.append((time, source, index, host, line))

    def _count_findings(self, findings: list[dict[str, Any]]) -> None:
        """Add findings made after the captures were folded in (persistent-external)."""
        for f in findings:
            label = f["host"] or f"<{f['source']}>"
            if label in self.hosts:
                self.hosts[label]["findings"][f["severity"]] += 1

    def _section(self, section: str) -> dict[str, _Stack]:
        if section == "external_endpoints":
            return self.endpoints
        return self.networks() if section == "external_networks" else self.wide_networks()

    def wide_networks(self) -> dict[str, _Stack]:
        """The /24 and /48 stacks grouped again by /16 (IPv4) and /32 (IPv6), like Kansa's."""
        if self._wide is None:
            wide: dict[str, _Stack] = defaultdict(_Stack)
            for network, stack in self.networks().items():
                wide[_wider(network)].merge(stack)
            self._wide = wide
        return self._wide

    def stack_rows(self, section: str) -> Iterator[dict[str, Any]]:
        """Rows of ``external_endpoints``, ``external_networks`` or
        ``external_wide_networks``, rarest first, one at a time (a fleet can see hundreds of
        thousands of endpoints; only the sort keys are held)."""
        items = self._section(section)
        name = "endpoint" if section == "external_endpoints" else "network"
        for _hosts, _connections, key in _rarest_first(items):
            s = items[key]
            hosts = _Stack.names(s.hosts)
            yield {
                name: key,
                "hosts": len(hosts),
                "host_names": hosts[:HOSTS_SHOWN],
                "processes": _Stack.names(s.processes),
                "connections": s.connections,
            }

    def stack_json(self, section: str) -> Iterator[str]:
        """``stack_rows`` as JSON text, written by hand: a fleet has hundreds of thousands of
        rows, and most have one host and at most one process, which need no list building."""
        items = self._section(section)
        name = "endpoint" if section == "external_endpoints" else "network"
        quote = _quote
        # a fleet has a few hundred host and process names: each name's JSON list is made once
        single: dict[str, str] = {}
        for count, connections, key in _rarest_first(items):
            s = items[key]
            hosts, processes = s.hosts, s.processes
            if isinstance(hosts, str):
                host_names = single.get(hosts) or single.setdefault(hosts, f"[{quote(hosts)}]")
            else:
                host_names = _json_list(_Stack.names(hosts)[:HOSTS_SHOWN])
            if processes is None:
                process_names = "[]"
            elif isinstance(processes, str):
                process_names = single.get(processes) or single.setdefault(
                    processes, f"[{quote(processes)}]"
                )
            else:
                process_names = _json_list(_Stack.names(processes))
            yield (
                f'{{"{name}":{quote(key)},"hosts":{count},"host_names":{host_names},'
                f'"processes":{process_names},"connections":{connections}}}'
            )

    def networks(self, consume: bool = False) -> dict[str, _Stack]:
        """Outside endpoints grouped by network (/24, /48), built once, when first asked for:
        keeping them during the run would double what a large fleet holds.

        Args:
            consume: empty ``endpoints`` while building (once they are written), so that a large
                fleet never holds both.
        """
        if self._networks is None:
            networks: dict[str, _Stack] = defaultdict(_Stack)
            endpoints = self.endpoints
            pairs = _draining(endpoints) if consume else iter(endpoints.items())
            for endpoint, stack in pairs:
                address = endpoint.rsplit(":", 1)[0].strip("[]")
                networks[_network(address)].merge(stack)
            if consume:
                self.endpoints = {}  # a dict keeps its table when emptied
            self._networks = networks
        return self._networks

    def listener_rows(self) -> list[dict[str, Any]]:
        """Listeners stacked across hosts, rarest first."""
        rows = [
            {
                "protocol": protocol,
                "port": port,
                "process": process,
                "hosts": _count(s.hosts),
                "host_names": _Stack.names(s.hosts)[:HOSTS_SHOWN],
            }
            for (protocol, port, process), s in self.listeners.items()
        ]
        rows.sort(key=lambda r: (r["hosts"], r["protocol"], r["port"] or 0, r["process"] or ""))
        return rows

    def host_rows(self) -> list[dict[str, Any]]:
        """One summary line per host."""
        return [self.hosts[h] for h in sorted(self.hosts)]

    def totals(self) -> dict[str, int]:
        """How many rows each section of ``view`` has, before its ``limit``."""
        return {
            **{s: len(self._section(s)) for s in ("external_endpoints", "external_networks")},
            "external_wide_networks": len(self._section("external_wide_networks")),
            "listeners": len(self.listener_rows()),
        }

    def view(self, limit: int | None = None) -> dict[str, Any]:
        """The ``fleet`` part of the report: stacks rarest first (the first ``limit`` rows of
        each), and one line per host."""
        return {
            "external_endpoints": list(islice(self.stack_rows("external_endpoints"), limit)),
            "external_networks": list(islice(self.stack_rows("external_networks"), limit)),
            "external_wide_networks": list(
                islice(self.stack_rows("external_wide_networks"), limit)
            ),
            "listeners": self.listener_rows()[:limit],
            "hosts": self.host_rows(),
        }

    def persistent(self, persist_min: timedelta | None = None) -> list[dict[str, Any]]:
        """``persistent-external``: the same outside connection ESTABLISHED across captures.

        Per host, captures are taken in time order; a capture of that host without the
        connection ends its run. A run of two or more captures spanning ``persist_min`` is a
        finding. Captures without a time cannot be ordered and are left out.

        Returns:
            The findings over captures (with listener changes) not yet given to ``closed``:
            all of them when the fleet has no ``closed``, else none.
        """
        if persist_min is not None:
            self.persist_min = persist_min
        for label, captures in self.series.items():
            for facts in sorted(captures, key=lambda c: c.time or datetime.min):
                self._track(label, facts)
        self.series.clear()
        for label, runs in self._runs.items():
            for key, run in runs.items():
                self._close(_persisted(label, run, key, self.persist_min))
        self._runs.clear()
        found, self._closed = self._closed, []
        return found

    def _close(self, found: list[dict[str, Any]]) -> None:
        """Findings made over captures (persistence, listener changes): to ``closed`` as they
        are made, when the fleet has one, else kept for ``persistent`` to return."""
        if not found:
            return
        self._count_findings(found)
        if self.closed is not None:
            self.closed(found)
        else:
            self._closed += found


_SEP = "\x1f"  # cannot occur in netstat text that reached this point as one field


def _identity(conn: dict[str, Any]) -> str:
    """(protocol, local, remote, PID where known, program) as one string.

    The program is part of it so that a PID reused by another program is another connection.
    """
    pid = conn["pid"]
    return _SEP.join(
        (
            conn["protocol"],
            endpoint_text(conn["local"]),
            endpoint_text(conn["remote"]),
            "" if pid is None else str(pid),
            conn["process"] or "",
        )
    )


_quote = json.encoder.encode_basestring


def _draining(items: dict[str, _Stack]) -> Iterator[tuple[str, _Stack]]:
    while items:
        yield items.popitem()


def _rarest_first(items: dict[str, _Stack]) -> Iterator[tuple[int, int, str]]:
    """``(hosts, connections, key)`` of each stack, fewest hosts, then connections, then key.

    Keys are sorted within groups of equal counts, so the order is held as lists of keys rather
    than one tuple per stack: a fleet may have hundreds of thousands of stacks, nearly all in
    the group seen once by one host.
    """
    groups: dict[tuple[int, int], list[str]] = defaultdict(list)
    for key, stack in items.items():
        hosts = stack.hosts  # _count, inline: this runs once per stack of a large fleet
        count = 1 if isinstance(hosts, str) else 0 if hosts is None else len(hosts)
        groups[(count, stack.connections)].append(key)
    for counts in sorted(groups):
        keys = groups.pop(counts)
        keys.sort()
        for key in keys:
            yield counts[0], counts[1], key


def _json_list(values: list[str]) -> str:
    return "[" + ",".join(_quote(v) for v in values) + "]"


def _count(value: str | set[str] | None) -> int:
    if value is None:
        return 0
    return 1 if isinstance(value, str) else len(value)


def _listener_changes(
    label: str, before: CaptureFacts, after: CaptureFacts
) -> list[dict[str, Any]]:
    """``listener-change`` findings between two captures of one host, in time order."""
    found = []
    changes = [("appeared", key, after.listening[key]) for key in after.listening]
    changes += [("disappeared", key, before.listening[key]) for key in before.listening]
    for change, (protocol, port), (process, wildcard, line) in changes:
        other = before if change == "appeared" else after
        if (protocol, port) in other.listening:
            continue
        assert before.time is not None and after.time is not None
        severity = "medium" if change == "appeared" and wildcard else "low"
        where = "on all interfaces" if wildcard else "on one address"
        owner = f" ({process})" if process else ""
        found.append(
            {
                "rule": "listener-change",
                "severity": severity,
                "message": (
                    f"On {label}, a {protocol.upper()} listener on port {port}{owner}, {where}, "
                    f"{change} between {before.time.isoformat()} and {after.time.isoformat()}. "
                    + (
                        "A new service reachable from every network is how a backdoor or a "
                        "forgotten test server looks: check which program opened it and why."
                        if severity == "medium"
                        else "Check that the change was planned (a deployment, a restart)."
                    )
                ),
                "source": after.source,
                "host": after.host,
                "capture": after.index,
                "lines": [line] if change == "appeared" else [],
                "evidence": {
                    "host": label,
                    "change": change,
                    "protocol": protocol,
                    "port": port,
                    "process": process,
                    "all_interfaces": wildcard,
                    "before": before.time.isoformat(),
                    "after": after.time.isoformat(),
                    "before_source": before.source,
                },
            }
        )
    return found


def _persisted(
    label: str, run: list[Seen], key: str, persist_min: timedelta
) -> list[dict[str, Any]]:
    first, last = run[0], run[-1]
    span = last[0] - first[0]
    if len(run) < 2 or span < persist_min:
        return []
    last_time, last_source, last_index, last_host, line = last
    protocol, local, remote, pid_text, process_text = key.split(_SEP)
    pid = int(pid_text) if pid_text else None
    process = process_text or None
    owner = owner_text({"process": process, "pid": pid})
    return [
        {
            "rule": "persistent-external",
            "severity": "medium",
            "message": (
                f"On {label}, {owner} kept {protocol} {local} -> "
                f"{remote} ESTABLISHED in {len(run)} captures over {_duration(span)} "
                f"(first seen {first[0].isoformat()}, last seen {last_time.isoformat()}). "
                "A long-lived connection to an outside address is how remote-control tools and "
                "data theft look; it is also how chat clients and VPNs look. Check that the "
                "program and the destination are expected."
            ),
            "source": last_source,
            "host": last_host,
            "capture": last_index,
            "lines": [line],
            "evidence": {
                "host": label,
                "remote": remote,
                "local": local,
                "protocol": protocol,
                "pid": pid,
                "process": process,
                "first_seen": first[0].isoformat(),
                "last_seen": last_time.isoformat(),
                "captures": len(run),
                "seen_in": [f"{source}#{index}" for _, source, index, _, _ in run],
            },
        }
    ]


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return " ".join(p for p in parts if p) or f"{int(span.total_seconds())}s"


def parse_duration(text: str | int | float) -> timedelta:
    """``3600``, ``"90m"``, ``"1h"``, ``"1h30m"``, ``"2d"`` as a ``timedelta``.

    Raises:
        ValueError: not a duration.
    """
    try:
        return _parse_duration(text)
    except OverflowError:  # beyond timedelta's 999,999,999 days
        raise ValueError(f"{text!r} is too long a duration") from None


def _parse_duration(text: str | int | float) -> timedelta:
    if isinstance(text, (int, float)):
        return timedelta(seconds=float(text))
    value = text.strip().lower()
    if value.replace(".", "", 1).isdigit():
        return timedelta(seconds=float(value))
    total = 0.0
    number = ""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    for ch in value:
        if ch.isdigit() or ch == ".":
            number += ch
        elif ch in units and number:
            total += float(number) * units[ch]
            number = ""
        else:
            raise ValueError(f"{text!r} is not a duration like 90m, 1h or 2d")
    if number:
        raise ValueError(f"{text!r} is not a duration like 90m, 1h or 2d")
    return timedelta(seconds=total)


#: (path, offset, length) of a block of findings in a spool file.
Segment = tuple[str, int, int]

#: Spool files this process appends findings to, by (folder, severity).
_SPOOLS: dict[tuple[str, str, int], BinaryIO] = {}


def _spool_file(folder: str, severity: str) -> BinaryIO:
    key = (folder, severity, os.getpid())  # a forked worker must not share its parent's file
    handle = _SPOOLS.get(key)
    if handle is None:
        path = os.path.join(folder, f"findings-{os.getpid()}-{severity}.jsonl")
        # unbuffered: a pool worker may end without flushing, and each block is one write
        handle = _SPOOLS[key] = open(path, "ab", buffering=0)  # noqa: SIM115
    return handle


@dataclass
class EncodedFindings:
    """One capture's findings as JSON text, one block of lines per severity, with their counts.

    A worker serialises them; with a spool folder it also appends each block to a file of its
    own and sends only where the block is (``segments``), so the text never goes through the
    pipe to the parent, which then writes the report by copying the blocks.
    """

    blocks: dict[str, str]
    counts: dict[str, int]
    rules: dict[tuple[str, str], int]
    segments: dict[str, Segment] = field(default_factory=dict)

    @classmethod
    def of(cls, findings: Iterable[dict[str, Any]], spool: str | None = None) -> EncodedFindings:
        """Serialise findings as they come; with ``spool``, straight into this process's
        spool files there (see ``spool``), so that a capture with many findings never holds
        them all."""
        if spool is None:
            lines: dict[str, list[str]] = {}
            rules: Counter[tuple[str, str]] = Counter()
            for f in findings:
                lines.setdefault(f["severity"], []).append(json_compact(f) + "\n")
                rules[(f["severity"], f["rule"])] += 1
            return cls(
                {severity: "".join(texts) for severity, texts in lines.items()},
                {severity: len(texts) for severity, texts in lines.items()},
                dict(rules),
            )
        writer = _SegmentWriter(spool)
        for f in findings:
            writer.add(f)
        return writer.finish()

    def spool(self, folder: str) -> EncodedFindings:
        """Move the blocks to this process's spool files in ``folder``."""
        writer = _SegmentWriter(folder)
        for severity, block in self.blocks.items():
            # a lone surrogate (a file name that is not UTF-8) becomes its JSON escape
            writer.write(severity, block.encode("utf-8", "backslashreplace"))
        return EncodedFindings({}, self.counts, self.rules, {**self.segments, **writer.segments})


class _SegmentWriter:
    """Findings of one capture appended to the spool files of this process, a block of lines
    at a time; each severity's lines stay one segment, since one process writes one capture at
    a time."""

    #: Bytes of a severity gathered before a write.
    BLOCK = 1 << 16

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.pending: dict[str, list[bytes]] = {}
        self.sizes: Counter[str] = Counter()
        self.segments: dict[str, Segment] = {}
        self.counts: Counter[str] = Counter()
        self.rules: Counter[tuple[str, str]] = Counter()

    def add(self, finding: dict[str, Any]) -> None:
        severity = finding["severity"]
        # a lone surrogate (a file name that is not UTF-8) becomes its JSON escape
        data = (json_compact(finding) + "\n").encode("utf-8", "backslashreplace")
        self.pending.setdefault(severity, []).append(data)
        self.sizes[severity] += len(data)
        self.counts[severity] += 1
        self.rules[(severity, finding["rule"])] += 1
        if self.sizes[severity] >= self.BLOCK:
            self._flush(severity)

    def _flush(self, severity: str) -> None:
        self.sizes[severity] = 0
        self.write(severity, b"".join(self.pending.pop(severity, [])))

    def write(self, severity: str, data: bytes) -> None:
        """Append lines of one severity, extending its segment."""
        if not data:
            return
        handle = _spool_file(self.folder, severity)
        offset = handle.tell()
        handle.write(data)
        path, start, length = self.segments.get(severity, (handle.name, offset, 0))
        self.segments[severity] = (path, start, length + len(data))

    def finish(self) -> EncodedFindings:
        for severity in list(self.pending):
            self._flush(severity)
        return EncodedFindings({}, dict(self.counts), dict(self.rules), self.segments)


class FindingStore:
    """Findings of a whole run, kept in spool files by severity so memory stays flat.

    Iterating yields them most severe first, in the order they were added within a severity.
    Workers append to their own files in ``spool`` (see ``EncodedFindings.spool``); the store
    keeps where each block is.
    """

    def __init__(self) -> None:
        self.spool = tempfile.mkdtemp(prefix="netnorm-findings-")
        self._segments: dict[str, list[Segment]] = {s: [] for s in SEVERITY_ORDER}
        #: findings over captures, which come after those of the captures in each severity
        self._late: dict[str, list[Segment]] = {s: [] for s in SEVERITY_ORDER}
        self._readers: dict[str, BinaryIO] = {}
        self.counts: Counter[str] = Counter()
        self.rules: Counter[tuple[str, str]] = Counter()

    def add(self, findings: list[dict[str, Any]]) -> None:
        self.add_encoded(EncodedFindings.of(findings))

    def add_late(self, findings: list[dict[str, Any]]) -> None:
        """Add findings over captures (``Fleet.closed``): each severity lists them after the
        findings of the captures, however the two were interleaved as the run went."""
        self.add_encoded(EncodedFindings.of(findings), late=True)

    def add_encoded(self, encoded: EncodedFindings, late: bool = False) -> None:
        """Add findings serialised by a worker (or here), in their blocks or spool files."""
        if encoded.blocks:
            encoded = encoded.spool(self.spool)
        segments = self._late if late else self._segments
        for severity, segment in encoded.segments.items():
            segments[severity].append(segment)
        self.counts.update(encoded.counts)
        self.rules.update(encoded.rules)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.iter()

    def iter(self, skip: tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
        for line in self.lines(skip):
            yield json.loads(line)

    def blocks(self, skip: tuple[str, ...] = ()) -> Iterator[str]:
        """The findings as blocks of JSON lines (each line ends in ``\\n``), most severe first."""
        for severity, segments in self._segments.items():
            if severity in skip:
                continue
            for path, offset, length in (*segments, *self._late[severity]):
                reader = self._readers.get(path)
                if reader is None:
                    reader = self._readers[path] = open(path, "rb")  # noqa: SIM115
                reader.seek(offset)
                yield reader.read(length).decode("utf-8")

    def lines(self, skip: tuple[str, ...] = ()) -> Iterator[str]:
        """The findings as JSON text, one per item, most severe first."""
        for block in self.blocks(skip):
            yield from block[:-1].split("\n")

    def close(self) -> None:
        for handle in self._readers.values():
            handle.close()
        for key in [k for k in _SPOOLS if k[0] == self.spool]:
            _SPOOLS.pop(key).close()
        shutil.rmtree(self.spool, ignore_errors=True)
