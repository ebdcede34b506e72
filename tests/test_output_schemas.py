"""Every JSON output validates against the schema ``netnorm schema`` prints for it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import SAMPLES, TESTS, sample_files, sample_id
from tests.test_hardening import netnorm

FLEET = TESTS / "fleet"


@cache
def validator(model: str) -> Draft202012Validator:
    done = netnorm("schema", "--model", model)
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def valid(model: str, document: Any) -> None:
    errors = sorted(validator(model).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


SOME = [p for p in sample_files() if p.parent.name in ("linux", "windows", "ss", "powershell")][::4]


@pytest.mark.parametrize("path", SOME, ids=sample_id)
def test_parse_outputs_validate(path: Path) -> None:
    done = netnorm("parse", "-f", "json", str(path))
    if done.returncode == 2:
        pytest.skip("no socket listing in this sample")
    valid("parse", json.loads(done.stdout))
    for line in netnorm("parse", "-f", "jsonl", str(path)).stdout.splitlines():
        valid("row", json.loads(line))


@pytest.mark.parametrize(
    "args",
    [
        [str(SAMPLES / "linux" / "anp--backdoor.txt")],
        [str(SAMPLES / "windows" / "anob--owners.txt")],
        ["--name-pattern", "{host}_{time}.txt", str(FLEET)],
    ],
    ids=["linux", "windows", "fleet"],
)
def test_analyze_outputs_validate(args: list[str]) -> None:
    report = json.loads(netnorm("analyze", "-f", "json", *args).stdout)
    valid("report", report)
    assert report["findings"]
    for finding in report["findings"]:
        valid("finding", finding)
    for line in netnorm("analyze", "-f", "jsonl", *args).stdout.splitlines():
        valid("row", json.loads(line))


@pytest.mark.parametrize("ignore", [[], ["--ignore-ephemeral"]])
def test_diff_output_validates(ignore: list[str]) -> None:
    a = FLEET / "desk07_20261120T100000.txt"
    b = SAMPLES / "windows" / "anob--owners.txt"
    done = netnorm("diff", "-f", "json", *ignore, str(a), str(b))
    assert done.returncode == 1
    result = json.loads(done.stdout)
    valid("diff", result)
    assert result["added"] and result["removed"]


def test_a_row_with_a_field_too_many_is_refused() -> None:
    line = json.loads(
        netnorm(
            "parse", "-f", "jsonl", str(SAMPLES / "linux" / "anp--server.txt")
        ).stdout.splitlines()[0]
    )
    with pytest.raises(AssertionError):
        valid("row", {**line, "surprise": 1})
