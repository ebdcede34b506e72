"""The ``$ netnorm flags …`` examples in the docs print what the docs say they print."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netnorm.cli import app
from tests import docs_console
from tests.conftest import TESTS

DOCS = [TESTS.parent / "README.md", *sorted((TESTS.parent / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```([^\n]*)\n(.*?)^```", re.M | re.S)


def _examples() -> list[tuple[Path, str, str]]:
    """(document, command line, expected output) for each ``$ netnorm flags`` line."""
    found = []
    for doc in DOCS:
        for info, block in _BLOCK.findall(doc.read_text(encoding="utf-8")):
            if info == "console":
                continue  # run by test_console_example_prints_what_the_docs_say
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

CONSOLE = [
    (doc, command, expected)
    for doc in DOCS
    for command, expected in docs_console.examples(doc.read_text(encoding="utf-8"))
]


def test_there_are_console_examples() -> None:
    assert len(CONSOLE) >= 3


@pytest.mark.parametrize(("doc", "command", "expected"), CONSOLE, ids=[c for _, c, _ in CONSOLE])
def test_console_example_prints_what_the_docs_say(doc: Path, command: str, expected: str) -> None:
    """Each ``$`` line prints what follows it (``python -m tests.docs_console`` rewrites them)."""
    assert docs_console.run(command) == expected, f"{doc.name}: {command}"
