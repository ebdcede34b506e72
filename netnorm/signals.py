"""Signals: a run that is stopped still cleans up after itself, and its workers stay quiet.

``SIGTERM`` and ``SIGHUP`` raise ``Stopped`` in the main process, so that every ``finally``
runs (spool folders are removed, worker pools are terminated) before the exit status
``128 + signal``, as a shell reports it. ``SIGINT`` (Ctrl-C) raises ``KeyboardInterrupt`` as
usual. Worker processes ignore Ctrl-C, which the terminal sends to the whole process group:
their parent stops them, and they print nothing.
"""

from __future__ import annotations

import contextlib
import signal
from types import FrameType

#: The signals that stop a run with its clean-up.
CAUGHT = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(BaseException):
    """A signal asked the run to stop (a ``BaseException``, like ``KeyboardInterrupt``)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def _raise(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signum)


def install() -> None:
    """In the main process: turn the ``CAUGHT`` signals into ``Stopped``."""
    for signum in CAUGHT:
        # not the main thread, or not allowed here: the default stays
        with contextlib.suppress(OSError, ValueError):
            signal.signal(signum, _raise)


def as_worker() -> None:
    """In a forked worker: ignore Ctrl-C, and let the parent's SIGTERM end it at once."""
    with contextlib.suppress(OSError, ValueError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for signum in CAUGHT:
            signal.signal(signum, signal.SIG_DFL)
