"""The JSON examples of docs/formats.md, checked against the parser.

A fenced block whose info string is ``jsonl sample=<path>`` holds reduced records of the
sample ``tests/samples/<path>``: one JSON object per line, with the row's ``line`` and some of
its record's fields. The sample is parsed as ``tests/goldens.py`` renders it, and the record of
that line must have every field given, with the same value. A nested object may give only some
of its keys, except an empty one, which stands for an empty object; lists must be equal.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from netnorm.api import iter_capture_dicts
from netnorm.model.schema import Capture
from tests.goldens import SAMPLES

DOC = Path(__file__).parent.parent / "docs" / "formats.md"
#: The info string of a checked block.
SAMPLE_INFO = re.compile(r"jsonl sample=(?P<sample>\S+)")
#: The document must keep at least this many checked blocks.
MIN_BLOCKS = 6

#: A fenced block: its info string, the line of its opening fence, and its numbered lines.
Block = tuple[str, int, list[tuple[int, str]]]


def fenced_blocks(text: str) -> list[Block]:
    """Every fenced block of ``text``."""
    blocks: list[Block] = []
    info: str | None = None
    start = 0
    body: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            if info is None:
                info, start, body = line[3:].strip(), number, []
            else:
                blocks.append((info, start, body))
                info = None
        elif info is not None:
            body.append((number, line))
    assert info is None, f"{DOC.name}:{start}: the fenced block is not closed"
    return blocks


def sample_blocks() -> list[Any]:
    """A pytest parameter per checked block: the sample and the block's lines."""
    params: list[Any] = []
    for info, _start, body in fenced_blocks(DOC.read_text(encoding="utf-8")):
        m = SAMPLE_INFO.fullmatch(info)
        if m is not None:
            index = len(params) + 1
            params.append(pytest.param(m["sample"], body, id=f"{m['sample']}#{index}"))
    return params


BLOCKS = sample_blocks()


@cache
def records(sample: str) -> dict[int, dict[str, Any]]:
    """The connection records of a sample, by line, as the goldens render them."""
    path = SAMPLES / sample
    found: dict[int, dict[str, Any]] = {}
    for capture in iter_capture_dicts(path, name=sample):
        dumped = Capture.model_validate(capture).model_dump(mode="json")
        for record in dumped["connections"]:
            found[record["line"]] = record
    return found


def mismatches(expected: Any, actual: Any, where: str) -> list[str]:
    """How ``actual`` differs from the example ``expected`` (nothing when it agrees)."""
    if isinstance(expected, dict) and expected:
        if not isinstance(actual, dict):
            return [f"{where}: {actual!r}, not an object"]
        found = []
        for key, value in expected.items():
            if key in actual:
                found.extend(mismatches(value, actual[key], f"{where}.{key}"))
            else:
                found.append(f"{where}.{key}: missing")
        return found
    # compared as JSON text, so that 0 and 0.0, or 1 and true, differ as they do in the output
    if json.dumps(expected, sort_keys=True) != json.dumps(actual, sort_keys=True):
        return [f"{where}: {json.dumps(actual)} where the example has {json.dumps(expected)}"]
    return []


def test_the_document_has_examples() -> None:
    """The examples are there to be checked."""
    assert len(BLOCKS) >= MIN_BLOCKS


def test_every_json_block_names_its_sample() -> None:
    """A JSON example without its sample would not be checked."""
    unchecked = [
        start
        for info, start, _body in fenced_blocks(DOC.read_text(encoding="utf-8"))
        if info.split(maxsplit=1)[:1] in (["json"], ["jsonl"]) and not SAMPLE_INFO.fullmatch(info)
    ]
    assert not unchecked, f"{DOC.name}: JSON blocks without sample= at lines {unchecked}"


@pytest.mark.parametrize(("sample", "body"), BLOCKS)
def test_example_agrees_with_the_parser(sample: str, body: list[tuple[int, str]]) -> None:
    """Each example line is a subset of the record of its row."""
    assert (SAMPLES / sample).is_file(), f"no sample {sample}"
    assert body, f"the block of {sample} is empty"
    found = records(sample)
    problems: list[str] = []
    for number, text in body:
        where = f"{DOC.name}:{number}"
        example = json.loads(text)
        assert isinstance(example, dict) and isinstance(example.get("line"), int), (
            f"{where}: an example is a JSON object with the row's line"
        )
        record = found.get(example["line"])
        if record is None:
            problems.append(f"{where}: {sample} has no record on line {example['line']}")
            continue
        problems.extend(mismatches(example, record, f"{where} (line {example['line']})"))
    assert not problems, "\n".join(problems)
