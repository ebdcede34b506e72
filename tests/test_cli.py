"""The command line as a user meets it: exit codes, stdout formats and stderr messages."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from netnorm.cli import app
from tests.conftest import SAMPLES

LINUX = SAMPLES / "linux" / "anp--server.txt"
WINDOWS = SAMPLES / "windows" / "anob--owners.txt"
PROMPTS = SAMPLES / "linux" / "anp--log-with-prompts.txt"


def test_parse_jsonl_one_connection_per_line(run: CliRunner) -> None:
    result = run.invoke(app, ["parse", "--format", "jsonl", str(LINUX)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 27
    first = lines[0]
    assert (first["source"], first["platform"], first["host"]) == (str(LINUX), "linux", None)
    assert first["local"] == {
        "address": "0.0.0.0",
        "port": 22,
        "host": None,
        "service": None,
        "zone": None,
        "truncated": False,
        "scope": None,
        "printed": None,
    }


def test_parse_stdin(run: CliRunner) -> None:
    result = run.invoke(
        app, ["parse", "-f", "jsonl", "--host", "web01"], input=WINDOWS.read_bytes()
    )
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 24
    assert {r["source"] for r in rows} == {"<stdin>"}
    assert {r["host"] for r in rows} == {"web01"}


def test_parse_json_document(run: CliRunner) -> None:
    result = run.invoke(app, ["parse", "-f", "json", str(WINDOWS)])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    (capture,) = doc["captures"]
    assert capture["platform"] == "windows"
    assert capture["options"]["command"] == "netstat -anob"
    assert capture["connections"][0]["components"] == ["RpcSs"]


def test_parse_csv_is_flat_and_neutralised(run: CliRunner, tmp_path: Path) -> None:
    capture = tmp_path / "evil.txt"
    capture.write_text(
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State       "
        "PID/Program name\n"
        "tcp        0      0 10.0.0.1:4444           8.8.8.8:53              ESTABLISHED "
        "66/=cmd|' /C calc'!A0\n",
        encoding="utf-8",
    )
    result = run.invoke(app, ["parse", "-f", "csv", str(capture)])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["local.address"] == "10.0.0.1"
    assert rows[0]["remote.port"] == "53"
    assert rows[0]["process"] == "'=cmd|' /C calc'!A0"


def test_parse_folder_recurses(run: CliRunner) -> None:
    result = run.invoke(app, ["parse", "-f", "jsonl", "--quiet", str(SAMPLES / "windows")])
    sources = {json.loads(line)["source"] for line in result.stdout.splitlines()}
    captures = sorted((SAMPLES / "windows").glob("*.txt"))
    # every capture file has rows except the -b one that failed for want of elevation
    assert sources == {str(p) for p in captures if "elevation" not in p.name}
    assert "elevation" in result.stderr


def test_unrecognised_lines_on_stderr_and_strict(run: CliRunner) -> None:
    result = run.invoke(app, ["parse", "-f", "jsonl", str(PROMPTS)])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 15
    assert f"{PROMPTS}:1: warning: line not recognised as netstat output: root@web01:~# date" in (
        result.stderr
    )
    strict = run.invoke(app, ["parse", "-f", "jsonl", "--strict", str(PROMPTS)])
    assert strict.exit_code == 2
    assert "8 lines were not recognised or reported errors (--strict)" in strict.stderr


def test_missing_file_is_one_line_and_others_continue(run: CliRunner) -> None:
    result = run.invoke(app, ["parse", "-f", "jsonl", "/no/such/file.txt", str(LINUX)])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: no such file or folder (/no/such/file.txt)"
    assert len(result.stdout.splitlines()) == 27


def test_not_netstat_is_an_error(run: CliRunner, tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello\nworld\n", encoding="utf-8")
    result = run.invoke(app, ["parse", "-f", "jsonl", "-q", str(junk)])
    assert result.exit_code == 2
    assert (
        f"Error: no socket listing found (netstat, ss, lsof -i or Get-NetTCPConnection) ({junk}:1)"
        in result.stderr
    )
    assert "Traceback" not in result.output


def test_platform_override(run: CliRunner) -> None:
    forced = run.invoke(app, ["parse", "-f", "jsonl", "--platform", "linux", str(LINUX)])
    assert len(forced.stdout.splitlines()) == 27
    wrong = run.invoke(app, ["parse", "-f", "jsonl", "--platform", "windows", str(LINUX)])
    assert wrong.stdout == ""  # Linux rows are not Windows rows: each one is reported
    # stderr shows the first 20 diagnostics and counts the rest, then the error
    assert wrong.stderr.count("line not recognised") == 19
    assert "more diagnostics (see --format json)" in wrong.stderr
    assert wrong.exit_code == 2 and "--platform windows read no rows" in wrong.stderr


def test_table_escapes_capture_text(run: CliRunner, tmp_path: Path) -> None:
    capture = tmp_path / "evil.txt"
    capture.write_text(
        "tcp        0      0 10.0.0.1:22             8.8.8.8:53              ESTABLISHED "
        "66/\x1b]0;pwned\x07\x1b[31mevil\n"
        "tcp        0      0 10.0.0.1:23             8.8.8.8:53              ESTABLISHED "
        "67/[bold red]x[/]\n",
        encoding="utf-8",
    )
    result = run.invoke(app, ["parse", "-f", "table", str(capture)])
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b]0;pwned\\x07" in result.stdout.replace("\n", "").replace("│", "")
    assert "[bold red]x[/]" in result.stdout


def test_schema_command(run: CliRunner) -> None:
    result = run.invoke(app, ["schema", "--model", "connection"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert "remote" in schema["properties"]


def test_flags_command(run: CliRunner) -> None:
    result = run.invoke(app, ["flags", "netstat -npt", "--to", "windows"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "netstat -n -o -b -p tcp"
    assert "elevated" in result.stdout


def test_help_teaches(run: CliRunner) -> None:
    result = run.invoke(app, ["parse", "--help"])
    assert result.exit_code == 0
    assert "netstat -anp | netnorm parse" in result.stdout


def test_a_closed_pipe_ends_quietly_with_0(tmp_path: Path) -> None:
    """`netnorm parse big.txt | head -1`: the reader goes away; that is not "findings" (1)."""
    import subprocess
    import sys

    big = tmp_path / "big.txt"
    big.write_bytes(LINUX.read_bytes() * 400)
    command = [sys.executable, "-m", "netnorm", "parse", "-f", "jsonl", "-j", "1", str(big)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(100)
    process.stdout.close()  # as head does after its line
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 0
    assert b"Traceback" not in stderr
