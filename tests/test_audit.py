"""Fleet audits over timed captures, name patterns and time forms, and netnorm diff.

``tests/fleet`` holds timed captures of two hosts named ``{host}_{time}.txt``: web01 (Linux
``netstat -npt`` at 10:00, 11:00 and 12:00 UTC), whose backup agent keeps one connection to
``185.199.108.153:443`` in all three, while git's connection misses 11:00; and desk07 (Windows
``netstat -ano`` at 10:00 and 10:20), whose repeated connection spans only 20 minutes.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netnorm.analysis.audit import parse_duration
from netnorm.analysis.naming import NamePattern, parse_time
from netnorm.cli import app
from tests.conftest import SAMPLES, TESTS

FLEET = TESTS / "fleet"
UTC = timezone.utc


def _report(run: CliRunner, *args: str) -> dict:  # type: ignore[type-arg]
    result = run.invoke(app, ["analyze", "-f", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_exactly_the_persistent_connection(run: CliRunner, jobs: str) -> None:
    report = _report(run, "--name-pattern", "{host}_{time}.txt", "--jobs", jobs, str(FLEET))
    persistent = [f for f in report["findings"] if f["rule"] == "persistent-external"]
    assert len(persistent) == 1
    (finding,) = persistent
    assert finding["severity"] == "medium"
    assert finding["host"] == "web01"
    evidence = finding["evidence"]
    assert evidence["remote"] == "185.199.108.153:443"
    assert evidence["process"] == "backup-agent"
    assert evidence["captures"] == 3
    assert (evidence["first_seen"], evidence["last_seen"]) == (
        "2026-11-20T10:00:00+00:00",
        "2026-11-20T12:00:00+00:00",
    )
    assert "backup-agent" in finding["message"] and "3 captures over 2h" in finding["message"]


def test_default_pattern_and_capture_times(run: CliRunner) -> None:
    report = _report(run, str(FLEET))  # {host}_{time} is the default
    times = {(c["host"], c["captured_at"], c["captured_at_source"]) for c in report["captures"]}
    assert ("web01", "2026-11-20T11:00:00+00:00", "name") in times
    assert ("desk07", "2026-11-20T10:20:00+00:00", "name") in times


def test_shorter_persist_min_finds_desk07(run: CliRunner) -> None:
    report = _report(run, "--persist-min", "15m", str(FLEET))
    hosts = sorted(f["host"] for f in report["findings"] if f["rule"] == "persistent-external")
    assert hosts == ["desk07", "web01"]


def test_fleet_view_stacks_rarest_first(run: CliRunner) -> None:
    fleet = _report(run, str(FLEET))["fleet"]
    endpoints = fleet["external_endpoints"]
    assert [e["hosts"] for e in endpoints] == sorted(e["hosts"] for e in endpoints)
    backup = next(e for e in endpoints if e["endpoint"] == "185.199.108.153:443")
    assert (backup["hosts"], backup["host_names"], backup["processes"], backup["connections"]) == (
        1,
        ["web01"],
        ["backup-agent"],
        3,
    )
    networks = {n["network"] for n in fleet["external_networks"]}
    assert "185.199.108.0/24" in networks
    assert {h["host"]: h["captures"] for h in fleet["hosts"]} == {"desk07": 2, "web01": 3}
    web01 = next(h for h in fleet["hosts"] if h["host"] == "web01")
    assert web01["findings"]["medium"] == 1
    assert _report(run, str(FLEET))["summary"]["hosts"] == 2


def test_a_gap_breaks_the_run(run: CliRunner, tmp_path: Path) -> None:
    for name in ("web01_20261120T100000.txt", "web01_20261120T120000.txt"):
        shutil.copy(FLEET / name, tmp_path / name)
    # without 11:00, git's connection is in both captures, two hours apart
    report = _report(run, str(tmp_path))
    remotes = {
        f["evidence"]["remote"] for f in report["findings"] if f["rule"] == "persistent-external"
    }
    assert remotes == {"185.199.108.153:443", "140.82.112.3:443"}


def test_capture_without_time(run: CliRunner, tmp_path: Path) -> None:
    # stdin has no name and no modification time: no time, no persistence, no error
    data = (FLEET / "web01_20261120T100000.txt").read_bytes()
    result = run.invoke(app, ["analyze", "-f", "json"], input=data)
    report = json.loads(result.stdout)
    assert report["captures"][0]["captured_at"] is None
    # a file whose name has no time gets its modification time, marked as such
    path = tmp_path / "jump01.txt"
    path.write_bytes(data)
    os.utime(path, (1_763_632_800, 1_763_632_800))
    capture = _report(run, str(path))["captures"][0]
    assert (capture["captured_at"], capture["captured_at_source"]) == (
        "2025-11-20T10:00:00+00:00",
        "file-mtime",
    )


def test_time_and_host_options_win(run: CliRunner) -> None:
    report = _report(
        run,
        "--host",
        "h1",
        "--time",
        "2026-01-02T03:04:05",
        str(FLEET / "web01_20261120T100000.txt"),
    )
    capture = report["captures"][0]
    assert (capture["host"], capture["captured_at"], capture["captured_at_source"]) == (
        "h1",
        "2026-01-02T03:04:05+00:00",
        "option",
    )


def test_name_that_misses_a_given_pattern_is_reported(run: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "capture-from-monday.txt"
    shutil.copy(FLEET / "web01_20261120T100000.txt", path)
    result = run.invoke(
        app, ["analyze", "-f", "json", "--name-pattern", "{host}_{time}.txt", str(path)]
    )
    assert (
        f"{path}: warning: file name does not match --name-pattern '{{host}}_{{time}}.txt'"
        in result.stderr
    )
    assert json.loads(result.stdout)["captures"][0]["captured_at_source"] == "file-mtime"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20261120T100000", datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)),
        ("2026-11-20T10-00-00", datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)),
        ("20261120-1000", datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)),
        ("2026-11-20_10.00.00", datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)),
        ("1763632800", datetime(2025, 11, 20, 10, 0, 0, tzinfo=UTC)),
        ("2026-11-20T10:00:00Z", datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)),
        ("2026-11-20T10:00:00+01:00", datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)),
        ("2026-11-20T10:00:00-05:30", datetime(2026, 11, 20, 15, 30, 0, tzinfo=UTC)),
        ("garbage+01:00", None),
        ("2026-13-20T10:00:00", None),
        ("monday", None),
    ],
)
def test_time_forms(text: str, expected: datetime | None) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("pattern", "path", "root", "host", "hour"),
    [
        ("{host}_{time}.txt", "/a/web01_20261120T100000.txt", None, "web01", 10),
        ("{host}_{time}", "/a/web_01_20261120-1100.log", None, "web_01", 11),
        ("{time}/{host}.log", "/audit/2026-11-20_12.00.00/db02.log", "/audit", "db02", 12),
        ("{host}.{time}.txt", "/a/fw1.1763632800.txt", None, "fw1", 10),
    ],
)
def test_name_patterns(pattern: str, path: str, root: str | None, host: str, hour: int) -> None:
    found = NamePattern(pattern).match(path, root)
    assert found is not None and found.host == host
    assert found.time is not None and found.time.hour == hour


def test_bad_pattern_and_duration(run: CliRunner) -> None:
    result = run.invoke(app, ["analyze", "--name-pattern", "nothing.txt", str(FLEET)])
    assert result.exit_code == 2
    assert "needs {host} or {time}" in result.stderr
    result = run.invoke(app, ["analyze", "--persist-min", "soon", str(FLEET)])
    assert result.exit_code == 2
    assert "thresholds.persist_min: 'soon' is not a duration" in result.stderr
    assert parse_duration("1h30m").total_seconds() == 5400


def test_table_shows_the_fleet(run: CliRunner) -> None:
    result = run.invoke(app, ["analyze", "-f", "table", str(FLEET)])
    out = result.stdout
    assert "persistent-external" in out
    assert "Outside endpoints, rarest first" in out and "Hosts" in out
    assert out.index("MEDIUM") < out.index("Outside endpoints")


# -- diff ------------------------------------------------------------------------------------


def _diff(run: CliRunner, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = run.invoke(app, ["diff", "-f", "json", *args])
    return result.exit_code, json.loads(result.stdout)


def test_diff_identical_is_exit_0(run: CliRunner) -> None:
    path = str(FLEET / "web01_20261120T100000.txt")
    assert _diff(run, path, path) == (0, {"added": [], "removed": [], "changed": []})


def test_diff_yesterday_and_today(run: CliRunner) -> None:
    code, result = _diff(
        run, str(FLEET / "web01_20261120T100000.txt"), str(FLEET / "web01_20261120T110000.txt")
    )
    assert code == 1
    removed = {(c["remote"]["address"], c["remote"]["port"]) for c in result["removed"]}
    added = {(c["remote"]["address"], c["remote"]["port"], c["state"]) for c in result["added"]}
    assert removed == {("140.82.112.3", 443), ("151.101.1.69", 443)}
    assert added == {("151.101.1.69", 443, "TIME_WAIT")}
    assert result["changed"] == []


def test_diff_linux_against_windows(run: CliRunner, tmp_path: Path) -> None:
    linux = tmp_path / "linux.txt"
    linux.write_text(
        "Active Internet connections (servers and established)\n"
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    \n"
        "tcp        0      0 0.0.0.0:135             0.0.0.0:*               LISTEN      900/rpcbind         \n"
        "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      812/sshd            \n",
        encoding="utf-8",
    )
    code, result = _diff(run, str(linux), str(FLEET / "desk07_20261120T100000.txt"))
    assert code == 1
    assert [(c["local"]["port"]) for c in result["removed"]] == [22]  # Windows has no sshd
    assert sorted(c["remote"]["address"] for c in result["added"]) == [
        "13.107.42.16",
        "192.168.1.10",
        "52.113.194.132",
    ]
    # the listener on 135 is in both, whatever each platform prints as its peer
    (change,) = result["changed"]
    assert change["fields"] == ["process", "pid"]
    assert (change["before"]["local"]["port"], change["after"]["local"]["port"]) == (135, 135)


def test_diff_ignore_ephemeral_matches_services(run: CliRunner) -> None:
    a = str(FLEET / "desk07_20261120T100000.txt")
    b = str(FLEET / "desk07_20261120T102000.txt")
    code, result = _diff(run, "--ignore-ephemeral", a, b)
    assert code == 1
    assert [c["remote"]["address"] for c in result["removed"]] == ["13.107.42.16"]
    assert result["added"] == [] and result["changed"] == []


def test_diff_errors(run: CliRunner) -> None:
    result = run.invoke(app, ["diff", "/no/such.txt", str(SAMPLES / "linux" / "anp--server.txt")])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: no such file (/no/such.txt)"


def test_allowlist_covers_persistent_external(run: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "netnorm.toml"
    config.write_text(
        '[[allow]]\nprocess = "backup-agent"\nremote = "185.199.108.0/22"\n', encoding="utf-8"
    )
    report = _report(run, "--config", str(config), str(FLEET))
    assert not [f for f in report["findings"] if f["rule"] == "persistent-external"]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_jobs_do_not_change_the_output(run: CliRunner, fmt: str) -> None:
    outputs = {
        jobs: run.invoke(app, ["analyze", "-f", fmt, "--jobs", jobs, str(FLEET)]).stdout
        for jobs in ("1", "2")
    }
    assert outputs["1"] == outputs["2"]
    assert outputs["1"].count('"connections"' if fmt == "json" else "\n") > 4


@pytest.mark.parametrize("failure", ["no fork", "child fails"])
def test_report_sections_fall_back_to_the_main_process(
    run: CliRunner, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    """With --jobs 2 the network and listener stacks are written by forked processes; when
    there is no fork, or the child fails, the main process writes them and nothing changes."""
    from netnorm.render import report_json as records

    expected = run.invoke(app, ["analyze", "-f", "json", "--jobs", "1", str(FLEET)]).stdout
    if failure == "no fork":

        def no_fork() -> int:
            raise OSError("fork refused")

        monkeypatch.setattr(os, "fork", no_fork)
    else:
        parent = os.getpid()
        listeners = records._listeners

        def failing_in_child(write: object, fleet: object) -> None:
            if os.getpid() != parent:
                raise RuntimeError("the child fails")
            listeners(write, fleet)

        monkeypatch.setattr(records, "_listeners", failing_in_child)
    result = run.invoke(app, ["analyze", "-f", "json", "--jobs", "2", str(FLEET)])
    assert result.exit_code == 0
    assert result.stdout == expected
    assert '"listeners":[' in expected and '"external_networks":[' in expected


def test_fleet_json_rows_equal_the_row_dicts() -> None:
    import netnorm
    from netnorm.analysis.audit import Fleet, facts_of

    report = netnorm.analyze(FLEET / "web01_20261120T100000.txt")

    fleet = Fleet()
    for capture in report.captures:
        data = capture.model_dump(mode="json")
        fleet.add(facts_of(data, []))
    for section in ("external_endpoints", "external_networks"):
        assert [json.loads(t) for t in fleet.stack_json(section)] == list(fleet.stack_rows(section))


def test_listener_change_between_captures_of_one_host(run: CliRunner, tmp_path: Path) -> None:
    """A listener that appears on all interfaces is medium, one that goes away is low; each
    names the port, the process and both capture times."""
    before = (SAMPLES / "linux" / "anp--inbound-source-ports.txt").read_text(encoding="utf-8")
    lines = before.splitlines(keepends=True)
    after = [line for line in lines if ":22 " not in line or "LISTEN" not in line]
    after.insert(
        3,
        lines[2]
        .replace("0.0.0.0:443   ", "0.0.0.0:8443  ")
        .replace("1602/nginx: master", "7001/python3      "),
    )
    (tmp_path / "web02_20261120T100000.txt").write_text(before, encoding="utf-8")
    (tmp_path / "web02_20261120T110000.txt").write_text("".join(after), encoding="utf-8")
    result = run.invoke(
        app, ["analyze", "-f", "json", "--name-pattern", "{host}_{time}.txt", str(tmp_path)]
    )
    changes = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "listener-change"]
    got = sorted(
        (f["severity"], f["evidence"]["change"], f["evidence"]["port"], f["evidence"]["process"])
        for f in changes
    )
    assert got == [
        ("low", "disappeared", 22, "sshd: /usr/sbin"),
        ("medium", "appeared", 8443, "python3"),
    ]
    appeared = next(f for f in changes if f["evidence"]["change"] == "appeared")
    assert appeared["lines"] == [4] and "2026-11-20T10:00:00" in appeared["message"]


def test_fleet_stacks_wide_networks_and_inbound_clients(run: CliRunner) -> None:
    """The /16 stack groups the /24s; an inbound client counts by its address, not by the
    source port its kernel chose."""
    result = run.invoke(
        app, ["analyze", "-f", "json", "--name-pattern", "{host}_{time}.txt", str(FLEET)]
    )
    fleet = json.loads(result.stdout)["fleet"]
    wide = {n["network"]: n["connections"] for n in fleet["external_wide_networks"]}
    narrow = {n["network"]: n["connections"] for n in fleet["external_networks"]}
    assert "140.82.0.0/16" in wide and sum(wide.values()) == sum(narrow.values())
    path = SAMPLES / "linux" / "anp--inbound-source-ports.txt"
    result = run.invoke(app, ["analyze", "-f", "json", str(path)])
    endpoints = {e["endpoint"] for e in json.loads(result.stdout)["fleet"]["external_endpoints"]}
    assert {"81.2.69.160:*", "94.142.241.111:*", "140.82.112.3:443"} <= endpoints
