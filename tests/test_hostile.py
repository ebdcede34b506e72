"""Hostile and broken input: nothing crashes, nothing valid is lost, nothing reaches a terminal raw."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import netnorm
from netnorm.cli import State, app
from netnorm.errors import NetnormError
from tests.conftest import SAMPLES, sample_files, sample_id
from tests.hostile import account, jsonl_output

LINUX_ROWS = [
    line
    for line in (SAMPLES / "linux" / "anp--server.txt").read_text(encoding="utf-8").splitlines()
    if line.startswith(("tcp", "udp", "raw"))
]
HEADER = (
    "Proto Recv-Q Send-Q Local Address           Foreign Address         State       "
    "PID/Program name    "
)


def _check_accounting(data: bytes) -> dict[str, set[int]]:
    nonblank, seen = account(data)
    covered = seen["records"] | seen["structural"] | seen["diagnostics"]
    assert nonblank <= covered, f"lines neither parsed nor reported: {sorted(nonblank - covered)}"
    return seen


@pytest.mark.parametrize("path", sample_files(), ids=sample_id)
def test_every_line_is_accounted_for(path: Path) -> None:
    _check_accounting(path.read_bytes())


def test_prompts_and_half_rows_between_rows() -> None:
    junk = [
        "root@web01:~# netstat -anp | grep 443",
        "tcp        0      0 10.0.0.1:22",  # a half row, cut by the terminal
        "^C",
        "",
        "\x1b[01;32muser@host\x1b[00m:~$ ",
    ]
    lines = [HEADER]
    for i, row in enumerate(LINUX_ROWS):
        lines.append(row)
        lines.append(junk[i % len(junk)])
    seen = _check_accounting(("\n".join(lines) + "\n").encode())
    row_lines = {i + 1 for i, line in enumerate(lines) if line in LINUX_ROWS}
    assert row_lines <= seen["records"]
    assert len(seen["records"]) == len(LINUX_ROWS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_raise_only_netnorm_errors(data: bytes) -> None:
    try:
        netnorm.parse(data)
    except NetnormError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=2000))
def test_arbitrary_text_raises_only_netnorm_errors(text: str) -> None:
    try:
        netnorm.parse(text + "\n")
    except NetnormError:
        pass


_junk_line = st.text(
    alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
    max_size=80,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LINUX_ROWS), _junk_line), min_size=1, max_size=20))
def test_valid_rows_survive_interleaved_junk(pairs: list[tuple[str, str]]) -> None:
    lines = [HEADER]
    for row, junk in pairs:
        lines += [row, junk]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    seen = _check_accounting(data)
    wanted = {i + 1 for i, line in enumerate(lines) if i % 2 == 1}  # the row positions
    assert wanted <= seen["records"]


_octet = st.integers(0, 255)
_ipv4 = st.tuples(_octet, _octet, _octet, _octet).map(lambda t: ".".join(map(str, t)))
_state = st.sampled_from(
    ["ESTABLISHED", "LISTEN", "TIME_WAIT", "CLOSE_WAIT", "SYN_SENT", "SYN_RECV"]
)
_program = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_: /.", min_size=1, max_size=12).filter(
    lambda s: s.strip() == s and s[0] not in " /"
)


@settings(max_examples=200, deadline=None)
@given(
    _ipv4,
    st.integers(0, 65535),
    _ipv4,
    st.integers(0, 65535),
    _state,
    st.integers(0, 99999),
    _program,
)
def test_render_then_parse_round_trips(
    local: str, lport: int, remote: str, rport: int, state: str, pid: int, program: str
) -> None:
    owner = f"{pid}/{program}"[:19]
    row = (
        f"{'tcp':<4}  {0:>6} {0:>6} {f'{local}:{lport}':<23} {f'{remote}:{rport}':<23} "
        f"{state:<11} {owner:<20}"
    )
    (capture,) = netnorm.parse(HEADER + "\n" + row + "\n")
    (conn,) = capture.connections
    assert (conn.local.address, conn.local.port) == (local, lport)
    assert (conn.remote.address, conn.remote.port) == (remote, rport)
    assert conn.state_raw == state and conn.pid == pid
    assert conn.process == owner.split("/", 1)[1].rstrip()


@pytest.mark.parametrize(
    "data",
    [
        b"1234567890" * 30_000,
        b":" * 300_000 + b"\n",
        b"[" * 150_000 + b"]" * 150_000 + b"\n",
        b"tcp 0 0 " + b"1:" * 150_000 + b"\n",
        b"  TCP    1.1.1.1:1   2.2.2.2:2   " + b"abcdefgh " * 7000 + b"12 yy\n",
        b"\x00" * 1_000_000,
        "  TCP    0.0.0.0:135    0.0.0.0:0   LISTENING   1712\r\n".encode("utf-16-le") * 2000,
        b"x" * 5_000_000,
        b"Active Internet connections (servers and established)\n",
        b"",
    ],
    ids=[
        "digits",
        "colons",
        "brackets",
        "row-of-colons",
        "state-words",
        "nuls",
        "utf16-no-bom",
        "no-newline",
        "header-only",
        "empty",
    ],
)
def test_adversarial_inputs_end_quickly(data: bytes) -> None:
    start = time.perf_counter()
    try:
        captures = netnorm.parse(data)
    except NetnormError:
        captures = []
    # a generous bound: a catastrophic regex would take minutes, not seconds
    assert time.perf_counter() - start < 20
    if data.startswith("  TCP".encode("utf-16-le")):
        # UTF-16 without a BOM is detected, and every row survives
        assert sum(len(c.connections) for c in captures) == 2000


def test_long_line_is_a_diagnostic_and_the_next_row_is_kept() -> None:
    data = (HEADER + "\n" + "x" * 100_000 + "\n" + LINUX_ROWS[0] + "\n").encode()
    (capture,) = netnorm.parse(data)
    assert [d.code for d in capture.diagnostics] == ["line-too-long"]
    assert capture.diagnostics[0].line == 2
    assert [c.line for c in capture.connections] == [3]


def test_long_distinct_fields_are_not_kept_in_caches() -> None:
    """Real fields, states and owner lines are short; a capture of long distinct ones must not
    fill the parsers' caches (and memory) with them."""
    from netnorm.api import iter_items
    from netnorm.parsers import endpoints, linux_netstat
    from netnorm.parsers import windows_netstat as win
    from netnorm.parsers.cache import CACHED_TEXT

    long = CACHED_TEXT + 1
    lines = ["Active Connections", "", "  Proto  Local Address  Foreign Address  State  PID"]
    for i in range(50):
        lines += [
            f"  TCP    {'h' * long}{i}:80    [{'z' * long}{i}]:443    {'S' * long}{i}     {i}",
            f"  {'c' * long}{i}",
            f" [{'p' * long}{i}.exe]",
        ]
    lines += [HEADER, f"tcp        0      0 {'l' * long}:22   {'r' * long}:1   {'L' * long} -"]
    _, items = iter_items(("\r\n".join(lines) + "\r\n").encode())
    rows = jsonl_output(items)[0].splitlines()
    assert len(rows) == 51
    for cache in (win._STATES, win._HEADS, linux_netstat._STATES):
        assert all(len(repr(key)) < 4 * long for key in cache), cache
    for cache in (linux_netstat._FIELDS, win._FIELDS, endpoints.ADDRESSES):
        assert all(len(key) <= CACHED_TEXT for key in cache), cache


