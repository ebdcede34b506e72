"""Single rows, good and malformed, with the exact fields expected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netnorm.parsers import linux_netstat as lx
from netnorm.parsers import windows_netstat as win
from netnorm.parsers.row import as_dict
from tests.conftest import CORPUS, sample_files

LINUX_ROWS: list[tuple[str, lx.Columns, dict[str, Any]]] = [
    (
        "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      600/sshd: /usr/sbin",
        lx.Columns(owner=True),
        {"state": "LISTEN", "pid": 600, "process": "sshd: /usr/sbin", "process_truncated": True},
    ),
    (
        "udp        0      0 0.0.0.0:5353            0.0.0.0:*                           442/avahi-daemon: r",
        lx.Columns(owner=True),
        {"state": None, "state_raw": None, "pid": 442, "process": "avahi-daemon: r"},
    ),
    (
        "raw6       0      0 :::58                   :::*                    7           865/NetworkManager  ",
        lx.Columns(owner=True),
        {"protocol": "raw", "family": "ipv6", "state": None, "state_raw": "7", "pid": 865},
    ),
    (
        "tcp        0      0 192.168.0.30:80          192.168.0.2:12503      SYN_RECV    -",
        lx.Columns(owner=True),
        {"state": "SYN_RECEIVED", "state_raw": "SYN_RECV", "pid": None, "process": None},
    ),
    (
        "tcp6       0      0 ::ffff:192.168.1.29:22  ::ffff:192.168.1.31:2147 ESTABLISHED6661/python",
        lx.Columns(),
        {"state": "ESTABLISHED", "pid": 6661, "process": "python"},
    ),
    (
        "udp        0      0 localhost:domain        0.0.0.0:*                           systemd-resolve 26984      893/systemd-resolve ",
        lx.Columns(user=True, owner=True),
        {"state": None, "user": "systemd-resolve", "inode": 26984, "pid": 893},
    ),
    (
        "tcp        0      0 10.10.10.15:720         10.10.10.14:2049        ESTABLISHED 0          4176054138 -                    keepalive (42.68/0/0)",
        lx.Columns(user=True, owner=True, timer=True),
        {
            "user": "0",
            "inode": 4176054138,
            "pid": None,
            "timer": {
                "kind": "keepalive",
                "kind_raw": "keepalive",
                "seconds": 42.68,
                "retransmits": 0,
                "probes": 0,
            },
        },
    ),
    (
        "tcp        0      0 127.0.0.1:38847         0.0.0.0:*               LISTEN      关闭 (0.00/0/0)",
        lx.Columns(timer=True),
        {
            "state": "LISTEN",
            "timer": {
                "kind": "off",
                "kind_raw": "关闭",
                "seconds": 0.0,
                "retransmits": 0,
                "probes": 0,
            },
        },
    ),
    (
        "tcp        0      0 vortex:smtp             *:*                     ESCUCHAR    2999/exim4       apagado (0.00/0/0)",
        lx.Columns(),
        {"state": "LISTEN", "state_raw": "ESCUCHAR", "pid": 2999, "process": "exim4"},
    ),
    (
        "tcp        0      0 10.0.0.1:22             10.0.0.2:5000           POSLEDNÍ ACK 77/sshd",
        lx.Columns(owner=True),
        {"state": "LAST_ACK", "state_raw": "POSLEDNÍ ACK", "pid": 77, "process": "sshd"},
    ),
    (
        "tcp        0      0 10.0.0.1:22             10.0.0.2:5000           WEIRDSTATE  77/sshd",
        lx.Columns(owner=True),
        {"state": "UNKNOWN", "state_raw": "WEIRDSTATE", "pid": 77},
    ),
    (
        "tcp        0      0 0.0.0.0:0               0.0.0.0:*               LISTEN      0/init",
        lx.Columns(owner=True),
        {
            "pid": 0,
            "local": {
                "address": "0.0.0.0",
                "port": 0,
                "host": None,
                "service": None,
                "zone": None,
                "truncated": False,
                "scope": None,
                "printed": None,
            },
        },
    ),
]


@pytest.mark.parametrize(("line", "cols", "expected"), LINUX_ROWS)
def test_linux_row(line: str, cols: lx.Columns, expected: dict[str, Any]) -> None:
    parsed = lx.parse_row(line, 7, cols)
    assert parsed is not None
    row, leftover = parsed
    got = as_dict(row)
    assert leftover is None
    assert got["line"] == 7
    for key, value in expected.items():
        assert got[key] == value, key


@pytest.mark.parametrize(
    "line",
    [
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State",
        "tcp 0 0",
        "tcpx       0      0 1.2.3.4:5               6.7.8.9:10              LISTEN",
        "TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712",
        "",
    ],
)
def test_linux_non_rows(line: str) -> None:
    assert lx.parse_row(line, 1, lx.Columns()) is None


def test_linux_leftover_is_reported_not_lost() -> None:
    parsed = lx.parse_row(
        "tcp        0      0 1.2.3.4:5               6.7.8.9:10              ESTABLISHED what is this",
        3,
        lx.Columns(),
    )
    assert parsed is not None
    row, leftover = parsed
    assert as_dict(row)["state"] == "ESTABLISHED"
    assert leftover == "what is this"


WINDOWS_ROWS: list[tuple[str, dict[str, Any]]] = [
    (
        "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712",
        {
            "protocol": "tcp",
            "family": "ipv4",
            "state": "LISTEN",
            "state_raw": "LISTENING",
            "pid": 1712,
        },
    ),
    (
        "  UDP    [fe80::244e:2f1e:2096:62b2%9]:1900  *:*                                    8844",
        {
            "protocol": "udp",
            "family": "ipv6",
            "state": None,
            "pid": 8844,
            "local": {
                "address": "fe80::244e:2f1e:2096:62b2",
                "port": 1900,
                "host": None,
                "service": None,
                "zone": "9",
                "truncated": False,
                "scope": None,
                "printed": None,
            },
            "remote": {
                "address": None,
                "port": None,
                "host": None,
                "service": None,
                "zone": None,
                "truncated": False,
                "scope": None,
                "printed": None,
            },
        },
    ),
    (
        "  TCP    0.0.0.0:22             0.0.0.0:0              BOUND",
        {"state": "BOUND", "pid": None},
    ),
    (
        "  TCP    192.168.31.221:4713    157.240.252.61:5222    TIME_WAIT       0",
        {"state": "TIME_WAIT", "pid": 0},
    ),
    (
        "  TCP    0.0.0.0:80             0.0.0.0:0              ABH\u2122REN         4",
        {"state": "LISTEN", "state_raw": "ABH\u2122REN"},
    ),
    (
        "  TCP    10.0.0.5:49702         52.1.2.3:443           HERGESTELLT     3340",
        {"state": "ESTABLISHED"},
    ),
    (
        "  TCP    127.0.0.1:1031         kubernetes:1032        ESTABLISHED",
        {
            "family": "ipv4",
            "remote": {
                "address": None,
                "port": 1032,
                "host": "kubernetes",
                "service": None,
                "zone": None,
                "truncated": False,
                "scope": None,
                "printed": None,
            },
        },
    ),
    (
        "  TCP         0.0.0.0:21             0.0.0.0:0              LISTENING       12636",
        {"state": "LISTEN", "pid": 12636},
    ),
]


@pytest.mark.parametrize(("line", "expected"), WINDOWS_ROWS)
def test_windows_row(line: str, expected: dict[str, Any]) -> None:
    row = win.parse_row(line, 9)
    assert row is not None
    got = as_dict(row)
    for key, value in expected.items():
        assert got[key] == value, key


@pytest.mark.parametrize(
    ("line", "kind", "field", "value"),
    [
        ("  RpcSs", "component", "components", ["RpcSs"]),
        (" [svchost.exe]", "image", "process", "svchost.exe"),
        (" [NVIDIA Web Helper.exe]", "image", "process", "NVIDIA Web Helper.exe"),
        ("  [svchost.exe]", "image", "process", "svchost.exe"),
        (
            " Can not obtain ownership information",
            "note",
            "owner_note",
            "Can not obtain ownership information",
        ),
        (
            " Impossible d\u2019obtenir les informations de propriétaire",
            "note",
            "owner_note",
            "Impossible d\u2019obtenir les informations de propriétaire",
        ),
    ],
)
def test_windows_owner_lines(line: str, kind: str, field: str, value: Any) -> None:
    row = win.parse_row(
        "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712", 1
    )
    assert row is not None
    assert win.continuation(row, line) == kind
    assert as_dict(row)[field] == value


def test_windows_non_owner_line() -> None:
    row = win.parse_row(
        "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712", 1
    )
    assert row is not None
    assert win.continuation(row, "Active Connections") is None


@pytest.mark.parametrize("line", [" [a]", " []", " [a] [b]", " [NVIDIA Web Helper.exe]", "  [x]"])
def test_image_shortcut_agrees_with_the_owner_line_grammar(line: str) -> None:
    """` [image]` lines skip the regex; they must come out as the regex reads them."""
    row = win.parse_row(
        "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1712", 1
    )
    assert row is not None
    m = win.WINDOWS_OWNER_LINE.re.match(line)
    assert m is not None
    image, component, _note = m.groups()
    kind = win.continuation(row, line)
    assert kind == ("image" if image else "component" if component else "note")
    assert as_dict(row)["process"] == image


def _captures() -> list[Path]:
    corpus = sorted(CORPUS.glob("*.out")) if CORPUS.is_dir() else []
    return sample_files() + corpus


@pytest.mark.parametrize("path", _captures(), ids=lambda p: p.name)
def test_every_row_read_is_a_row_of_the_grammar(path: Path) -> None:
    """The hot path calls each dialect's row token's compiled regex; every row it accepts, in
    every sample and the jc corpus, also passes ``ROW.parse_string(line, parse_all=True)`` with
    the same groups, and its record validates as the model whose JSON it is."""
    from tests.hostile import model_problem

    assert model_problem(path.read_bytes()) is None


def test_structural_lines_are_parsed_by_the_grammar() -> None:
    """Headings, titles, sections, messages and headers are pyparsing elements whose parse
    actions build the reader's events."""
    from netnorm.model.enums import Listeners, Platform
    from netnorm.parsers.dialect import Header, Heading, Message, Skipped
    from netnorm.parsers.registry import structure

    assert structure("Active Internet connections (only servers)") == Heading(
        Platform.LINUX, "inet", Listeners.ONLY, "en", "linux-netstat"
    )
    assert structure("Aktive Internetverbindungen (Server und stehende Verbindungen)") == (
        Heading(Platform.LINUX, "inet", Listeners.ALL, "de", "linux-netstat")
    )
    assert structure("Active Internet connections (odd words)") == Heading(
        Platform.LINUX, "inet", Listeners.NONE, "en", "linux-netstat"
    )
    assert structure("Active UNIX domain sockets (only servers)") == Heading(
        Platform.LINUX, "unix", None, "en", "linux-netstat"
    )
    assert structure("Active Bluetooth connections (w/o servers)") == Skipped(Platform.LINUX)
    assert structure("Aktive Verbindungen") == Heading(
        Platform.WINDOWS, "inet", None, "de", "windows-netstat"
    )
    elevation = structure("The requested operation requires elevation.")
    assert isinstance(elevation, Message) and elevation.error
    warning = structure("(Not all processes could be identified, non-owned process info")
    assert isinstance(warning, Message) and warning.opens and not warning.error
    assert structure("Proto Recv-Q Send-Q Local Address           Foreign Address") == Header(True)
    assert structure("Protokoll  Lokale Adresse  Remoteadresse  Status  PID") == Header(False)
    assert structure("Active Connectionsfoo") is None
    assert structure("root@web01:~# netstat -anp") is None


