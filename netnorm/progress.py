"""Progress on a terminal: bytes read of a large input, or files done of a folder.

A bar appears on stderr only when stderr is a terminal and the run has already taken
``DELAY`` seconds, so short runs, pipes and files never see one. It is transient: it is gone
when the run ends. Lines printed on stderr meanwhile (diagnostics) appear above it.
"""

from __future__ import annotations

import sys
import time
from typing import Any

#: Seconds a run takes before its bar appears.
DELAY = 2.0
#: Seconds the bar stays away after a table was printed.
RESHOW = 1.0


class Meter:
    """What a run has done of its work, and the bar that shows it once it is worth showing.

    Args:
        label: what is being done (a file name, ``files``).
        total: the work in all (bytes or files), ``None`` when unknown (stdin).
        unit: ``bytes`` or ``files``.
    """

    def __init__(
        self, label: str, total: int | None = None, unit: str = "bytes", shown: bool = True
    ) -> None:
        stream = sys.stderr
        tty = stream is not None and hasattr(stream, "isatty") and stream.isatty()
        self.enabled = shown and tty
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self.started = time.monotonic()
        self.paused = -RESHOW
        self._progress: Any = None
        self._task: Any = None

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        self._tick()

    def update(self, done: int) -> None:
        self.done = max(self.done, done)
        self._tick()

    def _tick(self) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            now = time.monotonic()
            if now - self.started < DELAY or now - self.paused < RESHOW:
                return
            self._show()
        self._progress.update(self._task, completed=self.done)

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        counted = DownloadColumn() if self.unit == "bytes" else MofNCompleteColumn()
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            counted,
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True, markup=False, highlight=False),
            transient=True,
        )
        from netnorm.render.safe import visible

        self._task = self._progress.add_task(visible(self.label), total=self.total)
        self._progress.start()

    def pause(self) -> None:
        """Take the bar away while something is printed on the terminal; a step of the work
        ``RESHOW`` seconds later shows it again, below what was printed (not at once: the end
        of the input comes right after the last table, and a bar drawn then could be erased
        over the lines printed after it)."""
        self.close()
        self.paused = time.monotonic()

    def close(self) -> None:
        """Take the bar away (if it was shown)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> Meter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Counted:
    """A binary stream that tells a ``Meter`` how many bytes were read from it."""

    def __init__(self, stream: Any, meter: Meter) -> None:
        self._stream = stream
        self._meter = meter

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._stream.read(size)
        self._meter.advance(len(data))
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
