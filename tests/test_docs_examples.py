"""The ``$ netnorm flags …`` examples in the docs print what the docs say they print."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netnorm.cli import app
from tests.conftest import TESTS

DOCS = [TESTS.parent / "README.md", *sorted((TESTS.parent / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)


def _examples() -> list[tuple[Path, str, str]]:
    """(document, command line, expected output) for each ``$ netnorm flags`` line."""
    found = []
    for doc in DOCS:
        for block in _BLOCK.findall(doc.read_text(encoding="utf-8")):
            command: str | None = None
            output: list[str] = []
            for line in [*block.splitlines(), "$ end"]:
                if line.startswith("$ "):
                    if command is not None:
                        found.append((doc, command, "".join(o + "\n" for o in output)))
                    command = line[2:] if line.startswith("$ netnorm flags ") else None
                    output = []
                elif command is not None:
                    output.append(line)
    return found


EXAMPLES = _examples()


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize(("doc", "command", "expected"), EXAMPLES, ids=[c for _, c, _ in EXAMPLES])
def test_example_prints_what_the_docs_say(
    run: CliRunner, doc: Path, command: str, expected: str
) -> None:
    result = run.invoke(app, shlex.split(command)[1:])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected, f"{doc.name}: {command}"


# --- ```console blocks: any command, run in a shell from the project root --------------------

_STATUS = re.compile(r"^\(exit status (\d+)\)$")


def _console_examples() -> list[tuple[Path, str, str, int]]:
    """(document, command line, expected output, exit status) of each ``$`` line in a
    ```` ```console ```` block; the output is stdout and stderr as a terminal shows them, and
    a last line ``(exit status N)`` gives a status other than 0."""
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for block in re.findall(r"^```console\n(.*?)^```", text, re.M | re.S):
            command: str | None = None
            output: list[str] = []
            for line in [*block.splitlines(), "$ end"]:
                if line.startswith("$ "):
                    if command is not None:
                        status = 0
                        if output and (m := _STATUS.match(output[-1])):
                            status = int(m.group(1))
                            output.pop()
                        found.append((doc, command, "".join(o + "\n" for o in output), status))
                    command = line[2:]
                    output = []
                else:
                    output.append(line)
    return found


CONSOLE = _console_examples()


def test_there_are_console_examples() -> None:
    assert len(CONSOLE) >= 3


@pytest.mark.parametrize(
    ("doc", "command", "expected", "status"), CONSOLE, ids=[c for _, c, _, _ in CONSOLE]
)
def test_console_example_prints_what_the_docs_say(
    doc: Path, command: str, expected: str, status: int
) -> None:
    import os
    import subprocess
    import sys

    bin_dir = str(Path(sys.executable).parent)
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=TESTS.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "80", "PATH": bin_dir + os.pathsep + os.environ["PATH"]},
        timeout=120,
        check=False,
    )
    # rich pads a table's title to the table's width: trailing blanks do not count
    shown = [line.rstrip() for line in done.stdout.decode("utf-8").splitlines()]
    assert shown == [line.rstrip() for line in expected.splitlines()], f"{doc.name}: {command}"
    assert done.returncode == status, f"{doc.name}: {command}"
