"""Golden JSON for the sample captures.

Regenerate only on purpose, then read the diff before committing:

    python -m tests.goldens            # rewrite every golden
    python -m tests.goldens linux/anp  # rewrite the goldens whose name contains this
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from netnorm.api import iter_capture_dicts
from netnorm.model.schema import Capture

HERE = Path(__file__).parent
SAMPLES = HERE / "samples"


def render(path: Path) -> dict[str, Any]:
    """Parse a sample through the validated model and return what its golden holds."""
    name = path.relative_to(SAMPLES).as_posix()
    captures = [
        Capture.model_validate(d).model_dump(mode="json")
        for d in iter_capture_dicts(path, name=name)
    ]
    return {"captures": captures}


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def golden_path(path: Path) -> Path:
    return path.with_suffix(".json")


def main(argv: list[str]) -> int:
    written = 0
    for path in sorted(p for p in SAMPLES.glob("*/*") if p.suffix in (".txt", ".log")):
        if argv and not any(a in path.relative_to(SAMPLES).as_posix() for a in argv):
            continue
        golden_path(path).write_text(dump(render(path)), encoding="utf-8")
        written += 1
    print(f"wrote {written} goldens; review them with git diff before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
