"""Tables in a real terminal: tmux panes 60, 80, 120 and 200 columns wide.

No address, port or state is split across lines, and no line is wider than the pane.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from netnorm.parsers.endpoints import format_endpoint
from tests.conftest import SAMPLES
from tests.test_hardening import _script

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

SAMPLES_SHOWN = [
    SAMPLES / "linux" / "npt--nonroot.txt",  # cut IPv6 addresses
    SAMPLES / "linux" / "anp--backdoor.txt",
    SAMPLES / "windows" / "anob--owners.txt",
    SAMPLES / "ss" / "tanp--webserver.txt",
    SAMPLES / "ss" / "a--all-netids.txt",  # bracketed IPv6 with zones
]
WIDTHS = [60, 80, 120, 200]
STATES = {
    "ESTABLISHED": "EST",
    "TIME_WAIT": "TIME_W",
    "CLOSE_WAIT": "CLOSE_W",
    "SYN_SENT": "SYN_S",
    "SYN_RECEIVED": "SYN_R",
    "FIN_WAIT_1": "FIN_W1",
    "FIN_WAIT_2": "FIN_W2",
    "LAST_ACK": "LAST_A",
}


END = "--- end of output ---"


def in_pane(command: list[str], width: int, height: int = 300) -> list[str]:
    """What ``command`` shows in a fresh tmux pane of ``width`` columns (its whole history)."""
    import time

    name = f"netnorm-{uuid.uuid4().hex[:8]}"
    line = " ".join(shlex.quote(part) for part in command)
    # the pane may get its size a moment after the shell starts: wait for it
    ready = f'n=0; while [ "$(stty size)" != "{height} {width}" ] && [ $n -lt 100 ]; do'
    # COLUMNS and LINES, where the shell has them, would override the size of the pane
    run = f"unset COLUMNS LINES; {line} 2>/dev/null; echo '{END}'; sleep 120"
    script = f"{ready} n=$((n+1)); sleep 0.05; done; {run}"
    subprocess.run(
        [
            "tmux",
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            str(width),
            "-y",
            str(height),
            "sh",
            "-c",
            script,
        ],
        check=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:  # the pane shows output a moment after the program wrote it
            shown = subprocess.run(
                ["tmux", "capture-pane", "-p", "-S", "-", "-t", name],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            if END in shown or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], check=False)
    lines = shown.splitlines()
    return lines[: lines.index(END)] if END in lines else lines


def _endpoints(path: Path) -> set[str]:
    done = subprocess.run(
        [*_script(), "parse", "-f", "jsonl", str(path)], capture_output=True, check=True
    )
    found = set()
    for line in done.stdout.splitlines():
        row = json.loads(line)
        for side in ("local", "remote"):
            found.add(format_endpoint(row[side], zone=True, mark_cut=True))
    return found


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", SAMPLES_SHOWN, ids=lambda p: f"{p.parent.name}/{p.stem}")
@pytest.mark.parametrize("command", ["parse", "analyze"])
def test_no_value_is_split_and_no_line_is_too_wide(command: str, path: Path, width: int) -> None:
    lines = in_pane([*_script(), command, str(path)], width)
    text = "\n".join(lines)
    assert "│" in text or "  local    " in text  # a table (or rows as blocks), on a terminal
    assert all(len(line) <= width for line in lines)
    cells = [cell.strip() for line in lines for cell in line.split("│")]
    words = {word for cell in cells for word in cell.split()}
    for endpoint in _endpoints(path):
        assert any(endpoint in cell for cell in cells), f"{endpoint} split at {width} columns"
    if "ESTABLISHED" in path.read_text(encoding="utf-8", errors="replace"):
        assert "ESTABLISHED" in words or "EST" in words
    assert not words & {"ESTABLISH", "ESTABLISHE", "ESTAB…", "ESTABLISH…"}
