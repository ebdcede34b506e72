"""Sets of IP networks that answer "is this address in one of them?" in O(log n).

The ``--internal`` networks and the IOC lists can hold a million entries; a scan over them per
address is what made analyze take minutes. Each family's networks become one sorted table of
merged ``[start, end]`` integer ranges, searched with ``bisect``.
"""

from __future__ import annotations

import os
import socket
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from netnorm.errors import UsageError

_pton = socket.inet_pton
_from_bytes = int.from_bytes
_V4, _V6 = socket.AF_INET, socket.AF_INET6
#: Host-part masks by prefix length, for IPv4 and IPv6.
_SPANS4 = [(1 << (32 - p)) - 1 for p in range(33)]
_SPANS6 = [(1 << (128 - p)) - 1 for p in range(129)]


def parse_network(text: str) -> tuple[int, int, int]:
    """``(version, first, last)`` of an address or CIDR network (host bits may be set).

    Raises:
        ValueError: ``text`` is neither.
    """
    address, slash, prefix_text = text.strip().partition("/")
    six = ":" in address
    try:
        if six:
            value = _from_bytes(_pton(_V6, address.split("%", 1)[0]), "big")
        else:
            value = _from_bytes(_pton(_V4, address), "big")
    except OSError:
        raise ValueError(f"{text!r} is not an IP address or network") from None
    spans = _SPANS6 if six else _SPANS4
    if slash:
        if not prefix_text.isdigit() or int(prefix_text) >= len(spans):
            raise ValueError(f"{text!r} has a bad prefix length")
        span = spans[int(prefix_text)]
    else:
        span = 0
    first = value & ~span
    return (6 if six else 4), first, first | span


class NetworkSet:
    """Membership of addresses in a set of networks."""

    def __init__(self, networks: Iterable[str] = ()) -> None:
        # each range packed into one int, first above last, so that sorting is an int sort
        packed: dict[int, list[int]] = {4: [], 6: []}
        four, spans = packed[4].append, _SPANS4
        for text in networks:
            # the common entry, IPv4 with a prefix or none, inline: a million of them load
            # in a few seconds; anything else (IPv6, blanks, bad entries) goes the long way
            address, _, prefix = text.partition("/")
            if ":" not in address and (not prefix or (prefix.isdigit() and int(prefix) <= 32)):
                try:
                    value = _from_bytes(_pton(_V4, address), "big")
                except OSError:
                    raise ValueError(f"{text!r} is not an IP address or network") from None
                span = spans[int(prefix)] if prefix else 0
                first = value & ~span
                four((first << 32) | first | span)
                continue
            version, first, last = parse_network(text)
            packed[version].append((first << (32 if version == 4 else 128)) | last)
        self._tables = {4: _merged(packed[4], 32), 6: _merged(packed[6], 128)}
        self.size = len(packed[4]) + len(packed[6])

    def __bool__(self) -> bool:
        return self.size > 0

    def __contains__(self, address: object) -> bool:
        if not isinstance(address, str):
            return False
        return self.contains(address)

    def contains(self, address: str) -> bool:
        """True when the canonical address (IPv4-mapped IPv6 counts as its IPv4) is in a
        network of the set."""
        if address.startswith("::ffff:") and "." in address:
            address = address[7:]
        six = ":" in address
        starts, ends = self._tables[6 if six else 4]
        if not starts:
            return False
        try:
            packed = socket.inet_pton(socket.AF_INET6 if six else socket.AF_INET, address)
        except OSError:
            return False
        value = int.from_bytes(packed, "big")
        i = bisect_right(starts, value) - 1
        return i >= 0 and value <= ends[i]


def _merged(packed: list[int], bits: int) -> tuple[list[int], list[int]]:
    """Sorted starts and ends of the union of the packed ranges (overlapping ones merged)."""
    starts: list[int] = []
    ends: list[int] = []
    mask = (1 << bits) - 1
    packed.sort()
    end = -2
    for item in packed:
        first, last = item >> bits, item & mask
        if first <= end + 1:
            if last > end:
                end = ends[-1] = last
        else:
            starts.append(first)
            ends.append(last)
            end = last
    return starts, ends


def read_list(path: str, label: str = "IOC list") -> list[str]:
    """The entries of a list file: one address or network per line, ``#`` starts a comment
    (checked when a set is built from them: see ``bad_line``).

    Raises:
        UsageError: the file cannot be read.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read the {label}: {exc.strerror or exc}", path) from None
    entries = []
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip() if "#" in line else line.strip()
        if entry:
            entries.append(entry)
    return entries


def bad_line(files: tuple[str, ...], label: str) -> UsageError:
    """The error for the first entry of these files that is not an address or network."""
    for path in files:
        text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            entry = line.split("#", 1)[0].strip()
            if entry:
                try:
                    parse_network(entry)
                except ValueError as exc:
                    return UsageError(f"{label}: {exc}", path, number)
    return UsageError(f"{label}: a bad entry", files[0] if files else None)


def ioc_set(files: tuple[str, ...]) -> NetworkSet:
    """The IOC networks of these files, loaded once per run (workers inherit them).

    Raises:
        UsageError: a file cannot be read, or a line of it is not an address or network.
    """
    return network_set((), files, "IOC list")


def network_set(
    networks: tuple[str, ...], files: tuple[str, ...] = (), label: str = "network list"
) -> NetworkSet:
    """The set of these networks and of the networks in these list files, built once per run
    (and again only when a file changes).

    Raises:
        ValueError: one of ``networks`` is not a network. UsageError: as for ``ioc_set``.
    """
    return _network_set(networks, tuple(_identity(path) for path in files), label)


def _identity(path: str) -> tuple[str, int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return path, -1, -1  # read_list says what is wrong
    return path, st.st_mtime_ns, st.st_size


@lru_cache(maxsize=8)
def _network_set(
    networks: tuple[str, ...], files: tuple[tuple[str, int, int], ...], label: str
) -> NetworkSet:
    paths = tuple(path for path, _, _ in files)
    NetworkSet(networks)  # a bad network given by name raises ValueError here
    entries = [entry for path in paths for entry in read_list(path, label)]
    try:
        return NetworkSet([*networks, *entries])
    except ValueError:
        raise bad_line(paths, label) from None
