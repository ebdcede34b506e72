"""The bounds of every cache the parsers and writers keep.

Real captures repeat their fields, states and owner lines thousands of times, so the hot paths
cache what they make of each text. The caches are small (they stay in the CPU's cache) and
keep no long text: real ones are far shorter, and a hostile capture of long distinct fields
must not fill memory with them.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: Entries a cache holds before it is emptied. Small on purpose: a capture repeats its
#: listeners and busy peers within a few hundred rows, and a small cache stays in the CPU's
#: cache (measured on Windows -ano: 1,024 entries parse about 10% faster than 8,192).
CACHE_SIZE = 1024
#: Texts longer than this are never kept.
CACHED_TEXT = 256


def keep(
    cache: dict[K, V],
    key: K,
    value: V,
    length: int,
    *,
    size: int = CACHE_SIZE,
    longest: int = CACHED_TEXT,
) -> None:
    """Store ``value`` under ``key`` unless ``length``, the length of the text it was made
    from, is over ``longest``; a cache of ``size`` entries is emptied first."""
    if length > longest:
        return
    if len(cache) >= size:
        cache.clear()
    cache[key] = value