def test_long_rows_are_written_in_small_batches() -> None:
    """The writers write by size as well as by rows, so that memory stays flat on a capture of
    long lines: JSONL and CSV."""
    from netnorm.api import iter_items
    from netnorm.parsers.reader import Event
    from netnorm.render.records import CsvWriter, JsonlWriter

    name = "n" * 30_000
    windows = ["Active Connections", "", "  Proto  Local Address  Foreign Address  State  PID"]
    windows += [f"  TCP    {name}{i}:80    1.2.3.4:5    ESTABLISHED     {i}" for i in range(100)]
    linux = [HEADER] + [
        f"tcp        0      0 {name}{i}:22    10.0.0.1:5    ESTABLISHED {i}/sshd"
        for i in range(100)
    ]
    for lines, end in ((windows, "\r\n"), (linux, "\n")):
        _, items = iter_items((end.join(lines) + end).encode())
        rows = [(row, cap) for kind, p, cap in items if kind == Event.CONNECTION for row in p]
        assert len(rows) == 100
        for writer_class in (JsonlWriter, CsvWriter):
            out = io.StringIO()
            writer = writer_class(out)
            for row, cap in rows[:40]:  # 40 rows of 30 kB: more than 1 MB
                writer.connections([row], cap)
            assert len(out.getvalue()) > 1_000_000, writer_class  # written before close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2048))
