"""Option translation between Linux and Windows netstat."""

from __future__ import annotations

from typing import Any

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


@pytest.mark.parametrize(
    ("command", "target", "source", "expected"),
    [
        # one listing, four tools: TCP connections with numbers and owners
        ("netstat -npt", "ss", None, "ss -npt"),
        ("netstat -npt", "lsof", None, "lsof -nP -iTCP -sTCP:^LISTEN"),
        ("netstat -npt", "freebsd", None, "netstat -n -p tcp"),
        ("netstat -npt", "macos", None, "netstat -nv -p tcp"),
        ("ss -npt", "linux", None, "netstat -npt"),
        ("ss -npt", "windows", None, "netstat -n -o -b -p tcp"),
        ("lsof -nP -iTCP -sTCP:^LISTEN", "ss", None, "ss -npt"),
        ("netstat -n -p tcp", "ss", "freebsd", "ss -nt"),
        # listeners
        ("ss -tlnp", "lsof", None, "lsof -nP -iTCP -sTCP:LISTEN"),
        ("lsof -nP -iTCP -sTCP:LISTEN", "linux", None, "netstat -lnpt"),
        ("netstat -an -p tcp", "linux", "freebsd", "netstat -ant"),
        ("netstat -anob", "ss", "windows", "ss -anptu"),
        ("ss -ax", "linux", None, "netstat -ax"),
    ],
)
def test_equivalent_between_tools(
    command: str, target: str, source: str | None, expected: str
) -> None:
    from netnorm.flags import equivalent

    assert equivalent(command, target, source).command == expected


def test_equivalent_says_what_a_tool_cannot_show() -> None:
    from netnorm.flags import equivalent

    notes = equivalent("netstat -npt", "freebsd").notes
    assert notes == ["FreeBSD netstat shows no owners: sockstat -46 lists them"]
    assert equivalent("ss -tln", "freebsd").notes == [
        "-a lists every socket: BSD netstat has no listeners-only mode"
    ]
    with pytest.raises(UsageError, match="unknown ss option -k"):
        equivalent("ss -k", "linux")
    with pytest.raises(UsageError, match="not 'sockstat'"):
        equivalent("sockstat -4", "linux")


def test_flags_command_translates_between_tools(run: Any) -> None:
    from netnorm.cli import app

    result = run.invoke(app, ["flags", "netstat -npt", "--to", "ss"])
    assert (result.exit_code, result.stdout) == (0, "ss -npt\n")
    result = run.invoke(app, ["flags", "netstat -an -p tcp", "--from", "freebsd", "--to", "linux"])
    assert (result.exit_code, result.stdout) == (0, "netstat -ant\n")
