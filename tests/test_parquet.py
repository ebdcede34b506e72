"""``--format parquet``: a hive-partitioned dataset that DuckDB reads back as the JSONL rows."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from netnorm.cli import app
from tests.conftest import SAMPLES, TESTS, sample_files

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

FLEET = TESTS / "fleet"
ROOT = TESTS.parent
#: What the dataset has beyond a JSONL row.
EXTRA = ("captured_at", "date")


def _read(folder: Path) -> list[dict[str, Any]]:
    """The dataset's rows as DuckDB reads them, in input order."""
    cursor = duckdb.sql(
        f"SELECT * FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    return sorted(rows, key=lambda r: (r["source"], r["capture"], r["line"]))


def _jsonl(text: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in text.splitlines()]
    return sorted(rows, key=lambda r: (r["source"], r["capture"], r["line"]))


def _as_jsonl(row: dict[str, Any]) -> dict[str, Any]:
    """A dataset row in the shape of a JSONL row: counters as an object, without the extra
    columns, columns in JSONL order."""
    row = {k: v for k, v in row.items() if k not in EXTRA}
    row["counters"] = json.loads(row["counters"]) if row["counters"] else {}
    return row


def test_the_dataset_holds_the_jsonl_rows_of_every_sample(run: CliRunner, tmp_path: Path) -> None:
    paths = [str(p) for p in sample_files()]
    jsonl = run.invoke(app, ["parse", "-f", "jsonl", "-j", "1", *paths])
    dataset = tmp_path / "dataset"
    written = run.invoke(app, ["parse", "-f", "parquet", "-o", str(dataset), *paths])
    assert written.exit_code == jsonl.exit_code
    expected = _jsonl(jsonl.stdout)
    rows = _read(dataset)
    assert len(rows) == len(expected) > 1000
    for row, want in zip(rows, expected, strict=True):
        assert _as_jsonl(row) == want
    assert f"wrote {len(expected):,} connections" in written.stderr
    # these samples' names hold no host: the capture's own, or none
    assert {r["host"] for r in rows} == {w["host"] for w in expected}


def test_partitions_are_platform_host_and_date(run: CliRunner, tmp_path: Path) -> None:
    dataset = tmp_path / "d"
    result = run.invoke(app, ["parse", "-f", "parquet", "-o", str(dataset), str(FLEET)])
    assert result.exit_code == 0, result.stderr
    folders = sorted(str(p.parent.relative_to(dataset)) for p in dataset.rglob("*.parquet"))
    assert folders == [
        "platform=linux/host=web01/date=2026-11-20",
        "platform=windows/host=desk07/date=2026-11-20",
    ]
    rows = _read(dataset)
    assert {(r["host"], str(r["captured_at"])) for r in rows} == {
        ("desk07", "2026-11-20 10:00:00+00:00"),
        ("desk07", "2026-11-20 10:20:00+00:00"),
        ("web01", "2026-11-20 10:00:00+00:00"),
        ("web01", "2026-11-20 11:00:00+00:00"),
        ("web01", "2026-11-20 12:00:00+00:00"),
    }


def test_a_hostile_host_name_stays_inside_the_dataset(run: CliRunner, tmp_path: Path) -> None:
    dataset = tmp_path / "d"
    host = "../../x y/%2e\x1b"
    sample = SAMPLES / "linux" / "anp--server.txt"
    result = run.invoke(
        app, ["parse", "-f", "parquet", "--host", host, "-o", str(dataset), str(sample)]
    )
    assert result.exit_code == 0, result.stderr
    files = list(tmp_path.rglob("*.parquet"))
    assert files and all(dataset in f.parents for f in files)
    assert {r["host"] for r in _read(dataset)} == {host}


def test_running_again_adds_files(run: CliRunner, tmp_path: Path) -> None:
    dataset = tmp_path / "d"
    for _ in range(2):
        assert (
            run.invoke(app, ["parse", "-f", "parquet", "-o", str(dataset), str(FLEET)]).exit_code
            == 0
        )
    assert len(_read(dataset)) == 40


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "Error: --format parquet writes a dataset folder: give it with --output DIR\n"),
        (
            ["-o", "-"],
            "Error: --format parquet writes a dataset folder: give it with --output DIR\n",
        ),
        (
            ["-o", str(FLEET / "out")],
            f"Error: --output {FLEET / 'out'} is inside the input folder {FLEET}\n",
        ),
    ],
)
def test_where_a_dataset_cannot_go(run: CliRunner, arguments: list[str], message: str) -> None:
    for command in ("parse", "analyze"):
        result = run.invoke(app, [command, "-f", "parquet", *arguments, str(FLEET)])
        assert result.exit_code == 2
        assert result.stderr.endswith(message)
    assert not (FLEET / "out").exists()


