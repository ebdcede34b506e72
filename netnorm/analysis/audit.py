"""Fleet audits: many captures of many hosts over time.

Each capture is analysed on its own (``engine``), then reduced to small aggregates: the outside
endpoints it saw, its listeners, and the keys of its established outside connections. Memory
therefore grows with the number of distinct endpoints and hosts, not with the number of rows.
Over the aggregates netnorm stacks what the fleet saw, rarest first (the "stacking" method of
incident responders), and finds connections that stay established across timed captures
(``persistent-external``).
"""

from __future__ import annotations

import ipaddress
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from netnorm.analysis.rules import SEVERITY_ORDER, endpoint_text, owner_text

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
    external: list[tuple[str, str, str | None]]  # (ip:port, network, process)
    listeners: list[tuple[str, int | None, str | None]]  # (protocol, port, process)
    established: dict[tuple[Any, ...], dict[str, Any]]  # key -> description
    findings: Counter[str] = field(default_factory=Counter)

    @property
    def label(self) -> str:
        return self.host or f"<{self.source}>"


def _network(address: str) -> str:
    ip = ipaddress.ip_address(address)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def facts_of(capture: dict[str, Any], findings: list[dict[str, Any]]) -> CaptureFacts:
    """Reduce an analysed capture to its ``CaptureFacts``."""
    external = []
    listeners = []
    established: dict[tuple[Any, ...], dict[str, Any]] = {}
    for conn in capture["connections"]:
        reach = conn["reach"]
        if reach == "external":
            address = conn["remote"]["address"]
            external.append((endpoint_text(conn["remote"]), _network(address), conn["process"]))
            if conn["state"] == "ESTABLISHED":
                key = (
                    conn["protocol"],
                    endpoint_text(conn["local"]),
                    endpoint_text(conn["remote"]),
                    conn["pid"],
                )
                established[key] = {
                    "protocol": conn["protocol"],
                    "local": endpoint_text(conn["local"]),
                    "remote": endpoint_text(conn["remote"]),
                    "pid": conn["pid"],
                    "process": conn["process"],
                    "owner": owner_text(conn),
                    "line": conn["line"],
                }
        elif conn["state"] == "LISTEN":
            listeners.append((conn["protocol"], conn["local"]["port"], conn["process"]))
    time = capture.get("captured_at")
    return CaptureFacts(
        source=capture["source"],
        index=capture["index"],
        host=capture["host"],
        time=datetime.fromisoformat(time) if isinstance(time, str) else time,
        connections=len(capture["connections"]),
        reach=Counter(c["reach"] for c in capture["connections"]),
        external=external,
        listeners=listeners,
        established=established,
        findings=Counter(f["severity"] for f in findings),
    )


@dataclass
class _Stack:
    hosts: set[str] = field(default_factory=set)
    processes: set[str] = field(default_factory=set)
    connections: int = 0


