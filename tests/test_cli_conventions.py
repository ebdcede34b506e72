"""Command-line conventions (clig.dev, no-color.org): --version, -h, NO_COLOR and --no-color,
--output, --include and --exclude, through the console script."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import netnorm
from tests.conftest import SAMPLES
from tests.test_hardening import BACKDOOR, SERVER
from tests.test_hardening import netnorm as run


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.decode() == f"netnorm {netnorm.__version__}\n"


@pytest.mark.parametrize("command", [[], ["parse"], ["analyze"], ["diff"], ["schema"], ["flags"]])
def test_h_is_help(command: list[str]) -> None:
    short, long = run(*command, "-h"), run(*command, "--help")
    assert short.returncode == long.returncode == 0
    assert short.stdout == long.stdout
    assert b"Usage: netnorm" in short.stdout


_COLOUR = re.compile(rb"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|9[0-7]|38;[0-9;]+)m")


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ([], {}, True),
        ([], {"NO_COLOR": "1"}, False),
        (["--no-color"], {}, False),
    ],
    ids=["colour", "NO_COLOR", "--no-color"],
)
def test_no_color(args: list[str], env: dict[str, str], coloured: bool) -> None:
    # FORCE_COLOR makes rich colour a pipe as it would a terminal
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update({"FORCE_COLOR": "1", **env})
    done = run(*args, "analyze", "-f", "table", str(BACKDOOR), env=environment)
    assert done.returncode == 0
    assert bool(_COLOUR.search(done.stdout)) is coloured


def test_output_writes_the_file_and_picks_the_file_format(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    done = run("analyze", "-o", str(target), str(SERVER))
    assert done.returncode == 0 and done.stdout == b""
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["connections"] == 27
    target = tmp_path / "rows.jsonl"
    done = run("parse", "--output", str(target), str(SERVER))
    assert done.returncode == 0
    assert len(target.read_text(encoding="utf-8").splitlines()) == 27


def test_output_never_overwrites_an_input(tmp_path: Path) -> None:
    capture = tmp_path / "c.txt"
    capture.write_bytes(SERVER.read_bytes())
    done = run("parse", str(capture), "-o", str(capture))
    assert done.returncode == 2
    assert b"--output" in done.stderr and b"is also an input" in done.stderr
    assert capture.read_bytes() == SERVER.read_bytes()


def test_output_inside_a_folder_read_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_bytes(SERVER.read_bytes())
    for _ in range(2):  # the second run finds the first run's report there
        done = run("analyze", "-f", "json", str(tmp_path), "-o", str(tmp_path / "report.json"))
        assert done.returncode == 0, done.stderr
        assert done.stderr == b""


def test_output_to_a_folder_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    done = run("parse", str(SERVER), "-o", str(tmp_path / "no" / "such.json"))
    assert done.returncode == 2
    assert done.stderr.startswith(b"Error: cannot write: no such file or directory")


def test_include_and_exclude_pick_files_in_folders() -> None:
    folder = SAMPLES / "linux"
    everything = run("analyze", "-f", "json", str(folder))
    assert b".json" in everything.stderr  # the expected outputs beside the captures
    only = run("analyze", "-f", "json", "--include", "*.txt", str(folder))
    assert only.returncode == 0 and b"Error" not in only.stderr
    sources = {c["source"] for c in json.loads(only.stdout)["captures"]}
    assert sources and all(s.endswith(".txt") for s in sources)
    fewer = run("parse", "--include", "*.txt", "--exclude", "*de*", "-f", "json", str(folder))
    sources = {c["source"] for c in json.loads(fewer.stdout)["captures"]}
    assert sources and not any("de" in Path(s).name for s in sources)


def test_a_glob_with_a_slash_matches_the_path_under_the_folder() -> None:
    done = run("parse", "-f", "json", "--include", "windows/*.txt", str(SAMPLES))
    sources = {c["source"] for c in json.loads(done.stdout)["captures"]}
    assert sources and all("/windows/" in s for s in sources)


def test_globs_leave_named_files_alone() -> None:
    done = run("parse", "-f", "jsonl", "--exclude", "*.txt", str(SERVER))
    assert done.returncode == 0 and done.stdout.count(b"\n") == 27


def test_a_folder_the_globs_empty_says_so() -> None:
    done = run("parse", "--include", "*.nothing", str(SAMPLES / "linux"))
    assert done.returncode == 2
    assert b"folder holds no files that --include/--exclude let in" in done.stderr


def test_analyze_tables_show_limit_rows_then_count_the_others() -> None:
    wide = {**os.environ, "COLUMNS": "200"}
    shown = run("analyze", "-f", "table", "--limit", "1", str(BACKDOOR), env=wide).stdout.decode()
    assert "… 3 more (use --all or -f jsonl)" in shown  # 4 outside, 1 shown
    assert "… 6 more (use --all or -f jsonl)" in shown  # 7 listening
    every = run("analyze", "-f", "table", "--all", str(BACKDOOR), env=wide).stdout.decode()
    assert "more (use --all" not in every
    fleet = run(
        "analyze",
        "-f",
        "table",
        "--limit",
        "2",
        "--name-pattern",
        "{host}_{time}.txt",
        str(SAMPLES.parent / "fleet"),
        env=wide,
    ).stdout.decode()
    assert "Outside endpoints, rarest first (5)" in fleet
    assert "… 3 more (use --all or -f json)" in fleet
    markdown = run(
        "analyze",
        "-f",
        "markdown",
        "--limit",
        "2",
        "--name-pattern",
        "{host}_{time}.txt",
        str(SAMPLES.parent / "fleet"),
    ).stdout.decode()
    assert "… 3 more (use --all or -f json)" in markdown


def test_output_dash_is_standard_output(tmp_path: Path) -> None:
    done = run("parse", "-f", "jsonl", "-o", "-", str(SERVER), cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.count(b"\n") == 27
    assert not (tmp_path / "-").exists()
