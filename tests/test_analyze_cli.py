"""`netnorm analyze` as a user meets it: findings, reach, formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netnorm.cli import app
from tests.conftest import SAMPLES

FLOOD = SAMPLES / "linux" / "ant--syn-flood.txt"
OWNERS = SAMPLES / "windows" / "anob--owners.txt"


def test_syn_flood_from_stdin_is_high_with_port_and_sources(run: CliRunner) -> None:
    result = run.invoke(app, ["analyze", "-f", "json"], input=FLOOD.read_bytes())
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    flood = [f for f in report["findings"] if f["rule"] == "syn-flood"]
    assert len(flood) == 1
    assert flood[0]["severity"] == "high"
    assert flood[0]["evidence"]["local"] == "10.0.0.5:80"
    assert flood[0]["evidence"]["sources"] == 27
    assert "27 remote addresses" in flood[0]["message"]
    assert report["findings"][0]["rule"] == "syn-flood"  # most severe first


def test_table_shows_findings_then_groups(run: CliRunner) -> None:
    result = run.invoke(app, ["analyze", "-f", "table", str(FLOOD)])
    out = result.stdout
    assert out.index("HIGH") < out.index("syn-flood") < out.index("Outside the network (30)")
    assert "Listening, bound or without a peer (5)" in out


def test_json_connections_carry_scope_and_reach(run: CliRunner) -> None:
    result = run.invoke(app, ["analyze", "-f", "json", str(OWNERS)])
    report = json.loads(result.stdout)
    conns = report["captures"][0]["connections"]
    loop = next(c for c in conns if c["remote"]["address"] == "127.0.0.1")
    assert (loop["reach"], loop["remote"]["scope"]) == ("self", "loopback")
    outside = next(c for c in conns if c["remote"]["address"] == "20.199.120.151")
    assert (outside["reach"], outside["remote"]["scope"]) == ("external", "global")
    assert report["summary"]["reach"]["external"] == 6
    hidden = [f for f in report["findings"] if f["rule"] == "unowned-external"]
    assert [(f["severity"], f["lines"]) for f in hidden] == [("medium", [35])]


def test_internal_option_makes_a_public_range_internal(run: CliRunner) -> None:
    result = run.invoke(
        app, ["analyze", "-f", "json", "--internal", "185.199.108.0/22", str(OWNERS)]
    )
    report = json.loads(result.stdout)
    assert not [f for f in report["findings"] if f["rule"] == "unowned-external"]
    conn = next(
        c
        for c in report["captures"][0]["connections"]
        if c["remote"]["address"] == "185.199.110.153"
    )
    assert (conn["reach"], conn["remote"]["scope"]) == ("internal", "internal")


def test_jsonl_one_connection_per_line(run: CliRunner) -> None:
    result = run.invoke(app, ["analyze", "-f", "jsonl", str(OWNERS)])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 24
    assert all(r["reach"] and r["local"]["scope"] and r["remote"]["scope"] for r in rows)


@pytest.mark.parametrize(
    ("fail_on", "code"), [("high", 1), ("medium", 1), ("low", 1), ("info", 1), (None, 0)]
)
def test_fail_on_flood(run: CliRunner, fail_on: str | None, code: int) -> None:
    args = ["analyze", "-f", "json", str(FLOOD)]
    if fail_on:
        args += ["--fail-on", fail_on]
    assert run.invoke(app, args).exit_code == code


def test_fail_on_below_the_bar(run: CliRunner) -> None:
    # the -anob sample's worst finding is medium
    assert (
        run.invoke(app, ["analyze", "-f", "json", "--fail-on", "high", str(OWNERS)]).exit_code == 0
    )
    assert (
        run.invoke(app, ["analyze", "-f", "json", "--fail-on", "medium", str(OWNERS)]).exit_code
        == 1
    )


def test_bad_config_is_one_line(run: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[thresholds]\nsyn_flod = 1\n", encoding="utf-8")
    result = run.invoke(app, ["analyze", "-c", str(config), str(FLOOD)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: bad configuration: thresholds.syn_flod: Extra inputs are not permitted ({config})"
    )


def test_bad_internal_network(run: CliRunner) -> None:
    result = run.invoke(app, ["analyze", "--internal", "10.0.0.0/99", str(FLOOD)])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: --internal '10.0.0.0/99' is not a network in CIDR form"


def test_markdown_escapes_capture_text(run: CliRunner, tmp_path: Path) -> None:
    capture = tmp_path / "evil.txt"
    capture.write_text(
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State       "
        "PID/Program name\n"
        "tcp        0      0 10.0.0.1:50000          8.8.4.4:443             ESTABLISHED "
        "66/[x](http://e.vil)|<b>\n",
        encoding="utf-8",
    )
    result = run.invoke(app, ["analyze", "-f", "markdown", str(capture)])
    assert result.exit_code == 0
    assert "\\[x\\]\\(http://e.vil\\)\\|\\<b\\>" in result.stdout
    assert "<b>" not in result.stdout


# -- no verdict on input that was not read -----------------------------------------------------


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"hello\nworld\n", "no socket listing found"),
        (
            b"Kernel IP routing table\nDestination     Gateway         Genmask         Flags"
            b"   MSS Window  irtt Iface\n0.0.0.0         10.0.0.1        0.0.0.0         UG"
            b"        0 0          0 eth0\n",
            "this is `netstat -r` output (a routing table): netnorm reads socket listings",
        ),
        (
            b"Ip:\n    Forwarding: 2\n    1234 total packets received\nTcp:\n    5 active "
            b"connection openings\n",
            "this is `netstat -s` output (protocol statistics)",
        ),
        (bytes(range(256)) * 8, "binary data, not text"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "table", "markdown", "jsonl"])
def test_input_that_is_not_a_listing_gets_no_report(
    run: CliRunner, tmp_path: Path, content: bytes, error: str, fmt: str
) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(content)
    result = run.invoke(app, ["analyze", "-f", fmt, "--fail-on", "info", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""  # never "No findings" for what was not read
    assert f"Error: {error}" in result.stderr
    assert result.stderr.count("Error:") == 1


def test_empty_folder_and_platform_mismatch_are_errors(run: CliRunner, tmp_path: Path) -> None:
    result = run.invoke(app, ["analyze", "-f", "table", str(tmp_path)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert f"Error: folder holds no files to read ({tmp_path})" in result.stderr
    linux = SAMPLES / "linux" / "anp--server.txt"
    result = run.invoke(app, ["analyze", "-f", "json", "--platform", "windows", str(linux)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert "--platform windows read no rows: these are linux-netstat rows" in result.stderr
    # stderr shows 20 diagnostics of the input and counts the rest
    assert "more diagnostics (see --format json)" in result.stderr


def test_header_only_table_is_a_capture_and_elevation_is_a_finding(
    run: CliRunner, tmp_path: Path
) -> None:
    idle = tmp_path / "idle.txt"
    idle.write_bytes(
        b"Active Internet connections (w/o servers)\n"
        b"Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n"
    )
    result = run.invoke(app, ["analyze", "-f", "json", "--fail-on", "info", str(idle)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["connections"] == 0
    elevation = SAMPLES / "windows" / "b--elevation.txt"
    result = run.invoke(app, ["analyze", "-f", "json", "--fail-on", "medium", str(elevation)])
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["rule"], finding["severity"], finding["lines"]) == (
        "incomplete-capture",
        "medium",
        [1],
    )
