"""netnorm: read Linux and Windows netstat captures into one schema.

Typical use::

    import netnorm
    for capture in netnorm.parse(Path("c.txt")):
        for conn in capture.connections:
            print(conn.protocol, conn.remote.address, conn.state)

The functions and the pydantic models are imported on first use, so that a command imports
only what it runs (``netnorm flags`` needs no parser, ``netnorm parse`` no pydantic).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netnorm.errors import FormatError, InputError, NetnormError, UsageError

if TYPE_CHECKING:
    from netnorm.api import analyze, iter_connections, parse
    from netnorm.model.schema import (
        Capture,
        CaptureOptions,
        Connection,
        Diagnostic,
        Endpoint,
        Finding,
        Report,
        UnixSocket,
    )

__version__ = "0.1.0"

__all__ = [
    "Capture",
    "CaptureOptions",
    "Connection",
    "Diagnostic",
    "Endpoint",
    "Finding",
    "FormatError",
    "InputError",
    "NetnormError",
    "Report",
    "UnixSocket",
    "UsageError",
    "__version__",
    "analyze",
    "iter_connections",
    "parse",
]

_FUNCTIONS = frozenset({"analyze", "iter_connections", "parse"})
#: The names of ``__all__`` not defined here: the pydantic models, imported on first use.
_MODELS = frozenset(name for name in __all__ if name not in globals()) - _FUNCTIONS


def __getattr__(name: str) -> Any:
    if name in _FUNCTIONS:
        from netnorm import api

        return getattr(api, name)
    if name in _MODELS:
        from netnorm.model import schema

        return getattr(schema, name)
    raise AttributeError(f"module 'netnorm' has no attribute {name!r}")
