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


_NETSTAT = {"tcp", "tcp6", "udp", "udp6", "udpl", "raw", "raw6", "TCP", "UDP"}
_BSD = {"tcp4", "tcp6", "tcp46", "udp4", "udp6", "udp46", "icm4", "icm6"}
_SS = {"tcp", "udp", "raw", "sctp", "mptcp", "icmp6", "LISTEN", "ESTAB", "UNCONN"}
_SS |= {"SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSE-WAIT"}
_SS |= {"LAST-ACK", "CLOSING"}


def _powershell_row(words: list[str], previous: str) -> bool:
    """A table row (an address, then a port), a CSV row (a quoted first field that is not a
    title), the first line of a list block (after a blank line), or the first property of a
    JSON object (after its brace)."""
    first = words[0]
    address = first.removesuffix("…").removesuffix("...")
    if set(address) <= set("0123456789abcdefABCDEF:.%") and set(address) & set(":."):
        return len(words) > 1 and words[1].isdigit()
    if first.startswith('"') and "," in first and not previous.startswith(" "):
        # CSV rows start at the margin, after the header or another row
        return not first.startswith(('"LocalAddress","', '"State","'))
    if len(words) > 1 and words[1] == ":":
        return not previous.strip()
    return first.startswith('"') and first.endswith('":') and previous.strip() == "{"


def _looks_like_row(kind: str, words: list[str], previous: str = "") -> bool:
    """Whether a line is a connection row, told by its words, independently of the parsers."""
    if not words:
        return False
    if kind == "freebsd" or kind == "macos":
        return bool(_BSD & set(words[:3]))  # -A puts one or two hex columns first
    if kind == "ss":
        return words[0] in _SS
    if kind == "lsof":
        return len(words) > 5 and words[4] in ("IPv4", "IPv6")
    if kind == "powershell":
        return _powershell_row(words, previous)
    return words[0] in _NETSTAT


@pytest.mark.parametrize("path", SAMPLES, ids=sample_id)
def test_every_row_line_becomes_a_record(path: Path) -> None:
    """Lines that look like rows (by their words) are never lost."""
    data = render(path)
    with path.open("rb") as stream:
        _, numbered = open_lines(stream, path.name)
        lines = [text for _, text in numbered]
    kind = path.parent.name
    row_lines = {
        i
        for i, line in enumerate(lines, 1)
        if _looks_like_row(kind, line.split(), lines[i - 2] if i > 1 else "")
    }
    unix_lines = {
        i
        for i, line in enumerate(lines, 1)
        if line.startswith(("unix ", "u_str", "u_dgr", "u_seq"))
    }
    got_rows = {c["line"] for cap in data["captures"] for c in cap["connections"]}
    got_unix = {u["line"] for cap in data["captures"] for u in cap["unix_sockets"]}
    assert got_rows == row_lines
    assert got_unix == unix_lines
