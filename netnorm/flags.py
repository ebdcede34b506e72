"""Translate a socket listing command line between tools: netstat on Linux, Windows, FreeBSD
and macOS, iproute2 ``ss`` and ``lsof -i``.

Both tools share letters that mean different things (``-p`` is "program" on Linux and "protocol"
on Windows; ``-o`` is "timers" on Linux and "PID" on Windows; ``-e`` is "extended" on Linux and
"interface statistics" on Windows), which is why a translation table is worth having.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

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


# -- between tools ---------------------------------------------------------------------------

#: What ``netnorm flags --to`` can write.
TARGETS = ("linux", "windows", "ss", "lsof", "freebsd", "macos")


@dataclass
class Intent:
    """What a listing command asks for, whatever tool it is written for."""

    listeners: str = "none"  # all, only or none (connections only)
    numeric: bool = False
    owners: bool = False
    protocols: set[str] = field(default_factory=set)  # tcp, udp; empty: both
    extended: bool = False
    timers: bool = False
    unix: bool = False
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of_letters(cls, letters: set[str]) -> Intent:
        """What the letters that net-tools and ss share ask for (``-a -l -n -p -t -u -e -o -x``)."""
        return cls(
            listeners="all" if "a" in letters else "only" if "l" in letters else "none",
            numeric="n" in letters,
            owners="p" in letters,
            protocols={p for letter, p in (("t", "tcp"), ("u", "udp")) if letter in letters},
            extended="e" in letters,
            timers="o" in letters,
            unix="x" in letters,
        )


def _linux_intent(command: str) -> Intent:
    letters = set(_linux_letters(_tokens(command)))
    linux_to_windows(command)  # the same errors for unknown letters
    return Intent.of_letters(letters)


_SS_LONG = {
    "--tcp": "t",
    "--udp": "u",
    "--all": "a",
    "--listening": "l",
    "--numeric": "n",
    "--processes": "p",
    "--extended": "e",
    "--options": "o",
    "--info": "i",
    "--memory": "m",
    "--unix": "x",
    "--raw": "w",
    "--resolve": "r",
}


def _ss_intent(words: list[str]) -> Intent:
    letters: set[str] = set()
    for word in words:
        if word.startswith("--") and word in _SS_LONG:
            letters.add(_SS_LONG[word])
        elif word.startswith("-") and not word.startswith("--") and len(word) > 1:
            letters.update(word[1:])
        else:
            raise UsageError(f"unexpected argument {word!r} for ss")
    unknown = sorted(letters - set("tuwxalnpeoimr46H"))
    if unknown:
        raise UsageError(f"unknown ss option -{unknown[0]}")
    return Intent.of_letters(letters)


def _lsof_intent(words: list[str]) -> Intent:
    intent = Intent(listeners="all", owners=True)
    numeric = {"n": False, "P": False}
    for word in words:
        if word.startswith("-i"):
            proto = word[2:].lstrip("46").split("@")[0].split(":")[0].lower()
            if proto in ("tcp", "udp"):
                intent.protocols.add(proto)
        elif word.startswith("-s") and ":" in word:
            states = word.split(":", 1)[1]
            if states == "LISTEN":
                intent.listeners = "only"
            elif states == "^LISTEN":
                intent.listeners = "none"
        elif word.startswith("-") and set(word[1:]) <= {"n", "P"} and len(word) > 1:
            for letter in word[1:]:
                numeric[letter] = True
        elif word.startswith(("+c", "-c")) or word.isdigit():
            continue
        else:
            raise UsageError(f"unexpected argument {word!r} for lsof")
    intent.numeric = numeric["n"] and numeric["P"]
    return intent


def _bsd_intent(words: list[str]) -> Intent:
    intent = Intent()
    i = 0
    while i < len(words):
        word = words[i]
        if not word.startswith("-") or len(word) < 2:
            raise UsageError(f"unexpected argument {word!r} for BSD netstat")
        for j, letter in enumerate(word[1:]):
            if letter == "p":
                proto = word[j + 2 :] or (words[i + 1] if i + 1 < len(words) else "")
                if not word[j + 2 :]:
                    i += 1
                if proto.lower() not in ("tcp", "udp"):
                    raise UsageError("-p needs a protocol (tcp or udp)")
                intent.protocols.add(proto.lower())
                break
            if letter == "a":
                intent.listeners = "all"
            elif letter == "n":
                intent.numeric = True
            elif letter == "v":
                intent.owners = True  # macOS -v shows the pid
            elif letter not in "AWTxbL46f":
                raise UsageError(f"unknown BSD netstat option -{letter}")
        i += 1
    return intent


def _shared_letters(intent: Intent) -> str:
    """The letters net-tools and ss both use for these asks: ``-a``/``-l``, ``-e``, ``-n``,
    ``-o``, ``-p`` (the inverse of ``Intent.of_letters``)."""
    letters = {"all": "a", "only": "l"}.get(intent.listeners, "")
    letters += "e" if intent.extended else ""
    letters += "n" if intent.numeric else ""
    letters += "o" if intent.timers else ""
    return letters + ("p" if intent.owners else "")


def _write_linux(intent: Intent) -> str:
    letters = _shared_letters(intent)
    if len(intent.protocols) == 1:
        letters += "t" if "tcp" in intent.protocols else "u"
    letters += "x" if intent.unix else ""
    return "netstat -" + letters if letters else "netstat"


def _write_ss(intent: Intent) -> str:
    letters = _shared_letters(intent)
    protocols = intent.protocols or {"tcp", "udp"}
    letters += "t" if "tcp" in protocols else ""
    letters += "u" if "udp" in protocols else ""
    letters += "x" if intent.unix else ""
    return "ss -" + letters


def _write_lsof(intent: Intent) -> str:
    words = ["lsof"]
    if intent.numeric:
        words.append("-nP")
    protocols = sorted(intent.protocols)
    words.append("-i" + protocols[0].upper() if len(protocols) == 1 else "-i")
    if protocols != ["udp"]:
        if intent.listeners == "only":
            words.append("-sTCP:LISTEN")
        elif intent.listeners == "none":
            words.append("-sTCP:^LISTEN")
            if protocols != ["tcp"]:
                intent.notes.append("-sTCP:^LISTEN leaves out TCP listeners, not UDP sockets")
    if not intent.owners:
        intent.notes.append("lsof always shows the command, PID and user")
    return " ".join(words)


def _write_bsd(intent: Intent, macos: bool) -> str:
    letters = "a" if intent.listeners != "none" else ""
    letters += "n" if intent.numeric else ""
    if intent.listeners == "only":
        intent.notes.append("-a lists every socket: BSD netstat has no listeners-only mode")
    if intent.owners:
        if macos:
            letters += "v"
            intent.notes.append("-v: macOS shows the pid (and, since macOS 26, the process)")
        else:
            intent.notes.append("FreeBSD netstat shows no owners: sockstat -46 lists them")
    text = "netstat -" + letters if letters else "netstat"
    if len(intent.protocols) == 1:
        text += " -p " + next(iter(intent.protocols))
    if macos and intent.protocols == set():
        intent.notes.append("on macOS -p names a protocol, not the PID")
    return text


def equivalent(command: str, target: str, source: str | None = None) -> Translation:
    """The nearest command line for ``target`` (one of ``TARGETS``) that lists what
    ``command`` lists: netstat on Linux, Windows, FreeBSD or macOS, ``ss`` or ``lsof``.

    Args:
        command: the command line, starting with its program name.
        target: the tool and platform to write for.
        source: for a ``netstat`` command, its platform (``linux``, ``windows``, ``freebsd``,
            ``macos``); by default Windows when translating to Linux, else Linux.

    Raises:
        UsageError: an unknown target, or an option the source tool does not have.
    """
    if target not in TARGETS:
        raise UsageError(f"unknown target {target!r}; choose from {', '.join(TARGETS)}")
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"cannot read the command line: {exc}") from None
    program = words[0].lower().removesuffix(".exe") if words else "netstat"
    if program == "ss":
        intent = _ss_intent(words[1:])
    elif program == "lsof":
        intent = _lsof_intent(words[1:])
    elif program == "netstat":
        platform = source or ("windows" if target == "linux" else "linux")
        if platform == "windows":
            if target == "linux":
                return windows_to_linux(command)
            translated = windows_to_linux(command)
            intent = _linux_intent(translated.command)
            intent.notes = translated.notes
        elif platform in ("freebsd", "macos"):
            intent = _bsd_intent(words[1:])
        elif platform == "linux":
            if target == "windows":
                return linux_to_windows(command)
            intent = _linux_intent(command)
        else:
            raise UsageError(f"unknown platform {platform!r} for netstat")
    else:
        raise UsageError(f"netnorm translates netstat, ss and lsof, not {words[0]!r}")
    if target == "windows":
        translated = linux_to_windows(_write_linux(intent))
        return Translation(translated.command, intent.notes + translated.notes)
    writers: dict[str, Callable[[Intent], str]] = {
        "linux": _write_linux,
        "ss": _write_ss,
        "lsof": _write_lsof,
        "freebsd": partial(_write_bsd, macos=False),
        "macos": partial(_write_bsd, macos=True),
    }
    if intent.unix and target in ("lsof", "freebsd", "macos"):
        intent.notes.append(
            "UNIX domain sockets: not in this translation (lsof -U, netstat -f unix)"
        )
    text = writers[target](intent)
    return Translation(text, intent.notes)
