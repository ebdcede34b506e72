"""Golden samples: every capture in tests/samples parses exactly to its reviewed JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netnorm.decode import open_lines
from tests.conftest import sample_files, sample_id
from tests.goldens import golden_path, render

SAMPLES = sample_files()


def test_there_are_enough_samples() -> None:
    assert len(SAMPLES) >= 20
    assert {p.parent.name for p in SAMPLES} >= {"linux", "windows"}


@pytest.mark.parametrize("path", SAMPLES, ids=sample_id)
def test_sample_matches_golden(path: Path) -> None:
    golden = golden_path(path)
    assert golden.exists(), f"no golden for {path.name}: run python -m tests.goldens and review it"
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert render(path) == expected


@pytest.mark.parametrize("path", SAMPLES, ids=sample_id)
def test_every_row_line_becomes_a_record(path: Path) -> None:
    """Lines that look like rows (they start with a protocol token) are never lost."""
    data = render(path)
    with path.open("rb") as stream:
        _, numbered = open_lines(stream, path.name)
        lines = [text for _, text in numbered]
    row_lines = {
        i
        for i, line in enumerate(lines, 1)
        if line.split()[:1]
        and line.split()[0] in {"tcp", "tcp6", "udp", "udp6", "udpl", "raw", "raw6", "TCP", "UDP"}
    }
    unix_lines = {i for i, line in enumerate(lines, 1) if line.startswith("unix ")}
    got_rows = {c["line"] for cap in data["captures"] for c in cap["connections"]}
    got_unix = {u["line"] for cap in data["captures"] for u in cap["unix_sockets"]}
    assert got_rows == row_lines
    assert got_unix == unix_lines
