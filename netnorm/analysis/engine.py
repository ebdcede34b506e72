"""Run the analysis over captures: set scope, reach and direction, apply the rules, count.

A capture is analysed in two passes over its rows (``CaptureAnalysis``), because a row's reach
and direction depend on the rest of the capture: a peer is this machine when the capture has
the peer's address as a local address, and a connection was accepted when the capture listens
on its local port. The first pass (``scan``) keeps only those sets of the capture (its own
addresses, its listening ports, its newest socket creation times); the second (``add``)
annotates each row, gives it to the rules and to the fleet facts, and forgets it. Between the
two, the CLI keeps the rows in a spool file (``netnorm.analysis.batch``), so memory holds what
the rules and the report keep, not the rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from netnorm.analysis.audit import CaptureFacts, FactsBuilder, Fleet, parse_duration
from netnorm.analysis.direction import EPHEMERAL, direction, listening
from netnorm.analysis.rules import RULES, SEVERITY_ORDER, Context, moment
from netnorm.analysis.scopes import Classifier
from netnorm.model.enums import Reach, Scope

if TYPE_CHECKING:
    from netnorm.analysis.config import Settings

Conn = dict[str, Any]


#: The text of each scope and reach (an enum's ``value`` is a property: slower than this).
_VALUE: dict[Scope | Reach, str] = {member: member.value for member in (*Scope, *Reach)}


class CaptureAnalysis:
    """One capture, analysed in two passes: ``scan`` every row, ``start`` with the capture's
    fields, ``add`` every row again (in the same order), then take its ``findings`` and its
    ``facts``.

    Args:
        classifier: the run's address classifier.
        config: the run's settings.
    """

    def __init__(self, classifier: Classifier, config: Settings) -> None:
        self.classifier = classifier
        self.config = config
        self.own: set[str] = set()
        self.listened: set[tuple[str, int | None]] = set()
        self.newest_aware: datetime | None = None
        self.newest_naive: datetime | None = None

    def scan(self, rows: Iterable[Conn]) -> None:
        """The first pass: the capture's own addresses, listening ports and newest socket
        creation times."""
        scope = self.classifier.scope
        own, listened = self.own, self.listened
        unspecified = Scope.UNSPECIFIED
        for row in rows:
            local = row["local"]
            address = local["address"]
            if address is not None and address not in own and scope(local) is not unspecified:
                own.add(address)
            if listening(row) and local["port"] is not None:
                listened.add((row["protocol"], local["port"]))
            if row["created_at"] is not None:
                self._created(row["created_at"])

    def _created(self, text: Any) -> None:
        created = moment(text)
        if created is None:
            return
        if created.tzinfo is not None:
            if self.newest_aware is None or created > self.newest_aware:
                self.newest_aware = created
        elif self.newest_naive is None or created > self.newest_naive:
            self.newest_naive = created

    def start(self, capture: dict[str, Any]) -> None:
        """Begin the second pass: ``capture`` has every field but its connections (which it
        may have or not; they are not read)."""
        self.ctx = Context(capture, self.config, self.newest_aware, self.newest_naive)
        self.rules = [rule(self.ctx) for rule in RULES]
        self.adders = [rule.add for rule in self.rules if rule.looks_at_rows]
        self.facts_builder = FactsBuilder(capture, self.ctx)
        self.own_addresses = frozenset(self.own)
        self.low, self.high = EPHEMERAL.get(capture["platform"], (49152, 65535))

    def add(self, conn: Conn) -> Conn:
        """Annotate one row of the second pass (``scope``, ``reach``, ``direction``), in
        place, and give it to the rules. Endpoint dicts may be shared between rows, so the row
        gets copies of its own."""
        classifier = self.classifier
        local, remote = conn["local"], conn["remote"]
        local_scope = classifier.scope(local)
        remote_scope = classifier.scope(remote)
        conn["local"] = {**local, "scope": _VALUE[local_scope]}
        conn["remote"] = remote = {**remote, "scope": _VALUE[remote_scope]}
        conn["reach"] = _VALUE[
            classifier.reach(conn["state"], remote, remote_scope, self.own_addresses)
        ]
        conn["direction"] = direction(conn, self.listened, self.low, self.high)
        for add in self.adders:
            add(conn)
        self.facts_builder.add(conn)
        return conn

    def findings(self) -> Iterator[dict[str, Any]]:
        """The capture's findings, in rule order, once every row was added."""
        for rule in self.rules:
            yield from rule.findings()

    def facts(self, severities: dict[str, int]) -> CaptureFacts:
        """What the fleet view keeps of the capture, with its findings counted by severity."""
        return self.facts_builder.finish(severities)


def sort_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Most severe first, then by source, capture and first line."""
    return sorted(
        findings,
        key=lambda f: (
            SEVERITY_ORDER[f["severity"]],
            f["source"],
            f["capture"],
            f["lines"][:1],
        ),
    )


def summarize_fleet(fleet: Fleet, severities: Counter[str]) -> dict[str, Any]:
    """Counts for the report's ``summary``, from the fleet aggregates and findings by severity."""
    hosts = fleet.hosts.values()
    return {
        "captures": sum(h["captures"] for h in hosts),
        "hosts": len(fleet.hosts),
        "connections": sum(h["connections"] for h in hosts),
        "reach": {r.value: fleet.reach.get(r.value, 0) for r in Reach},
        "findings": {s: severities.get(s, 0) for s in SEVERITY_ORDER},
    }


def analyze_capture(
    capture: dict[str, Any], classifier: Classifier, config: Settings
) -> tuple[list[dict[str, Any]], CaptureFacts]:
    """Annotate one capture held whole (its connections in place), run the rules, and reduce
    it to what the fleet view keeps."""
    analysis = CaptureAnalysis(classifier, config)
    conns = capture["connections"]
    analysis.scan(conns)
    analysis.start(capture)
    for conn in conns:
        analysis.add(conn)
    findings = list(analysis.findings())
    return findings, analysis.facts(Counter(f["severity"] for f in findings))


def analyze_dicts(captures: Iterable[dict[str, Any]], config: Settings) -> dict[str, Any]:
    """Analyse capture dicts (as ``CaptureState.as_dict`` builds them) into a report dict."""
    classifier = Classifier(config.internal, config.internal_files)
    fleet = Fleet()
    done = []
    findings: list[dict[str, Any]] = []
    for capture in captures:
        found, facts = analyze_capture(capture, classifier, config)
        fleet.add(facts)
        findings.extend(found)
        done.append(capture)
    persistent = fleet.persistent(parse_duration(config.thresholds.persist_min))
    findings = sort_findings(findings + persistent)
    return {
        "captures": done,
        "findings": findings,
        "summary": summarize_fleet(fleet, Counter(f["severity"] for f in findings)),
        "fleet": fleet.view(),
    }
