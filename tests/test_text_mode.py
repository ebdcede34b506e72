"""The reader's text mode (``Reader(text=True)``) writes what the rows would have written.

For JSONL output, the rows of a Windows table are written as JSON text straight from their
fields. Everything a user sees must be the same as from the rows: the JSONL lines, the
diagnostics and the options inferred for each capture.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from netnorm.api import iter_items
from netnorm.model.enums import Platform
from netnorm.parsers import windows_netstat as win
from netnorm.parsers.endpoints import ipv4_endpoint, make_endpoint
from netnorm.parsers.stream import Event, Item
from tests.conftest import SAMPLES
from tests.hostile import jsonl_output

FILES = sorted(SAMPLES.rglob("*.txt"))
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "jc"


def _run(data: bytes | Path, text: bool) -> tuple[tuple[str, list[Any]], set[Any]]:
    """The JSONL text, diagnostics and captures (options and counters) of one input, and the
    item kinds seen (with the platform of their capture)."""
    source: Any = io.BytesIO(data) if isinstance(data, bytes) else data
    kinds: set[Any] = set()

    def recorded(items: Iterator[Item]) -> Iterator[Item]:
        for item in items:
            kinds.add((item[0], item[2].platform if item[2] is not None else None))
            yield item

    output = jsonl_output(recorded(iter_items(source, name="<test>", text=text)[1]), captures=True)
    return output, kinds


def _same(data: bytes | Path) -> tuple[set[Any], set[Any]]:
    """Check that both modes give the same output; return the kinds each saw."""
    rows, rows_kinds = _run(data, text=False)
    text, text_kinds = _run(data, text=True)
    assert text == rows
    assert not any(kind == Event.RENDERED for kind, _ in rows_kinds)
    return rows_kinds, text_kinds


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in FILES])
def test_every_sample_gives_the_rows_output(path: Path) -> None:
    rows_kinds, text_kinds = _same(path)
    if (Event.CONNECTION, Platform.WINDOWS) in rows_kinds:
        assert (Event.RENDERED, Platform.WINDOWS) in text_kinds  # the text mode was used


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/jc is not beside the project")
def test_every_corpus_capture_gives_the_rows_output() -> None:
    for path in sorted(CORPUS.glob("*.out")):
        _same(path)


# -- generated Windows input -----------------------------------------------------------------

_octet = st.sampled_from(
    ["0", "1", "9", "10", "99", "100", "172", "192", "249", "255", "256", "01"]
)
_ipv4 = st.lists(_octet, min_size=4, max_size=4).map(".".join)
_port = st.sampled_from(
    [
        "0",
        "1",
        "80",
        "443",
        "0443",
        "49712",
        "65535",
        "65536",
        "99999",
        "*",
    ]
)
_ipv6 = st.sampled_from(
    ["[::]", "[::1]", "[fe80::1%9]", "[2001:DB8::0:1]", "[::ffff:1.2.3.4]", "[zz]"]
)
_name = st.sampled_from(["localhost", "desk07", "*", "a.b.example"])
_address = st.one_of(_ipv4, _ipv6, _name)
_field = st.one_of(
    st.tuples(_address, _port).map(":".join),
    st.sampled_from(["*:*", "0.0.0.0:0", "[::]:0", "1.2.3.4", "1.2.3.4:http", "x"]),
)
_state = st.sampled_from(
    [
        "",
        "LISTENING",
        "ESTABLISHED",
        "TIME_WAIT",
        "BOUND",
        "ABHÖREN",
        "待ち受け中",
        "NEW STATE",
        "7",
    ]
)
_pid = st.sampled_from(["", "0", "4", "007", "1234", "99999999999999999999"])
_row = st.builds(
    lambda proto, local, remote, state, pid, gap: (
        f"  {proto}{gap}{local:<22} {remote:<22} {state:<15} {pid}".rstrip()
    ),
    st.sampled_from(["TCP", "UDP", "TCPv6", "UDPv6"]),
    _field,
    _field,
    _state,
    _pid,
    st.sampled_from(["    ", "\t", " "]),
)
_owner = st.sampled_from(
    [
        " [svchost.exe]",
        " [NVIDIA Web Helper.exe]",
        "  [alg.exe]",
        "  RpcSs",
        "  c:\\windows\\system32\\WS2_32.dll",
        " Can not obtain ownership information",
        " Impossible d’obtenir les informations de propriété",
        " []",
        " [",
        "",
        "   ",
    ]
)
_other = st.sampled_from(
    [
        "Active Connections",
        "  Proto  Local Address          Foreign Address        State           PID",
        "  Proto  Local Address          Foreign Address        State",
        "The requested operation requires elevation.",
        "C:\\Users\\admin>netstat -anob",
        "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      -",
        "garbage ] [",
    ]
)
_line = st.one_of(_row, _row, _row, _owner, _owner, _other)


@settings(max_examples=300, deadline=None)
@given(st.lists(_line, min_size=1, max_size=40), st.sampled_from(["\r\n", "\n"]))
def test_generated_windows_input_gives_the_rows_output(lines: list[str], newline: str) -> None:
    data = ("\r\nActive Connections\r\n\r\n" + newline.join(lines) + newline).encode("utf-8")
    _same(data)


@settings(max_examples=300, deadline=None)
@given(_row)
def test_a_row_matches_its_fields(line: str) -> None:
    """The split address and port of a field are there exactly when the field is canonical
    ``IPv4:port``, and they give that field's endpoint."""
    m = win.ROW.re.match(line)
    assume(m is not None)
    assert m is not None
    fields = m.groups()
    for whole, ip, port in (fields[1:4], fields[4:7]):
        assert (ip is not None) == (ipv4_endpoint(whole) is not None)
        if ip is not None:
            assert whole == f"{ip}:{port}"
            assert win.endpoint(whole) == (make_endpoint(ip, port, False), "ipv4")
