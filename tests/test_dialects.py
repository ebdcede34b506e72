"""The dialects side by side: no row fits two of them, and analysis and diff work on all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netnorm.cli import app
from netnorm.decode import open_lines
from netnorm.parsers.registry import DIALECTS
from tests.conftest import CORPUS, SAMPLES, sample_files
from tests.goldens import golden_path


def _row_lines() -> list[tuple[str, str, str]]:
    """(file, dialect directory, line) for every row a golden holds."""
    rows = []
    for path in sample_files():
        golden = json.loads(golden_path(path).read_text(encoding="utf-8"))
        with path.open("rb") as stream:
            _, numbered = open_lines(stream, path.name)
            text = dict(numbered)
        for capture in golden["captures"]:
            for connection in capture["connections"]:
                rows.append((path.name, capture["tool"], text[connection["line"]]))
    return rows


def test_no_row_fits_two_dialects() -> None:
    """Each row of every sample matches the row token of exactly one dialect, its own."""
    rows = _row_lines()
    assert {tool for _, tool, _ in rows} >= {"netstat", "ss", "lsof", "get-nettcpconnection"}
    for name, tool, line in rows:
        fitting = [d for d in DIALECTS if d.ROW.re.match(line) is not None]
        assert len(fitting) == 1, f"{name}: {line!r} fits {[d.NAME for d in fitting]}"
        # PowerShell's dialect reads Get-NetUDPEndpoint too, and names it in the capture
        assert tool in (fitting[0].TOOL, "get-netudpendpoint" * (fitting[0].NAME == "powershell"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/jc is not present")
def test_no_corpus_row_fits_two_dialects() -> None:
    for path in sorted(CORPUS.glob("*.out")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            fitting = [d.NAME for d in DIALECTS if d.ROW.re.match(line) is not None]
            assert len(fitting) <= 1, f"{path.name}: {line!r} fits {fitting}"


@pytest.mark.parametrize(
    ("folder", "platform", "tool"),
    [
        ("ss", "linux", "ss"),
        ("lsof", None, "lsof"),
        ("freebsd", "freebsd", "netstat"),
        ("macos", "macos", "netstat"),
        ("powershell", "windows", None),
    ],
)
def test_analyze_reads_every_dialect(
    run: CliRunner, folder: str, platform: str | None, tool: str | None
) -> None:
    """analyze gives a verdict on each capture, with the tool and platform of its dialect."""
    for path in sorted((SAMPLES / folder).glob("*.txt")):
        result = run.invoke(app, ["analyze", "-f", "json", str(path)])
        assert result.exit_code in (0, 1), result.stderr
        report = json.loads(result.stdout)
        golden = json.loads(golden_path(path).read_text(encoding="utf-8"))
        rows = sum(len(c["connections"]) for c in golden["captures"])
        assert report["summary"]["connections"] == rows
        if folder != "ss":
            # no owner column names every process there: a missing owner is no finding
            assert all(f["rule"] != "unowned-external" for f in report["findings"]), path.name
        for capture in report["captures"]:
            assert tool is None or capture["tool"] == tool
            assert platform is None or capture["platform"] == platform
            assert all(c["reach"] is not None for c in capture["connections"])


SS = (
    "State  Recv-Q Send-Q   Local Address:Port     Peer Address:Port Process\n"
    "LISTEN 0      128            0.0.0.0:22            0.0.0.0:*     "
    'users:(("sshd",pid=812,fd=3))\n'
    "ESTAB  0      0             10.0.0.5:22           10.0.0.9:51514 "
    'users:(("sshd",pid=4120,fd=4))\n'
    "ESTAB  0      0             10.0.0.5:50000    140.82.112.3:443   "
    'users:(("curl",pid=5001,fd=5))\n'
)
WINDOWS = (
    "\r\nActive Connections\r\n\r\n"
    "  Proto  Local Address          Foreign Address        State           PID\r\n"
    "  TCP    0.0.0.0:22             0.0.0.0:0              LISTENING       2716\r\n"
    "  TCP    10.0.0.5:22            10.0.0.9:51514         ESTABLISHED     3104\r\n"
)


def test_diff_of_ss_against_windows_netstat(tmp_path: Path, run: CliRunner) -> None:
    """One schema: the same sockets in ss and in netstat -ano are the same connections."""
    linux = tmp_path / "linux-ss.txt"
    windows = tmp_path / "windows-ano.txt"
    linux.write_text(SS, encoding="utf-8")
    windows.write_bytes(WINDOWS.encode("ascii"))
    result = run.invoke(app, ["diff", "-f", "json", str(windows), str(linux)])
    assert result.exit_code == 1, result.stderr
    diff = json.loads(result.stdout)
    assert diff["removed"] == []
    added = [(c["remote"]["address"], c["remote"]["port"], c["state"]) for c in diff["added"]]
    assert added == [("140.82.112.3", 443, "ESTABLISHED")]


def test_platform_option_keeps_other_dialects_out(run: CliRunner) -> None:
    """--platform windows reads no BSD rows, even under their own column header."""
    path = SAMPLES / "freebsd" / "an--server.txt"
    result = run.invoke(app, ["parse", "-f", "json", "--platform", "windows", str(path)])
    report = json.loads(result.stdout)
    assert sum(len(c["connections"]) for c in report["captures"]) == 0
    result = run.invoke(app, ["parse", "-f", "json", "--platform", "macos", str(path)])
    captures = json.loads(result.stdout)["captures"]
    assert {c["platform"] for c in captures} == {"macos"}
    assert sum(len(c["connections"]) for c in captures) == 36


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # a descriptor past 9999: lsof prints * and its last three digits
        (
            "java       2201   app *123u  IPv6  23999      0t0  TCP *:8080 (LISTEN)",
            {"pid": 2201, "state": "LISTEN", "owners": [{"fd": None, "access": "u"}]},
        ),
        # lsof -K: a thread's TID and command after the PID
        (
            "nginx      1603  1610 nginx-wrk root    6u  IPv4   23117      0t0  TCP *:80 (LISTEN)",
            {"pid": 1603, "user": "root", "owners": [{"fd": 6, "access": "u"}]},
        ),
        # BSD: a state without a name is printed as its number
        (
            "tcp4       0      0 10.0.0.1.22            10.0.0.2.5556          5          ",
            {"state": "UNKNOWN", "state_raw": "5"},
        ),
        # ss from 6.11: seconds below ten with a fraction and "sec"
        (
            "ESTAB 0 0 10.0.0.5:22 10.0.0.9:51514 timer:(on,1.416sec,2)",
            {
                "timer": {
                    "kind": "on",
                    "kind_raw": "on",
                    "seconds": 1.416,
                    "retransmits": 2,
                    "probes": None,
                }
            },
        ),
        # ss -r: the interface after a name is its zone
        (
            "LISTEN 0 4096 _localdnsstub%lo:domain 0.0.0.0:*",
            {
                "local": {
                    "address": None,
                    "port": 53,
                    "host": "_localdnsstub",
                    "service": "domain",
                    "zone": "lo",
                    "truncated": False,
                    "scope": None,
                    "printed": None,
                }
            },
        ),
    ],
)
def test_rows_at_the_edges(line: str, expected: dict[str, object]) -> None:
    from netnorm.api import iter_capture_dicts

    captures = list(iter_capture_dicts(line + "\n"))
    rows = [c for cap in captures for c in cap["connections"]]
    assert len(rows) == 1 and not captures[0]["diagnostics"]
    for key, value in expected.items():
        if key == "owners":
            assert [{k: o[k] for k in ("fd", "access")} for o in rows[0]["owners"]] == value
        else:
            assert rows[0][key] == value


def test_csv_writes_owners_and_counters_as_json(run: CliRunner) -> None:
    """A cell holds JSON text, never a Python repr of capture strings."""
    import csv
    import io

    path = SAMPLES / "ss" / "tanp--webserver.txt"
    result = run.invoke(app, ["parse", "-f", "csv", str(path)])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    owners = json.loads(rows[0]["owners"])
    assert [o["pid"] for o in owners] == [1607, 1606, 1605, 1604, 1603]
    assert rows[0]["counters"] == ""
    path = SAMPLES / "macos" / "Abn--sonoma.txt"
    result = run.invoke(app, ["parse", "-f", "csv", str(path)])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert set(json.loads(rows[0]["counters"])) >= {"rxbytes", "txbytes"}


def test_powershell_cut_setting_and_single_json_object() -> None:
    """A cut AppliedSetting keeps its row; one ConvertTo-Json object with nested objects that
    open on a line of their own is one record."""
    from netnorm.api import iter_capture_dicts

    table = (
        "LocalAddress LocalPort RemoteAddress RemotePort State       AppliedSetting OwningProcess\n"
        "------------ --------- ------------- ---------- -----       -------------- -------------\n"
        "10.20.40.21   1433   10.20.30.16   55120   Established DatacenterCus…   2284\n"
    )
    (capture,) = iter_capture_dicts(table)
    assert [(c["pid"], c["state"]) for c in capture["connections"]] == [(2284, "ESTABLISHED")]
    assert capture["diagnostics"] == []
    document = (
        '{\n    "CimInstanceProperties":  [\n'
        "                                  {\n"
        '                                      "Name":  "State",\n'
        '                                      "Value":  2\n'
        "                                  }\n"
        "                              ],\n"
        '    "State":  5,\n    "LocalAddress":  "10.0.0.5",\n    "LocalPort":  50500,\n'
        '    "RemoteAddress":  "140.82.112.3",\n    "RemotePort":  443,\n'
        '    "OwningProcess":  812\n}\n'
    )
    (capture,) = iter_capture_dicts(document)
    rows = [(c["protocol"], c["state"], c["pid"]) for c in capture["connections"]]
    assert rows == [("tcp", "ESTABLISHED", 812)]
    assert capture["diagnostics"] == [] and capture["tool"] == "get-nettcpconnection"


def test_fidelity_at_the_edges() -> None:
    """IPv6 sockets printed as tcp, a row cut in its remote address, a cut IPv6 address,
    `...` where a paste left rows out, and CR CR LF line ends."""
    from netnorm.api import iter_capture_dicts

    busybox = json.loads((SAMPLES / "linux" / "an--busybox.json").read_text(encoding="utf-8"))
    families = {c["local"]["address"]: c["family"] for c in busybox["captures"][0]["connections"]}
    assert families["::"] == "ipv6" and families["0.0.0.0"] == "ipv4"
    text = (
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n"
        "tcp        0      0 10.0.2.15:443           10.\n"
        "tcp6       0      0 fe80::b1f3:2c:3c6c::123 :::*                    LISTEN      \n"
    )
    (capture,) = iter_capture_dicts(text)
    (row,) = capture["connections"]
    assert row["local"]["host"] is None and row["local"]["truncated"]
    assert row["local"]["printed"] == "fe80::b1f3:2c:3c6c:"
    assert [(d["line"], d["code"]) for d in capture["diagnostics"]] == [(2, "unrecognised-line")]
    windows = (
        "\r\nActive Connections\r\n\r\n"
        "  Proto  Local Address          Foreign Address        State\r\n"
        "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING\r\n"
        "    ...\r\n"
        "  TCP    0.0.0.0:445            0.0.0.0:0              LISTENING\r\n"
    )
    (capture,) = iter_capture_dicts(windows.replace("\r\n", "\r\r\n").encode("ascii"))
    assert [(c["line"], c["components"]) for c in capture["connections"]] == [(5, []), (7, [])]
    assert [(d["line"], d["code"]) for d in capture["diagnostics"]] == [(6, "unrecognised-line")]
