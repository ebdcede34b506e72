"""Start-up: each command imports only what it runs (an import list, never a timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

_PROBE = """
import contextlib, io, json, sys
sys.argv = ["netnorm", *sys.argv[1:]]
from netnorm.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""

SERVER = str(SAMPLES / "linux" / "anp--server.txt")
WINDOWS = str(SAMPLES / "windows" / "anob--owners.txt")


def _imported(*args: str, cwd: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    ("args", "absent"),
    [
        (("parse", "-f", "jsonl", SERVER), {"pydantic", "rich"}),
        (("parse", "-f", "csv", WINDOWS), {"pydantic", "rich"}),
        (("parse", "-f", "json", WINDOWS), {"pydantic", "rich"}),
        (("analyze", "-f", "json", SERVER), {"pydantic", "rich", "multiprocessing"}),
        (("flags", "netstat -npt"), {"pydantic", "rich", "pyparsing", "orjson"}),
    ],
    ids=["parse-jsonl", "parse-csv", "parse-json", "analyze-json", "flags"],
)
def test_a_command_imports_only_what_it_runs(
    args: tuple[str, ...], absent: set[str], tmp_path: Path
) -> None:
    imported = _imported(*args, cwd=str(tmp_path))  # no ./netnorm.toml there
    assert "netnorm" in imported
    assert not imported & absent, sorted(imported & absent)


def test_a_configuration_file_is_validated_by_the_models(tmp_path: Path) -> None:
    folder = tmp_path
    (folder / "netnorm.toml").write_text("internal = ['203.0.113.0/24']\n", encoding="utf-8")
    assert "pydantic" in _imported("analyze", "-f", "json", SERVER, cwd=str(folder))


def test_the_defaults_are_the_models_defaults() -> None:
    from dataclasses import asdict

    from netnorm.analysis.config import DEFAULTS
    from netnorm.analysis.config_model import Config

    assert asdict(DEFAULTS) == Config().model_dump()
