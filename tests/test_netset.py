"""Network sets: membership by bisect over merged ranges, list files, and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netnorm.analysis.netset import NetworkSet, parse_network
from netnorm.cli import app
from tests.conftest import SAMPLES


def test_membership_merges_and_both_families() -> None:
    nets = NetworkSet(["10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "192.0.2.7", "2001:db8::/32"])
    assert nets.size == 5
    assert "10.0.1.255" in nets and "10.0.0.5" in nets and "10.0.2.0" not in nets
    assert "192.0.2.7" in nets and "192.0.2.8" not in nets
    assert "2001:db8:ffff::1" in nets and "2001:db9::1" not in nets
    assert "::ffff:10.0.0.9" in nets  # an IPv4-mapped address counts as its IPv4
    assert "not an address" not in nets


@pytest.mark.parametrize("text", ["10.0.0.0/33", "10.0.0.300", "host.example", "::1/129"])
def test_bad_networks_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_network(text)


def test_internal_file_makes_public_ranges_internal(run: CliRunner, tmp_path: Path) -> None:
    listed = tmp_path / "ours.txt"
    listed.write_text("# our public ranges\n140.82.112.0/20\n\n151.101.0.0/16  # CDN\n")
    path = str(SAMPLES / "linux" / "anp--internal-public-range.txt")
    result = run.invoke(app, ["analyze", "-f", "json", "--internal-file", str(listed), path])
    report = json.loads(result.stdout)
    outside = [c for c in report["captures"][0]["connections"] if c["reach"] == "external"]
    assert all(c["remote"]["address"] == "8.8.8.8" for c in outside)
    listed.write_text("140.82.112.0/20\n140.82.112.0/40\n")
    result = run.invoke(app, ["analyze", "--internal-file", str(listed), path])
    assert result.exit_code == 2
    assert f"internal network list: '140.82.112.0/40' has a bad prefix length ({listed}:2)" in (
        result.stderr
    )