def test_the_grammar_in_the_docs_is_the_code() -> None:
    from netnorm.parsers.bnf import in_document
    from tests.conftest import TESTS

    doc = (TESTS.parent / "docs" / "formats.md").read_text(encoding="utf-8")
    assert doc == in_document(doc), "run: python -m netnorm.parsers.bnf --update docs/formats.md"


@pytest.mark.parametrize(
    "line",
    [
        "tcp        0      0 10.0.0.5:22\t10.0.0.9:51234         ESTABLISHED 1201/sshd: alice\t",
        "  TCP    10.0.0.5:445\t\t10.0.0.9:50112        ESTABLISHED     4",
    ],
    ids=["linux", "windows"],
)
def test_parse_string_keeps_tabs(line: str) -> None:
    """parse_string expands tabs unless told not to; the row tokens read the line as the hot
    path does (found by benchmarks/fuzz.py)."""
    token = (lx if line.startswith("tcp") else win).ROW
    fast = token.re.match(line)
    assert fast is not None
    assert token.parse_string(line, parse_all=True)[0].groups() == fast.groups()


def test_the_structure_gate_changes_no_answer() -> None:
    """``registry.structure`` skips pyparsing for a line no element can start; on every line
    of every sample and the jc corpus, it answers what the whole grammar answers."""
    import pyparsing as pp

    from netnorm.decode import open_lines
    from netnorm.parsers.registry import STRUCTURE, structure

    seen = 0
    for path in _captures():
        _, lines = open_lines(path.open("rb"), str(path))
        for _, line in lines:
            stripped = line.strip()
            if not stripped:
                continue
            try:
                whole = STRUCTURE.parse_string(stripped, parse_all=True)[0]
            except pp.ParseException:
                whole = None
            assert structure(stripped) == whole, stripped
            seen += whole is not None
    assert seen > 100
