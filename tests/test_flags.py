"""Option translation between Linux and Windows netstat."""

from __future__ import annotations

import pytest

from netnorm.errors import UsageError
from netnorm.flags import linux_to_windows, windows_to_linux


@pytest.mark.parametrize(
    ("command", "expected", "note"),
    [
        ("netstat -npt", "netstat -n -o -b -p tcp", "-b only works from an elevated prompt"),
        ("netstat -anp", "netstat -a -n -o -b", None),
        ("netstat -lntu", "netstat -a -n", "listeners-only"),
        ("netstat -tulpen", "netstat -a -n -o -b", "-e: Windows shows no user or inode column"),
        ("netstat --numeric --tcp", "netstat -n -p tcp", None),
        ("netstat -ntc", "netstat -n -p tcp 1", "interval"),
    ],
)
def test_linux_to_windows(command: str, expected: str, note: str | None) -> None:
    result = linux_to_windows(command)
    assert result.command == expected
    if note:
        assert any(note in n for n in result.notes)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("netstat -anob", "netstat -anp"),
        ("netstat -ano -p tcp", "netstat -anpt"),
        ("netstat -an -p UDPv6", "netstat -anu6"),
        ("netstat /a /n", "netstat -an"),
        ("netstat -anoq 5", "netstat -anpc"),
    ],
)
def test_windows_to_linux(command: str, expected: str) -> None:
    assert windows_to_linux(command).command == expected


def test_unknown_option_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown Linux netstat option -k"):
        linux_to_windows("netstat -k")
