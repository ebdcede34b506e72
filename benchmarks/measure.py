"""Shared by ``memory.py`` and ``scale.py``: one command in a fresh process, and the results."""

from __future__ import annotations

import json
import os
from pathlib import Path

from fleet import timed


class Results:
    """Wall time and peak RSS per named run, printed as they come and saved at the end."""

    def __init__(self, width: int = 40) -> None:
        self.runs: dict[str, dict[str, float]] = {}
        self.width = width

    def measure(self, name: str, command: list[str]) -> None:
        wall, rss = timed(command)
        self.runs[name] = {"wall_s": round(wall, 2), "peak_rss_mb": round(rss, 1)}
        print(f"{name:<{self.width}} {wall:8.2f} s {rss:9.1f} MB", flush=True)

    def finish(self, out: Path | None) -> None:
        """Print the load average, and write the figures to ``out`` as JSON."""
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        print(f"load average at the end: {load}")
        if out:
            out.write_text(json.dumps({"load": load, "runs": self.runs}, indent=2) + "\n")
