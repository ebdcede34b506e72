"""Run the analysis over captures: set scope and reach, apply the rules, count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from netnorm.analysis.audit import CaptureFacts, Fleet, facts_of, parse_duration
from netnorm.analysis.direction import set_directions
from netnorm.analysis.rules import RULES, SEVERITY_ORDER, Context
from netnorm.analysis.scopes import Classifier
from netnorm.model.enums import Reach, Scope

if TYPE_CHECKING:
    from netnorm.analysis.config import Settings


def annotate(capture: dict[str, Any], classifier: Classifier) -> None:
    """Set ``local.scope``, ``remote.scope``, ``reach`` and ``direction`` on every connection
    of a capture.

    Endpoint dicts from the parser are shared between rows, so each row gets its own copies.
    """
    conns = capture["connections"]
    scoped = []
    own: set[str] = set()
    for conn in conns:
        local_scope = classifier.scope(conn["local"])
        remote_scope = classifier.scope(conn["remote"])
        scoped.append((local_scope, remote_scope))
        address = conn["local"]["address"]
        if address is not None and local_scope is not Scope.UNSPECIFIED:
            own.add(address)
    own_addresses = frozenset(own)
    for conn, (local_scope, remote_scope) in zip(conns, scoped, strict=True):
        conn["local"] = {**conn["local"], "scope": local_scope.value}
        conn["remote"] = {**conn["remote"], "scope": remote_scope.value}
        conn["reach"] = classifier.reach(
            conn["state"], conn["remote"], remote_scope, own_addresses
        ).value
    set_directions(capture)


def findings_for(capture: dict[str, Any], config: Settings) -> list[dict[str, Any]]:
    """Every rule's findings for one annotated capture."""
    ctx = Context(capture, config)
    return [finding for rule in RULES for finding in rule(ctx)]


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
    """Annotate one capture, run the rules, and reduce it to what the fleet view keeps."""
    annotate(capture, classifier)
    findings = findings_for(capture, config)
    allowed = partial(Context(capture, config).allowed, "persistent-external")
    return findings, facts_of(capture, findings, allowed)


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