def test_a_file_is_not_a_dataset_folder(run: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    result = run.invoke(app, ["parse", "-f", "parquet", "-o", str(target), str(FLEET)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: --output {target} is a file; parquet writes a folder\n"


def test_without_pyarrow_the_error_names_the_extra(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['pyarrow'] = None; "
        "sys.argv = ['netnorm', 'parse', '-f', 'parquet', '-o', sys.argv[1], sys.argv[2]]; "
        "from netnorm.cli import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "d"), str(FLEET)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert done.stderr == "Error: --format parquet needs pyarrow: pip install 'netnorm[parquet]'\n"
    assert not (tmp_path / "d").exists()


def test_analyze_fills_scope_reach_and_direction(run: CliRunner, tmp_path: Path) -> None:
    dataset = tmp_path / "d"
    jsonl = run.invoke(app, ["analyze", "-f", "jsonl", str(FLEET)])
    for jobs in ("1", "2"):
        written = run.invoke(
            app, ["analyze", "-f", "parquet", "-j", jobs, "-o", str(dataset / jobs), str(FLEET)]
        )
        assert written.exit_code == jsonl.exit_code == 0
        assert written.stdout == ""
        rows = [_as_jsonl(r) for r in _read(dataset / jobs)]
        assert rows == _jsonl(jsonl.stdout)
        assert {r["reach"] for r in rows} == {"internal", "external", "none"}


def test_the_docs_query_ranks_endpoints_as_analyze_does(run: CliRunner, tmp_path: Path) -> None:
    usage = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    query = re.search(r"```sql\n-- rarest-endpoints\n(.*?)```", usage, re.S)
    assert query is not None
    fleet = tmp_path / "fleet"
    assert (
        run.invoke(app, ["analyze", "-f", "parquet", "-o", str(fleet), str(FLEET)]).exit_code == 0
    )
    report = json.loads(run.invoke(app, ["analyze", "-f", "json", str(FLEET)]).stdout)
    os.chdir(tmp_path)  # the query names the folder as the docs do
    try:
        found = duckdb.sql(query.group(1).rstrip().rstrip(";")).fetchall()
    finally:
        os.chdir(ROOT)
    expected = [
        (s["endpoint"], s["hosts"], s["connections"], s["processes"] or None)
        for s in report["fleet"]["external_endpoints"]
    ]
    assert found == expected[:20] and len(expected) == 5


def test_the_arrow_schema_is_the_golden_one() -> None:
    from netnorm.render.parquet import arrow_schema

    golden = TESTS / "parquet" / "schema.txt"
    text = arrow_schema().to_string(show_schema_metadata=False) + "\n"
    if os.environ.get("NETNORM_UPDATE_GOLDENS"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_a_number_beyond_64_bits_is_null(tmp_path: Path) -> None:
    """The parsers refuse such numbers in queue columns; a row that has one anyway (from the
    library) loses only that value."""
    from netnorm.api import iter_items
    from netnorm.parsers.reader import Event
    from netnorm.render.parquet import ParquetWriter

    _, items = iter_items(SAMPLES / "linux" / "anp--server.txt")
    rows = [dict(row) for kind, batch, _ in items if kind == Event.CONNECTION for row in batch]
    rows[0]["recv_q"] = 1 << 70
    writer = ParquetWriter(tmp_path / "d")
    writer.add(rows, "x.txt", 1, "linux", None, None)
    writer.close()
    read = _read(tmp_path / "d")
    assert [r["recv_q"] for r in read[:2]] == [None, rows[1]["recv_q"]]
    assert len(read) == len(rows)
