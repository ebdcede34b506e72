"""Each rule on samples that fire it, and near misses that must not (see samples/RULES.md)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import netnorm
from netnorm.analysis.rules import RULE_IDS
from netnorm.cli import app
from tests.conftest import SAMPLES, sample_files, sample_id

# file -> rule -> the `lines` of each finding, in report order; rules not named give nothing
EXPECTED: dict[str, dict[str, list[list[int]]]] = {
    "linux/anp--unowned-listener.txt": {
        "unowned-listener": [[4], [5]],
        "exposed-listener": [[3, 9], [4]],
    },
    "linux/anp--inbound-source-ports.txt": {
        "suspicious-port": [[8]],
        "external-established": [[5, 6], [9]],
        "exposed-listener": [[4], [3, 10]],
    },
    "windows/b--elevation.txt": {"incomplete-capture": [[1]]},
    "powershell/tcp-list--long-lived.txt": {
        "persistent-external": [[2]],
        "external-established": [[2, 12]],
    },
    "linux/npt--syn-flood.txt": {
        "syn-flood": [
            [
                3,
                4,
                5,
                7,
                8,
                9,
                10,
                11,
                12,
                13,
                14,
                17,
                18,
                19,
                20,
                21,
                22,
                23,
                24,
                25,
                27,
                28,
                29,
                33,
            ]
        ],
        "external-established": [[6, 15, 26, 34]],
    },
    "linux/npt--syn-near-miss.txt": {
        "syn-received": [[3, 6, 9, 10, 11, 15]],
        # RULES.md lists line 8, a loopback row; line 13 is the fourth outside connection
        "external-established": [[4, 5, 12, 13]],
    },
    "linux/npt--hidden-owner.txt": {
        "unowned-external": [[6]],
        "shell-external": [[13]],
        "external-established": [[4], [6], [7]],
    },
    "linux/nt--no-owner-column.txt": {
        "external-established": [[4, 5, 10, 12]],
    },
    "linux/anp--close-wait-leak.txt": {
        "close-wait-buildup": [[7, 9, 11, 13, 15, 16, 17, 18, 21, 22, 23, 26]],
        "exposed-listener": [[3, 27], [29], [28]],
    },
    "linux/anp--backdoor.txt": {
        "suspicious-port": [[5], [8]],
        "shell-external": [[8], [10]],
        "exposed-listener": [[3, 12], [5]],
        "external-established": [[8], [9], [10]],
    },
    "linux/anp--internal-public-range.txt": {
        "exposed-listener": [[3, 11]],
        "external-established": [[9], [10]],
    },
    "windows/ano--syn-flood.txt": {
        "syn-flood": [
            [13, 14, 15, 16, 17, 18, 19, 23, 24, 25, 26, 27, 28, 29, 31, 32, 33, 34, 35, 37, 38, 39]
        ],
        "external-established": [[20, 22, 30, 41]],
        "exposed-listener": [[5, 45], [6, 46], [7, 47], [8, 48], [9, 49], [10], [11], [12]],
    },
    "windows/anob--hidden-owner.txt": {
        "unowned-external": [[28]],
        "external-established": [[28], [30], [33, 36]],
        "exposed-listener": [[5, 38], [8, 41], [10], [13], [16, 43]],
    },
    "windows/ano--backdoor.txt": {
        "suspicious-port": [[7], [12]],
        "exposed-listener": [[5, 17], [6, 18], [7], [8], [9]],
        "external-established": [[12], [13], [14]],
    },
    "windows/ano--close-wait-leak.txt": {
        "close-wait-buildup": [[13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]],
        "exposed-listener": [[5, 26], [6, 27], [7, 28], [8]],
        "external-established": [[11], [24]],
    },
}


def _findings(name: str, internal: list[str] | None = None) -> dict[str, list[list[int]]]:
    report = netnorm.analyze(SAMPLES / name, internal=internal)
    got: dict[str, list[list[int]]] = defaultdict(list)
    for finding in report.findings:
        got[finding.rule].append(finding.lines)
    return {rule: sorted(lines) for rule, lines in got.items()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rules_fire_exactly(name: str) -> None:
    expected = {rule: sorted(lines) for rule, lines in EXPECTED[name].items()}
    assert _findings(name) == expected


def test_every_rule_is_covered() -> None:
    covered = {rule for rules in EXPECTED.values() for rule in rules}
    # ioc-match needs a list (below); listener-change several captures (test_audit.py)
    assert covered | {"ioc-match", "listener-change"} == set(RULE_IDS)


def test_ioc_match_on_the_lists(tmp_path: Path, run: CliRunner) -> None:
    """ioc-match (high) for a remote address in a list; a bad line names its file and line."""
    from netnorm.cli import app

    lists = tmp_path / "ioc.txt"
    lists.write_text("# Tor exits seen in the incident\n185.220.101.0/24\n\n2001:db8::/32\n")
    path = str(SAMPLES / "linux" / "anp--backdoor.txt")
    result = run.invoke(app, ["analyze", "-f", "json", "--ioc", str(lists), path])
    found = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "ioc-match"]
    assert [(f["severity"], f["lines"], f["evidence"]["remote"]) for f in found] == [
        ("high", [8], "185.220.101.4:4444")
    ]
    assert json.loads(result.stdout)["findings"][0]["rule"] == "ioc-match"  # most severe
    bad = tmp_path / "bad.txt"
    bad.write_text("10.0.0.0/8\n10.0.0.300\n")
    result = run.invoke(app, ["analyze", "--ioc", str(bad), path])
    assert result.exit_code == 2
    assert f"Error: IOC list: '10.0.0.300' is not an IP address or network ({bad}:2)" in (
        result.stderr
    )


def test_internal_network_removes_the_outside_finding() -> None:
    got = _findings("linux/anp--internal-public-range.txt", ["140.82.112.0/20"])
    assert got["external-established"] == [[10]]


def test_reach_of_every_row() -> None:
    report = netnorm.analyze(SAMPLES / "linux/anp--internal-public-range.txt")
    reach = {c.line: c.reach.value for c in report.captures[0].connections if c.reach}
    assert {line for line, r in reach.items() if r == "none"} == {3, 4, 11, 12, 15, 17}
    assert {line for line, r in reach.items() if r == "internal"} == {5, 6, 7, 8, 18}
    assert {line for line, r in reach.items() if r == "external"} == {9, 10, 16}
    assert {line for line, r in reach.items() if r == "self"} == {13, 14}


def test_hidden_owner_message_without_non_root_warning() -> None:
    report = netnorm.analyze(SAMPLES / "linux/npt--hidden-owner.txt")
    (finding,) = [f for f in report.findings if f.rule == "unowned-external"]
    assert finding.severity.value == "medium"
    assert "not run as root" not in finding.message
    assert "91.234.36.17:443" in finding.message


def test_non_root_capture_says_so() -> None:
    text = (SAMPLES / "linux/npt--nonroot.txt").read_text(encoding="utf-8")
    # make the other user's socket an outside one
    text = text.replace(
        "192.168.1.10:51422      ESTABLISHED -", "91.234.36.17:51422      ESTABLISHED -"
    )
    report = netnorm.analyze(text)
    hidden = [f for f in report.findings if f.rule == "unowned-external"]
    assert hidden and all("not run as root" in f.message for f in hidden)


def test_windows_flood_message_has_no_linux_note() -> None:
    report = netnorm.analyze(SAMPLES / "windows/ano--syn-flood.txt")
    (flood,) = [f for f in report.findings if f.rule == "syn-flood"]
    assert "Linux" not in flood.message
    assert flood.evidence["local"] == "10.0.0.20:80" and flood.evidence["sources"] == 22


def test_allowlist_silences_a_known_process() -> None:
    from netnorm.analysis.config_model import Allow, Config

    config = Config(allow=[Allow(process="bash", rules=["suspicious-port"])])
    report = netnorm.analyze(SAMPLES / "linux/anp--backdoor.txt", config=config)
    ports = [f.lines for f in report.findings if f.rule == "suspicious-port"]
    assert ports == [[5]]  # the listener stays; bash's connection to :4444 is allowed


@pytest.mark.parametrize("path", sample_files(), ids=sample_id)
def test_the_library_and_the_command_line_agree(run: CliRunner, path: Path) -> None:
    """``netnorm.analyze`` holds each capture whole; the command line reads it in two passes
    with its rows spooled: the same scopes, reaches, directions and findings."""
    try:
        report = netnorm.analyze(path).model_dump(mode="json")
    except netnorm.NetnormError:
        pytest.skip("no capture")
    done = run.invoke(app, ["analyze", "-f", "json", "-j", "1", str(path)])
    cli = json.loads(done.stdout)
    assert [c["connections"] for c in cli["captures"]] == [
        c["connections"] for c in report["captures"]
    ]

    def found(findings: list[dict[str, Any]]) -> list[tuple[str, list[int]]]:
        # the command line times a capture by its file, which the rules over time need
        over_time = ("persistent-external", "listener-change")
        found = [(f["rule"], f["lines"]) for f in findings if f["rule"] not in over_time]
        return sorted(found)  # the library sorts by line within a severity, the CLI does not

    assert found(cli["findings"]) == found(report["findings"])