def test_cli_never_prints_a_traceback(run: CliRunner, data: bytes) -> None:
    for command in (["parse", "-f", "jsonl"], ["analyze", "-f", "json"]):
        State.failed = False
        result = run.invoke(app, command, input=data)
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


EVIL = [
    "\x1b]0;pwned\x07\x1b[31mevil",
    "[bold red]x[/]",
    "=cmd|' /C calc'!A0",
]


def _evil_capture(tmp_path: Path) -> Path:
    rows = [
        f"tcp        0      0 10.0.0.1:{5000 + i:<18} 8.8.8.8:53              ESTABLISHED {i + 1}/{name}"
        for i, name in enumerate(EVIL)
    ]
    path = tmp_path / "evil.txt"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [["parse", "-f", "table"], ["analyze", "-f", "table"], ["analyze", "-f", "markdown"]],
    ids=["parse-table", "analyze-table", "analyze-markdown"],
)
def test_hostile_names_arrive_harmless(run: CliRunner, tmp_path: Path, command: list[str]) -> None:
    result = run.invoke(app, [*command, str(_evil_capture(tmp_path))])
    assert result.exit_code == 0
    out = result.stdout
    assert "\x1b" not in out and "\x07" not in out
    flat = out.replace("\n", "").replace("│", "").replace(" ", "")
    if "markdown" in command:
        # Markdown escapes its own syntax characters on top of the visible control characters
        assert "\\\\x1b\\]0;pwned\\\\x07" in flat
        assert "\\[boldred\\]x\\[/\\]" in flat
    else:
        assert "\\x1b]0;pwned\\x07" in flat
        assert "[boldred]x[/]" in flat


def test_csv_neutralises_formulas_and_controls(run: CliRunner, tmp_path: Path) -> None:
    result = run.invoke(app, ["parse", "-f", "csv", str(_evil_capture(tmp_path))])
    assert "'=cmd|' /C calc'!A0" in result.stdout
    assert "\x1b" not in result.stdout
    assert "\\x1b]0;pwned\\x07\\x1b[31mevil" in result.stdout


def test_json_keeps_the_exact_text(run: CliRunner, tmp_path: Path) -> None:
    import json

    result = run.invoke(app, ["parse", "-f", "jsonl", str(_evil_capture(tmp_path))])
    processes = [json.loads(line)["process"] for line in result.stdout.splitlines()]
    assert processes == EVIL


def test_folder_with_binary_files_and_a_symlink_loop(run: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_bytes((SAMPLES / "linux" / "anp--server.txt").read_bytes())
    (tmp_path / "blob.bin").write_bytes(os.urandom(4096))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)
    result = run.invoke(app, ["parse", "-f", "jsonl", "-q", str(tmp_path)])
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 27
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert any("blob.bin" in e for e in errors)
    assert any("symlink loop" in e for e in errors)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read every file")
def test_permission_denied(run: CliRunner, tmp_path: Path) -> None:  # pragma: no cover
    locked = tmp_path / "locked.txt"
    locked.write_text("x", encoding="utf-8")
    locked.chmod(0)
    result = run.invoke(app, ["parse", str(locked)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: permission denied ({locked})"


@pytest.mark.parametrize(
    "row",
    [
        # found by benchmarks/fuzz.py: str.isdigit accepts superscripts that int() rejects
        "tcp        0      0 10.0.0.1:139\u00b3          8.8.8.8:53              ESTABLISHED 1/x",
        "  TCP    10.0.0.1:29\u00b311       8.8.8.8:53             ESTABLISHED     60726\u00b2",
        # ...and numbers longer than int() converts
        "tcp        0 " + "9" * 30_000 + " 10.0.0.1:1 8.8.8.8:53 ESTABLISHED 1/x",
        "tcp        0      0 10.0.0.1:1              8.8.8.8:" + "7" * 9000 + " ESTABLISHED 1/x",
        "tcp 0 0 1.1.1.1:1 2.2.2.2:2 ESTABLISHED 1/x keepalive (1.0/" + "5" * 9000 + "/0)",
    ],
    ids=["superscript-port", "superscript-pid", "huge-queue", "huge-port", "huge-timer"],
)
def test_fuzz_regressions(row: str) -> None:
    seen = _check_accounting((HEADER + "\n" + row + "\n").encode("utf-8"))
    assert 2 in seen["records"] | seen["diagnostics"]
