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


def _session(name: str, width: int, height: int, script: str) -> None:
    """A detached tmux session of that size that runs ``script`` in sh."""
    size = ["-x", str(width), "-y", str(height)]
    subprocess.run(
        ["tmux", "-f", "/dev/null", "new-session", "-d", "-s", name, *size, "sh", "-c", script],
        check=True,
    )


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
    _session(name, width, height, script)
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


@pytest.fixture(scope="module")
def slow_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A capture that takes several seconds to read (600,000 rows)."""
    lines = (SAMPLES / "linux" / "anp--server.txt").read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line.startswith(("tcp ", "udp "))]
    path = tmp_path_factory.mktemp("slow") / "slow.txt"
    path.write_text("\n".join(lines[:2] + rows * 32000) + "\n", encoding="utf-8")
    return path


def _watch(command: str, width: int = 100, seconds: float = 20, height: int = 10) -> list[str]:
    """Screens of a tmux pane, one every 0.2 s, while ``command`` runs."""
    import time

    name = f"netnorm-{uuid.uuid4().hex[:8]}"
    script = f"unset COLUMNS LINES; {command}; echo '{END}'; sleep 60"
    _session(name, width, height, script)
    screens = []
    try:
        deadline = time.monotonic() + seconds * 3
        while time.monotonic() < deadline:
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", name],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            screens.append(screen)
            if END in screen:
                break
            time.sleep(0.2)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], check=False)
    return screens


def test_a_long_run_shows_the_bytes_read_on_the_terminal(slow_input: Path) -> None:
    script = " ".join(shlex.quote(p) for p in _script())
    screens = _watch(f"{script} parse -f jsonl -j 1 {shlex.quote(str(slow_input))} >/dev/null")
    shown = [s for s in screens if "slow.txt" in s and "MB" in s and "━" in s]
    assert shown, "no progress bar"
    assert END in screens[-1] and "━" not in screens[-1]  # gone when the run ends


def test_stdin_shows_the_bytes_read_without_a_total(slow_input: Path) -> None:
    script = " ".join(shlex.quote(p) for p in _script())
    screens = _watch(f"cat {shlex.quote(str(slow_input))} | {script} analyze -f json >/dev/null")
    assert any("<stdin>" in s and "/? MB" in s for s in screens)


def test_no_bar_when_stderr_is_not_a_terminal(slow_input: Path) -> None:
    done = subprocess.run(
        [*_script(), "parse", "-f", "jsonl", "-j", "1", str(slow_input)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    assert done.returncode == 0 and done.stderr == b""


@pytest.mark.parametrize("command", ["parse", "analyze"])
def test_the_bar_leaves_a_table_on_the_same_terminal_alone(slow_input: Path, command: str) -> None:
    script = " ".join(shlex.quote(p) for p in _script())
    line = f"{script} {command} --limit 3 {shlex.quote(str(slow_input))}"
    screens = _watch(line, seconds=40, height=60)
    assert any("━" in s and "MB" in s for s in screens[:-1]), "no progress bar"
    final = screens[-1].splitlines()
    assert not any("MB" in line for line in final)  # no frame of the bar is left behind
    assert any(line.startswith(str(slow_input)) for line in final) or command == "analyze"
    assert "more (use --all or -f jsonl)" in screens[-1]