class Fleet:
    """Aggregates over every capture of a run."""

    def __init__(self) -> None:
        self.endpoints: dict[str, _Stack] = defaultdict(_Stack)
        self.networks: dict[str, _Stack] = defaultdict(_Stack)
        self.listeners: dict[tuple[str, int | None, str | None], _Stack] = defaultdict(_Stack)
        self.hosts: dict[str, dict[str, Any]] = {}
        self.series: dict[str, list[CaptureFacts]] = defaultdict(list)
        self.reach: Counter[str] = Counter()

    def add(self, facts: CaptureFacts) -> None:
        """Fold one capture in; its rows are not kept."""
        label = facts.label
        for endpoint, network, process in facts.external:
            for stack in (self.endpoints[endpoint], self.networks[network]):
                stack.hosts.add(label)
                stack.connections += 1
                if process:
                    stack.processes.add(process)
        for protocol, port, process in set(facts.listeners):
            self.listeners[(protocol, port, process)].hosts.add(label)
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
        host["external"] += len(facts.external)
        for severity, count in facts.findings.items():
            host["findings"][severity] += count
        facts.external = []  # keep only what persistence needs
        facts.listeners = []
        self.series[label].append(facts)

    def count_findings(self, findings: list[dict[str, Any]]) -> None:
        """Add findings made after the captures were folded in (persistent-external)."""
        for f in findings:
            label = f["host"] or f"<{f['source']}>"
            if label in self.hosts:
                self.hosts[label]["findings"][f["severity"]] += 1

    def view(self) -> dict[str, Any]:
        """The ``fleet`` part of the report: stacks rarest first, and one line per host."""

        def stack_rows(items: dict[Any, _Stack], name: str) -> list[dict[str, Any]]:
            rows = [
                {
                    name: key,
                    "hosts": len(s.hosts),
                    "host_names": sorted(s.hosts)[:HOSTS_SHOWN],
                    "processes": sorted(s.processes),
                    "connections": s.connections,
                }
                for key, s in items.items()
            ]
            return sorted(rows, key=lambda r: (r["hosts"], r["connections"], str(r[name])))

        listeners = [
            {
                "protocol": protocol,
                "port": port,
                "process": process,
                "hosts": len(s.hosts),
                "host_names": sorted(s.hosts)[:HOSTS_SHOWN],
            }
            for (protocol, port, process), s in self.listeners.items()
        ]
        listeners.sort(
            key=lambda r: (r["hosts"], r["protocol"], r["port"] or 0, r["process"] or "")
        )
        return {
            "external_endpoints": stack_rows(self.endpoints, "endpoint"),
            "external_networks": stack_rows(self.networks, "network"),
            "listeners": listeners,
            "hosts": [self.hosts[h] for h in sorted(self.hosts)],
        }

    def persistent(self, persist_min: timedelta) -> list[dict[str, Any]]:
        """``persistent-external``: the same outside connection ESTABLISHED across captures.

        Per host, captures are taken in time order; a capture of that host without the
        connection ends its run. A run of two or more captures spanning ``persist_min`` is a
        finding. Captures without a time cannot be ordered and are left out.
        """
        findings = []
        for label, captures in self.series.items():
            timed = sorted(
                (c for c in captures if c.time is not None),
                key=lambda c: c.time or datetime.min,
            )
            runs: dict[tuple[Any, ...], list[CaptureFacts]] = {}
            for facts in timed:
                for key in list(runs):
                    if key not in facts.established:
                        findings += _persisted(label, runs.pop(key), key, persist_min)
                for key in facts.established:
                    runs.setdefault(key, []).append(facts)
            for key, run in runs.items():
                findings += _persisted(label, run, key, persist_min)
        return findings


def _persisted(
    label: str, run: list[CaptureFacts], key: tuple[Any, ...], persist_min: timedelta
) -> list[dict[str, Any]]:
    first, last = run[0], run[-1]
    assert first.time is not None and last.time is not None
    if len(run) < 2 or last.time - first.time < persist_min:
        return []
    seen = last.established[key]
    span = last.time - first.time
    return [
        {
            "rule": "persistent-external",
            "severity": "medium",
            "message": (
                f"On {label}, {seen['owner']} kept {seen['protocol']} {seen['local']} -> "
                f"{seen['remote']} ESTABLISHED in {len(run)} captures over {_duration(span)} "
                f"(first seen {first.time.isoformat()}, last seen {last.time.isoformat()}). "
                "A long-lived connection to an outside address is how remote-control tools and "
                "data theft look; it is also how chat clients and VPNs look. Check that the "
                "program and the destination are expected."
            ),
            "source": last.source,
            "host": last.host,
            "capture": last.index,
            "lines": [seen["line"]],
            "evidence": {
                "host": label,
                "remote": seen["remote"],
                "local": seen["local"],
                "protocol": seen["protocol"],
                "pid": seen["pid"],
                "process": seen["process"],
                "first_seen": first.time.isoformat(),
                "last_seen": last.time.isoformat(),
                "captures": len(run),
                "seen_in": [f"{c.source}#{c.index}" for c in run],
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
