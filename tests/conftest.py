"""Shared paths and helpers for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

TESTS = Path(__file__).parent
SAMPLES = TESTS / "samples"
SHARED = TESTS.parent.parent / "shared"
CORPUS = SHARED / "corpus" / "jc"


def sample_files() -> list[Path]:
    """Every sample capture, in a stable order."""
    return sorted(p for p in SAMPLES.glob("*/*") if p.suffix in (".txt", ".log"))


def sample_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.fixture
def run() -> CliRunner:
    """A CLI runner; each test starts with no failed input remembered."""
    from netnorm.cli import State

    State.failed = False
    return CliRunner()
