"""Faults around the data: file names, special files, processes, signals, exit codes, invisible
text. Each runs the console script in a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from netnorm.render import safe
from tests.conftest import SAMPLES

SERVER = SAMPLES / "linux" / "anp--server.txt"
BACKDOOR = SAMPLES / "linux" / "anp--backdoor.txt"


def _script() -> list[str]:
    found = Path(sys.executable).with_name("netnorm")
    if found.exists():
        return [str(found)]
    which = shutil.which("netnorm")
    return [which] if which else [sys.executable, "-m", "netnorm"]


def netnorm(
    *args: str | bytes | os.PathLike[str], cwd: Path | None = None, timeout: float = 60, **options: object
) -> subprocess.CompletedProcess[bytes]:
    """Run the console script; output as bytes, never a traceback."""
    done = subprocess.run(
        [*_script(), *args],
        cwd=cwd,
        capture_output=True,
        timeout=timeout,
        check=False,
        **options,  # type: ignore[call-overload]
    )
    assert b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    return done  # type: ignore[no-any-return]


# --- 1. file names that are not UTF-8 -------------------------------------------------------

BAD_NAME = b"bad\xff.txt"


@pytest.fixture
def bad_named(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / os.fsdecode(BAD_NAME)).write_bytes(SERVER.read_bytes())
    (folder / "ok.txt").write_bytes(BACKDOOR.read_bytes())
    return folder


@pytest.mark.parametrize("fmt", ["table", "markdown"])
@pytest.mark.parametrize("target", ["file", "folder"])
def test_a_file_name_that_is_not_utf8_is_shown_escaped(
    bad_named: Path, fmt: str, target: str
) -> None:
    path = os.fsencode(bad_named) + b"/" + BAD_NAME if target == "file" else os.fsencode(bad_named)
    done = netnorm("analyze", "-f", fmt, path)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")  # valid UTF-8
    assert "bad\\xff.txt" in out.replace("\\\\", "\\")
    assert "external-established" in out


@pytest.mark.parametrize(
    "command",
    [["analyze", "-f", "json"], ["analyze", "-f", "jsonl"], ["parse", "-f", "json"]],
    ids=["analyze-json", "analyze-jsonl", "parse-json"],
)
def test_json_keeps_a_file_name_exact(bad_named: Path, command: list[str]) -> None:
    done = netnorm(*command, os.fsencode(bad_named))
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8")
    assert "bad\\udcff.txt" in text  # the byte's surrogateescape code point, as a JSON escape
    if command[-1] == "jsonl":
        sources = {json.loads(line)["source"] for line in text.splitlines()}
    else:
        sources = {c["source"] for c in json.loads(text)["captures"]}
    assert os.fsencode(bad_named) + b"/" + BAD_NAME in {os.fsencode(s) for s in sources}


def test_parse_lines_and_diff_cope_with_the_name(bad_named: Path) -> None:
    bad = os.fsencode(bad_named) + b"/" + BAD_NAME
    done = netnorm("parse", "-f", "jsonl", bad)
    assert done.returncode == 0 and done.stdout.count(b"\n") == 27
    done = netnorm("parse", "-f", "csv", bad)
    assert b"bad\\xff.txt" in done.stdout
    assert netnorm("diff", "-f", "json", bad, bad).returncode == 0


# --- 5. invisible text ----------------------------------------------------------------------

INVISIBLE = ["\u061c", "\U000e0041", "\u00ad", "\u180e", "\u202e", "\u200b", "\u3164", "\ue000"]
RAW_IN_JSON = ["\u009b", "\u0085", "\x7f", "\u202e", "\u2066", "\u2028"]
HEADER = (
    "Active Internet connections (servers and established)\n"
    "Proto Recv-Q Send-Q Local Address           Foreign Address         State       "
    "PID/Program name    \n"
)


def _capture(tmp_path: Path, names: list[str]) -> Path:
    rows = [
        f"tcp        0      0 10.0.0.1:{5000 + i:<18} 8.8.8.8:53              ESTABLISHED "
        f"{i + 1}/x{name}y"
        for i, name in enumerate(names)
    ]
    path = tmp_path / "invisible.txt"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["parse", "-f", "table"],
        ["parse", "-f", "csv"],
        ["analyze", "-f", "table"],
        ["analyze", "-f", "markdown"],
    ],
)
def test_invisible_characters_are_escaped_in_human_outputs(
    tmp_path: Path, command: list[str]
) -> None:
    done = netnorm(*command, _capture(tmp_path, INVISIBLE + RAW_IN_JSON), env=_wide())
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")
    for ch in INVISIBLE + RAW_IN_JSON:
        assert ch not in out, f"U+{ord(ch):04X} written raw"
    assert "x\\u061cy" in out.replace("\\\\", "\\")


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize("command", ["parse", "analyze"])
def test_json_escapes_controls_and_bidi_but_keeps_the_value(
    tmp_path: Path, command: str, fmt: str
) -> None:
    names = INVISIBLE + RAW_IN_JSON
    done = netnorm(command, "-f", fmt, _capture(tmp_path, names))
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")
    for ch in RAW_IN_JSON:
        assert ch not in out, f"U+{ord(ch):04X} written raw"
    if fmt == "jsonl":
        processes = [json.loads(line)["process"] for line in out.splitlines()]
    else:
        processes = [c["process"] for c in json.loads(out)["captures"][0]["connections"]]
    assert processes == [f"x{name}y" for name in names]


def test_the_invisible_table_holds_every_character_of_its_categories() -> None:
    if unicodedata.unidata_version != safe.INVISIBLE_UNICODE:
        pytest.skip(f"the table is of Unicode {safe.INVISIBLE_UNICODE}")
    categories = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}
    missing = [
        f"U+{code:04X}"
        for code in range(0x110000)
        if unicodedata.category(chr(code)) in categories and safe.visible(chr(code)) == chr(code)
    ]
    assert not missing
    for filler in "\u115f\u1160\u3164\uffa0":
        assert safe.visible(filler) != filler
    for ordinary in "aé日本\u3000 -":
        assert safe.visible(ordinary) == ordinary


def _wide() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200"}
