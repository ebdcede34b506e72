"""Every ``netnorm …`` command line in the code blocks of README.md and docs/*.md runs.

The docs name files a reader has (``c.txt``, ``captures/``, ``audit/``) and tools they run
(``netstat -npt | netnorm analyze``). Here those names are bundled samples in a scratch folder,
and ``netstat``, ``ss`` and ``alert`` are small scripts that print a sample, so that each line
runs as written: it must end with the status the docs give it, with no ``Error:`` and no
traceback. ```` ```console ```` blocks, whose output is checked too, are in
``test_docs_examples.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, TESTS

ROOT = TESTS.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```([^\n]*)\n(.*?)^```", re.M | re.S)
_COMMAND = re.compile(r"^(?:\S+ [^|]*\| )?netnorm ")

#: The files the docs name, and the samples that stand for them.
PLACES = {
    "c.txt": SAMPLES / "windows" / "anob--owners.txt",
    "web01.txt": SAMPLES / "linux" / "anp--server.txt",
    "web01-netstat.txt": SAMPLES / "linux" / "anp--server.txt",
    "linux-web01.txt": SAMPLES / "linux" / "anp--server.txt",
    "windows-web02.txt": SAMPLES / "windows" / "anob--owners.txt",
    "yesterday.txt": TESTS / "fleet" / "desk07_20261120T100000.txt",
    "today.txt": TESTS / "fleet" / "desk07_20261120T102000.txt",
    "tcp.csv": SAMPLES / "powershell" / "tcp-csv-type--export.txt",
}
#: Exit statuses other than 0 that a line's own words promise.
STATUS = {
    "--fail-on medium captures/": 1,  # "exit 1 on a medium or high finding"
    "netnorm diff": 1,  # the two captures differ
}


def _commands() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for info, block in _BLOCK.findall(doc.read_text(encoding="utf-8")):
            if info.strip() in ("console", "python", "toml", "text"):
                continue
            for line in block.splitlines():
                line = line[2:] if line.startswith("$ ") else line
                if _COMMAND.match(line):
                    found.append((doc.name, line))
    return found


COMMANDS = _commands()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs")
    for name, sample in PLACES.items():
        shutil.copyfile(sample, folder / name)
    (folder / "tests").symlink_to(TESTS)  # the docs' own tests/samples/... paths
    shutil.copytree(TESTS / "fleet", folder / "audit")
    captures = folder / "captures"
    captures.mkdir()
    for sample in ("linux/anp--backdoor.txt", "linux/ant--syn-flood.txt", "windows/an--plain.txt"):
        shutil.copyfile(SAMPLES / sample, captures / Path(sample).name)
    logs = folder / "logs"
    shutil.copytree(captures, logs)
    (logs / "README.md").write_text("# notes\n", encoding="utf-8")
    (folder / "c2-ips.txt").write_text("# known bad\n185.220.101.4\n", encoding="utf-8")
    tools = folder / "bin"
    tools.mkdir()
    for tool, sample in (
        ("netstat", SAMPLES / "linux" / "anp--server.txt"),
        ("ss", SAMPLES / "ss" / "tanp--webserver.txt"),
    ):
        script = tools / tool
        script.write_text(f"#!/bin/sh\ncat '{sample}'\n", encoding="utf-8")
        script.chmod(0o755)
    (tools / "alert").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (tools / "alert").chmod(0o755)
    return folder


def test_there_are_commands() -> None:
    assert len(COMMANDS) >= 30


#: The scheduler the docs name, which a local cluster stands for.
SCHEDULER = "tcp://10.0.0.5:8786"


@pytest.mark.parametrize(("doc", "line"), COMMANDS, ids=[f"{d}: {c[:60]}" for d, c in COMMANDS])
def test_the_command_runs_as_the_docs_say(
    scratch: Path, doc: str, line: str, request: pytest.FixtureRequest
) -> None:
    if " jq " in line and shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    if "--engine dask" in line:
        pytest.importorskip("distributed")
    if SCHEDULER in line:
        line = line.replace(SCHEDULER, request.getfixturevalue("dask_scheduler"))
    path = os.pathsep.join([str(scratch / "bin"), str(Path(sys.executable).parent)])
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", line],
        cwd=scratch,
        capture_output=True,
        env={**os.environ, "PATH": path + os.pathsep + os.environ["PATH"], "COLUMNS": "100"},
        timeout=120,
        check=False,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    expected = next((code for words, code in STATUS.items() if words in line), 0)
    assert done.returncode == expected, f"{doc}: {line}\n{stderr[-800:]}"
    assert "Traceback" not in stderr and "internal error" not in stderr
    if expected != 2:
        assert "Error:" not in stderr, f"{doc}: {line}\n{stderr[-800:]}"
