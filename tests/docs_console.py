"""The ```` ```console ```` blocks of README.md and docs/*.md: run them, or write what they print.

    python -m tests.docs_console            # rewrite every block with what its commands print

Each ``$`` line runs in bash from the project root, with ``COLUMNS=80``; what follows it is its
standard output and error as a terminal shows them, trailing blanks dropped, and a last line
``(exit status N)`` when the status is not 0. ``tests/test_docs_examples.py`` checks them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```console\n(.*?)^```", re.M | re.S)
STATUS = re.compile(r"^\(exit status (\d+)\)$")


def run(command: str) -> str:
    """What ``command`` prints, as a block shows it (see the module docstring)."""
    bin_dir = str(Path(sys.executable).parent)
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "80", "PATH": bin_dir + os.pathsep + os.environ["PATH"]},
        timeout=120,
        check=False,
    )
    lines = [line.rstrip() for line in done.stdout.decode("utf-8").splitlines()]
    if done.returncode:
        lines.append(f"(exit status {done.returncode})")
    return "".join(line + "\n" for line in lines)


def examples(text: str) -> list[tuple[str, str]]:
    """(command, expected output) of every ``$`` line of the console blocks of ``text``."""
    found = []
    for block in BLOCK.findall(text):
        command: str | None = None
        output: list[str] = []
        for line in [*block.splitlines(), "$ end"]:
            if line.startswith("$ "):
                if command is not None:
                    found.append((command, "".join(o.rstrip() + "\n" for o in output)))
                command, output = line[2:], []
            else:
                output.append(line)
    return found


def _rewrite(match: re.Match[str]) -> str:
    commands = [c for c, _ in examples(match.group(0))]
    return "```console\n" + "".join(f"$ {c}\n{run(c)}" for c in commands) + "```"


def main() -> int:
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        updated = BLOCK.sub(_rewrite, text)
        if updated != text:
            doc.write_text(updated, encoding="utf-8")
            print(f"updated {doc.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
