"""``analyze`` on a Dask cluster gives the report of the local engine, byte for byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from netnorm.cli import app
from tests.conftest import SAMPLES, TESTS

pytest.importorskip("distributed")

FLEET = TESTS / "fleet"
ROOT = TESTS.parent


@pytest.mark.parametrize("fmt", ["json", "jsonl", "ecs", "table", "markdown"])
def test_the_cluster_gives_the_report_of_one_process(
    run: CliRunner, dask_scheduler: str, fmt: str
) -> None:
    inputs = [str(FLEET), str(SAMPLES / "linux"), "--include", "*.txt"]
    local = run.invoke(app, ["analyze", "-f", fmt, "--jobs", "1", *inputs])
    remote = run.invoke(app, ["analyze", "-f", fmt, "--scheduler", dask_scheduler, *inputs])
    assert remote.exit_code == local.exit_code
    assert remote.stdout == local.stdout
    assert remote.stderr == local.stderr
    assert len(local.stdout) > 1000


def test_a_file_that_cannot_be_read_is_an_error_there_too(
    run: CliRunner, dask_scheduler: str, tmp_path: Path
) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("these are not sockets\n", encoding="utf-8")
    inputs = [str(bad), str(FLEET)]
    local = run.invoke(app, ["analyze", "-f", "json", "--jobs", "1", *inputs])
    remote = run.invoke(app, ["analyze", "-f", "json", "--scheduler", dask_scheduler, *inputs])
    assert remote.exit_code == local.exit_code == 2
    assert (remote.stdout, remote.stderr) == (local.stdout, local.stderr)
    assert "Error: no socket listing found" in remote.stderr


def test_workers_read_urls(run: CliRunner, dask_scheduler: str) -> None:
    path = FLEET / "web01_20261120T100000.txt"
    local = run.invoke(app, ["analyze", "-f", "jsonl", str(path)])
    remote = run.invoke(
        app, ["analyze", "-f", "jsonl", "--scheduler", dask_scheduler, path.as_uri()]
    )
    assert remote.exit_code == 0, remote.stderr
    assert remote.stdout == local.stdout.replace(str(path), path.as_uri())


def test_the_library_pieces_merge_to_the_fleet_of_the_run(run: CliRunner) -> None:
    """``analyze_file`` per file, ``fleet_of`` per group, ``merge`` in order: the fleet view
    of one local run (what a Spark or Ray job would call)."""
    import json
    from datetime import timedelta

    from netnorm.analysis import batch, cluster
    from netnorm.analysis.config import load_config

    job = batch.Job(config=load_config(None, {}), payload=None)
    files = batch.by_host_and_time(
        [(str(p), None) for p in sorted(FLEET.iterdir())], None, None, None
    )
    results = [cluster.analyze_file(job, named) for named in files]
    hour = timedelta(hours=1)
    parts = [cluster.fleet_of(results[i : i + 2], hour) for i in range(0, len(results), 2)]
    fleet = parts[0]
    for part in parts[1:]:
        fleet = cluster.merge(fleet, part)
    persistent = fleet.persistent()
    report = json.loads(run.invoke(app, ["analyze", "-f", "json", str(FLEET)]).stdout)
    view: dict[str, Any] = fleet.view()
    assert view == report["fleet"]
    assert [f["rule"] for f in persistent] == ["persistent-external"]


def test_the_local_cluster_of_the_command_line() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "netnorm",
            "analyze",
            "-f",
            "json",
            "--engine",
            "dask",
            "-j",
            "2",
            str(FLEET),
        ],
        capture_output=True,
        check=False,
        cwd=ROOT,
    )
    local = subprocess.run(
        [sys.executable, "-m", "netnorm", "analyze", "-f", "json", "-j", "1", str(FLEET)],
        capture_output=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == local.returncode == 0
    assert done.stdout == local.stdout
    assert done.stderr == b""


def test_without_dask_the_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['distributed'] = None; "
        "sys.argv = ['netnorm', 'analyze', '--engine', 'dask', sys.argv[1]]; "
        "from netnorm.cli import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(FLEET)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert (
        done.stderr == "Error: --engine dask needs dask.distributed: pip install 'netnorm[dask]'\n"
    )


def test_a_scheduler_that_does_not_answer(run: CliRunner) -> None:
    result = run.invoke(app, ["analyze", "--scheduler", "tcp://127.0.0.1:9", str(FLEET)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --scheduler tcp://127.0.0.1:9: cannot connect (")
    assert result.stderr.count("\n") == 1


def test_relative_paths_are_read_where_the_client_is(
    run: CliRunner, dask_scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers' working folder is not the client's; the report names files as given."""
    monkeypatch.chdir(TESTS)
    local = run.invoke(app, ["analyze", "-f", "json", "--jobs", "1", "fleet"])
    remote = run.invoke(app, ["analyze", "-f", "json", "--scheduler", dask_scheduler, "fleet"])
    assert remote.exit_code == local.exit_code == 0, remote.stderr
    assert remote.stdout == local.stdout
    assert '"source":"fleet/desk07_20261120T100000.txt"' in remote.stdout


def test_standard_input_is_not_sent_to_a_cluster(run: CliRunner, dask_scheduler: str) -> None:
    result = run.invoke(app, ["analyze", "--scheduler", dask_scheduler, "-"], input="")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: a cluster reads files: give paths or URLs, not standard input\n"
    )


def test_a_dataset_from_the_cluster_holds_the_rows_of_one_process(
    run: CliRunner, dask_scheduler: str, tmp_path: Path
) -> None:
    duckdb = pytest.importorskip("duckdb")
    pytest.importorskip("pyarrow")
    rows = {}
    for name, engine in (("local", ["--jobs", "1"]), ("cluster", ["--scheduler", dask_scheduler])):
        folder = tmp_path / name
        done = run.invoke(app, ["analyze", "-f", "parquet", *engine, "-o", str(folder), str(FLEET)])
        assert done.exit_code == 0, done.stderr
        rows[name] = duckdb.sql(
            f"SELECT * EXCLUDE (platform, host, date) FROM read_parquet('{folder}/**/*.parquet', "
            "hive_partitioning = true) ORDER BY source, capture, line"
        ).fetchall()
    assert rows["cluster"] == rows["local"] and len(rows["local"]) == 20
