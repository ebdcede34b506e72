"""Lint, format and type checks run with the tests, so one command checks everything."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import TESTS

ROOT = TESTS.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        ("ruff", "check", "netnorm", "tests", "benchmarks"),
        ("ruff", "format", "--check", "netnorm", "tests", "benchmarks"),
        ("mypy", "--strict", "netnorm"),
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_quality_gate(args: tuple[str, ...]) -> None:
    if shutil.which(args[0]) is None and _run(args[0], "--version").returncode != 0:
        pytest.fail(f"{args[0]} is missing: install the test extras (pip install -e '.[test]')")
    result = _run(*args)
    assert result.returncode == 0, result.stdout + result.stderr
