"""Translate a netstat command line between Linux net-tools and Windows netstat.exe.

Both tools share letters that mean different things (``-p`` is "program" on Linux and "protocol"
on Windows; ``-o`` is "timers" on Linux and "PID" on Windows; ``-e`` is "extended" on Linux and
"interface statistics" on Windows), which is why a translation table is worth having.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from netnorm.errors import UsageError
from netnorm.model.enums import Platform

_LINUX_LONG = {
    "--all": "a",
    "--listening": "l",
    "--numeric": "n",
    "--program": "p",
    "--tcp": "t",
    "--udp": "u",
    "--udplite": "U",
    "--raw": "w",
    "--unix": "x",
    "--extend": "e",
    "--timers": "o",
    "--wide": "W",
    "--notrim": "W",
    "--continuous": "c",
    "--context": "Z",
    "--route": "r",
    "--interfaces": "i",
    "--statistics": "s",
    "--groups": "g",
    "--verbose": "v",
}


@dataclass
class Translation:
    """A translated command line and what could not be carried over."""

    command: str
    notes: list[str] = field(default_factory=list)


def _tokens(command: str) -> list[str]:
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"cannot read the command line: {exc}") from None
    if words and words[0].lower().removesuffix(".exe") == "netstat":
        words = words[1:]
    return words


def _linux_letters(words: list[str]) -> list[str]:
    letters: list[str] = []
    for word in words:
        if word.startswith("--"):
            letter = _LINUX_LONG.get(word.split("=")[0])
            if letter is None:
                raise UsageError(f"unknown Linux netstat option {word!r}")
            letters.append(letter)
        elif word.startswith("-") and len(word) > 1:
            letters.extend(word[1:])
        else:
            raise UsageError(f"unexpected argument {word!r} for Linux netstat")
    return letters


def linux_to_windows(command: str) -> Translation:
    """Translate a Linux net-tools command line into the nearest Windows one."""
    letters = _linux_letters(_tokens(command))
    out: list[str] = []
    notes: list[str] = []
    seen = set(letters)
    if seen & {"a", "l"}:
        out.append("-a")
        if "l" in seen and "a" not in seen:
            notes.append(
                "-l: Windows has no listeners-only mode; -a lists everything, "
                "so filter for LISTENING rows"
            )
    if "n" in seen:
        out.append("-n")
    if "p" in seen:
        out += ["-o", "-b"]
        notes.append(
            "-p: Windows needs -o for the PID and -b for the program; "
            "-b only works from an elevated prompt"
        )
    protos = [p for p in ("t", "u") if p in seen]
    if len(protos) == 1:
        out += ["-p", {"t": "tcp", "u": "udp"}[protos[0]]]
    elif len(protos) == 2:
        notes.append("-t -u: Windows -p takes one protocol; without -p it lists TCP and UDP")
    if "r" in seen:
        out.append("-r")
    if "s" in seen:
        out.append("-s")
    if "i" in seen:
        out.append("-e")
        notes.append("-i: the nearest Windows view is -e (Ethernet statistics)")
    if "c" in seen:
        out.append("1")
        notes.append("-c: Windows repeats when given an interval in seconds, here 1")
    unsupported = {
        "e": "-e: Windows shows no user or inode column",
        "o": "-o: Windows shows no TCP timers",
        "W": "-W: not needed, Windows never cuts addresses",
        "Z": "-Z: Windows has no SELinux contexts",
        "x": "-x: Windows netstat does not list UNIX domain sockets",
        "w": "-w: Windows netstat does not list raw sockets",
        "U": "-U: Windows netstat does not list UDP-Lite sockets",
        "g": "-g: Windows netstat shows no multicast group memberships",
        "v": "-v: no Windows equivalent",
    }
    for letter, note in unsupported.items():
        if letter in seen:
            notes.append(note)
    known = set("alnptursicewWZxUgvo")
    for letter in sorted(seen - known):
        raise UsageError(f"unknown Linux netstat option -{letter}")
    return Translation(" ".join(["netstat", *out]), notes)


def windows_to_linux(command: str) -> Translation:
    """Translate a Windows netstat.exe command line into the nearest Linux one."""
    words = _tokens(command)
    seen: list[str] = []
    proto: str | None = None
    interval: str | None = None
    i = 0
    while i < len(words):
        word = words[i]
        if word.isdigit():
            interval = word
        elif word[:1] in "-/" and len(word) > 1:
            flags = word[1:].lower()
            for j, letter in enumerate(flags):
                if letter == "p":
                    rest = flags[j + 1 :]
                    if rest:
                        proto = rest
                    elif i + 1 < len(words):
                        i += 1
                        proto = words[i].lower()
                    else:
                        raise UsageError("-p needs a protocol (tcp, udp, tcpv6, udpv6)")
                    break
                seen.append(letter)
        else:
            raise UsageError(f"unexpected argument {word!r} for Windows netstat")
        i += 1
    letters = ""
    notes: list[str] = []
    if "a" in seen or "q" in seen:
        letters += "a"
    if "q" in seen:
        notes.append("-q: Linux has no BOUND state; bound-only sockets are not listed")
    if "n" in seen:
        letters += "n"
    if "o" in seen or "b" in seen:
        letters += "p"
        if "b" in seen:
            notes.append("-b: Linux -p shows PID/program; there are no component lines")
        notes.append("-p: run as root to see every process's sockets")
    if proto is not None:
        base = proto.removesuffix("v6")
        if base not in ("tcp", "udp", "ip", "icmp"):
            raise UsageError(f"unknown protocol {proto!r} for -p")
        if base in ("tcp", "udp"):
            letters += base[0]
        else:
            notes.append(f"-p {proto}: Linux netstat has no such connection filter")
        if proto.endswith("v6"):
            letters += "6"
    if "f" in seen:
        letters += "W"
        notes.append("-f: Linux prints names without cutting them only with -W")
    if "r" in seen:
        letters += "r"
    if "s" in seen:
        letters += "s"
    if "e" in seen:
        letters += "i"
        notes.append("-e: the nearest Linux view is -i (interface statistics)")
    if interval is not None:
        letters += "c"
        notes.append(f"interval {interval}: Linux -c repeats every second, not every {interval}")
    for letter, note in {
        "v": "-v: Linux has no module stacks; -p shows the program only",
        "x": "-x: no NetworkDirect on Linux",
        "y": "-y: no connection templates on Linux",
        "t": "-t: no offload state on Linux",
    }.items():
        if letter in seen:
            notes.append(note)
    known = set("anobqfrsexytv")
    for letter in sorted(set(seen) - known):
        raise UsageError(f"unknown Windows netstat option -{letter}")
    return Translation("netstat -" + letters if letters else "netstat", notes)


def translate(command: str, to: Platform) -> Translation:
    """Translate ``command`` to the ``to`` platform's netstat.

    Raises:
        UsageError: the command line has an option the source platform does not have.
    """
    if to is Platform.WINDOWS:
        return linux_to_windows(command)
    return windows_to_linux(command)
