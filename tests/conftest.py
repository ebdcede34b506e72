"""Shared paths and helpers for the test suite."""

from __future__ import annotations

from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def dask_scheduler() -> Iterator[str]:
    """The address of a local Dask cluster of two worker processes (skips without dask)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()
