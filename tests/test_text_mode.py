"""The reader's text mode (``Reader(text=True)``) writes what the rows would have written.

For JSONL output, the rows of a Windows table are written as JSON text straight from their
fields. Everything a user sees must be the same as from the rows: the JSONL lines, the
diagnostics and the options inferred for each capture.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netnorm.api import iter_items
from netnorm.model.enums import Platform
from netnorm.parsers import windows_netstat as win
from netnorm.parsers.endpoints import split_ipv4_endpoint
from netnorm.parsers.stream import Event
from netnorm.render.records import JsonlWriter
from tests.conftest import SAMPLES

FILES = sorted(SAMPLES.rglob("*.txt"))
ENDPOINT = {
    "address": None,
    "port": None,
    "host": None,
    "service": None,
    "zone": None,
    "truncated": False,
    "scope": None,
}
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "jc"


def _run(data: bytes | Path, text: bool) -> tuple[str, list[dict[str, Any]], list[Any], set[Any]]:
    """The JSONL text, diagnostics and captures (options and counters) of one input, and the
    item kinds seen."""
    source: Any = io.BytesIO(data) if isinstance(data, bytes) else data
    out = io.StringIO()
    writer = JsonlWriter(out)
    diagnostics: list[dict[str, Any]] = []
    options: list[Any] = []
    kinds: set[Any] = set()
    try:
        for kind, payload, cap in iter_items(source, name="<test>", text=text)[1]:
            kinds.add((kind, cap.platform if cap is not None else None))
            if kind == Event.CONNECTION:
                writer.connections(payload, cap)
            elif kind == Event.RENDERED:
                writer.rendered(payload, cap)
            elif kind == Event.DIAGNOSTIC:
                diagnostics.append(payload)
            elif kind == Event.CAPTURE:
                options.append((payload.options(), dict(vars(payload))))
    except Exception as exc:
        diagnostics.append({"error": str(exc)})
    writer.flush()
    return out.getvalue(), diagnostics, options, kinds


def _same(data: bytes | Path) -> set[Any]:
    rows = _run(data, text=False)
    text = _run(data, text=True)
    assert text[:3] == rows[:3]
    assert not any(kind == Event.RENDERED for kind, _ in rows[3])
    return text[3]


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in FILES])
def test_every_sample_gives_the_rows_output(path: Path) -> None:
    kinds = _same(path)
    if (
        path.parent.name == "windows"
        and (Event.CONNECTION, Platform.WINDOWS) in _run(path, text=False)[3]
    ):
        assert (Event.RENDERED, Platform.WINDOWS) in kinds  # the text mode was used


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
    ``IPv4:port``; and a row is a row in both modes."""
    fields = win.match_row(line)
    row = win.parse_row(line, 1)
    assert (fields is None) == (row is None)
    if fields is None or row is None:
        return
    for whole, ip, port in (fields[1:4], fields[4:7]):
        assert (ip is not None) == (split_ipv4_endpoint(whole) is not None)
        if ip is not None:
            assert whole == f"{ip}:{port}"
            assert win.endpoint(whole) == ({**ENDPOINT, "address": ip, "port": int(port)}, "ipv4")
