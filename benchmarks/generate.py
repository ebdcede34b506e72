"""Generate large, realistic netstat captures for the netnorm benchmark.

Usage: ``python benchmarks/generate.py OUTDIR [--rows 100000] [--seed 1]``

Three files are written, each holding ``--rows`` connection rows in the byte layout of the
real tool (column widths measured on the captures in the jc test fixtures):

* ``linux-anp.txt``: net-tools ``netstat -anp`` (LF line endings);
* ``windows-ano.txt``: Windows ``netstat -ano`` (CRLF);
* ``windows-anob.txt``: Windows ``netstat -anob`` (CRLF): the same connection rows as
  ``windows-ano.txt``, each followed by its owner block (none for TIME_WAIT rows);
* ``linux-ss-tuanp.txt``: iproute2 6.1 ``ss -tuanp`` (LF), each column padded to a fixed
  width as ss pads it to its widest value. It has the Netid column: ``jc --ss`` cannot read a
  listing without one (``ss -tanp``).

The output depends only on ``--rows`` and ``--seed``. Rows are produced one at a time and
written straight to the file.
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, TextIO

LINUX_ANP = "linux-anp.txt"
WINDOWS_ANO = "windows-ano.txt"
WINDOWS_ANOB = "windows-anob.txt"
SS_TUANP = "linux-ss-tuanp.txt"
FILE_NAMES: tuple[str, ...] = (LINUX_ANP, WINDOWS_ANO, WINDOWS_ANOB, SS_TUANP)

DEFAULT_ROWS = 100_000
DEFAULT_SEED = 1

_WRITE_BUFFER = 1 << 20

# --------------------------------------------------------------------------------------
# Linux net-tools layout
# --------------------------------------------------------------------------------------

LINUX_HEADING = "Active Internet connections (servers and established)"
# Copied byte for byte from a real capture: the State title is padded to 11 columns and
# "PID/Program name" to 20, so the line ends in four spaces (100 characters in all).
LINUX_HEADER = (
    "Proto Recv-Q Send-Q Local Address           Foreign Address         State       "
    "PID/Program name    "
)
_LINUX_ADDR_WIDTH = 23  # net-tools cuts longer endpoints to 23 characters unless -W is used
_LINUX_OWNER_MAX = 19  # PID/name is written into a 20-byte buffer, so 19 characters at most
_LINUX_EPHEMERAL = (32768, 60999)  # default net.ipv4.ip_local_port_range

# Program names as netstat prints them (argv[0], so spaces and colons occur).
_LINUX_PROGRAMS: tuple[str, ...] = (
    "sshd",
    "sshd: root@pts/0",
    "sshd: deploy [priv]",
    "nginx",
    "nginx: worker process",
    "postgres",
    "postgres: walsender",
    "pgpool",
    "pgpool: watchdog",
    "pgpool: heartbeat receiver",
    "redis-server",
    "mysqld",
    "java",
    "node",
    "python3",
    "gunicorn: worker [app]",
    "php-fpm: pool www",
    "Passenger RubyApp: /srv/app",
    "containerd",
    "dockerd",
    "docker-proxy",
    "haproxy",
    "envoy",
    "memcached",
    "systemd-resolve",
    "systemd-network",
    "NetworkManager",
    "avahi-daemon: running [web01.local]",
    "chronyd",
    "dhclient",
    "cupsd",
    "master",
    "zabbix_agentd",
    "rpcbind",
    "git-remote-https",
    "curl",
    "firefox",
    "kubelet",
)

# (port, program) pairs for well-known listeners.
_LINUX_SERVICES: tuple[tuple[int, str], ...] = (
    (22, "sshd"),
    (25, "master"),
    (80, "nginx"),
    (443, "nginx"),
    (3000, "node"),
    (3306, "mysqld"),
    (5432, "postgres"),
    (6379, "redis-server"),
    (8000, "gunicorn: worker [app]"),
    (8080, "java"),
    (9000, "pgpool: watchdog"),
    (9200, "java"),
    (9898, "pgpool"),
    (10050, "zabbix_agentd"),
    (10250, "kubelet"),
    (11211, "memcached"),
)
_REMOTE_SERVER_PORTS: tuple[int, ...] = (443, 443, 443, 80, 22, 53, 5432, 6379, 8080, 9200)

_LINUX_TCP_STATES: tuple[str, ...] = ("ESTABLISHED", "TIME_WAIT", "CLOSE_WAIT", "SYN_RECV")
_LINUX_TCP_WEIGHTS: tuple[float, ...] = (0.70, 0.18, 0.07, 0.05)

# Short IPv6 prefixes so that "address:port" stays within 23 characters (no truncation).
_V6_REMOTE_PREFIXES: tuple[str, ...] = (
    "2606:4700",
    "2a00:1450",
    "2a03:2880",
    "2620:fe",
    "2001:67c",
    "2a01:4f8",
    "2600:1f18",
)


@dataclass(frozen=True, slots=True)
class LinuxProcess:
    """A process that owns sockets in the Linux capture."""

    pid: int
    name: str

    @property
    def owner(self) -> str:
        """The PID/Program name value, cut to 19 characters like net-tools does."""
        return f"{self.pid}/{self.name}"[:_LINUX_OWNER_MAX]


def linux_row(
    proto: str, recv_q: int, send_q: int, local: str, foreign: str, state: str, owner: str
) -> str:
    """Format one net-tools row: queues 6 wide, addresses 23, state 11, owner 20."""
    # tcp rows are "%-4s  %6ld %6ld", udp and raw rows "%-5s %6ld %6ld": same bytes for the
    # protocol tokens used here.
    return f"{proto:<5} {recv_q:>6} {send_q:>6} {local:<23} {foreign:<23} {state:<11} {owner:<20}\n"


def _linux_pid(rng: random.Random) -> int:
    """A plausible Linux PID; a fifth of them are long (pid_max is 4194304 on 64-bit)."""
    if rng.random() < 0.2:
        return rng.randint(100_000, 4_194_303)
    return rng.randint(300, 65_535)


def _public_ipv4(rng: random.Random) -> str:
    """A random address outside the private, loopback and multicast ranges."""
    while True:
        first = rng.randint(1, 223)
        if first not in (10, 127, 169, 172, 192):
            return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _private_ipv4(rng: random.Random) -> str:
    """A random RFC 1918 client address."""
    return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _short_ipv6(rng: random.Random, prefixes: Sequence[str], max_len: int) -> str:
    """A compressed global IPv6 address no longer than ``max_len`` characters."""
    while True:
        groups = rng.randint(1, 2)
        tail = ":".join(f"{rng.getrandbits(16):x}" for _ in range(groups))
        text = ipaddress.IPv6Address(f"{rng.choice(prefixes)}::{tail}").compressed
        if len(text) <= max_len:
            return text


def _endpoint(addr: str, port: int) -> str:
    """net-tools endpoint text; the Linux -n output never brackets IPv6."""
    return f"{addr}:{port}"


class _LinuxHost:
    """Addresses and processes of the simulated Linux server."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ipv4 = [f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"]
        self.ipv4 += ["172.17.0.1", f"192.168.{rng.randint(0, 255)}.1"]
        self.ipv6 = [_short_ipv6(rng, ("2a01:4f8", "2a02:c207"), 14) for _ in range(3)]
        self.processes = [
            LinuxProcess(_linux_pid(rng), rng.choice(_LINUX_PROGRAMS)) for _ in range(400)
        ]
        self.services = [
            (port, LinuxProcess(_linux_pid(rng), name)) for port, name in _LINUX_SERVICES
        ]

    def process(self) -> LinuxProcess:
        """A random process from the pool."""
        return self.rng.choice(self.processes)

    def ephemeral(self) -> int:
        """A random local ephemeral port."""
        return self.rng.randint(*_LINUX_EPHEMERAL)

    def queues(self, busy: float) -> tuple[int, int]:
        """Recv-Q and Send-Q: usually zero, occasionally backed up."""
        rng = self.rng
        if rng.random() >= busy:
            return 0, 0
        return rng.choice((0, rng.randint(1, 65_536))), rng.randint(0, 300_000)


def _linux_tcp_listen(host: _LinuxHost, v6: bool) -> str:
    rng = host.rng
    if rng.random() < 0.3:
        port, proc = rng.choice(host.services)
    else:
        port, proc = rng.randint(1024, 65_535), host.process()
    if v6:
        kind = rng.random()
        if kind < 0.6:
            local = _endpoint("::", port)
        elif kind < 0.8:
            local = _endpoint("::1", rng.choice((631, port)))
        elif kind < 0.9:
            # A v4-mapped listener: modern net-tools strips the ::ffff: prefix.
            local = _endpoint("127.0.0.1", port)
        else:
            local = _endpoint(rng.choice(host.ipv6), port)
        foreign = ":::*"
    else:
        addr = rng.choice(("0.0.0.0", "0.0.0.0", "0.0.0.0", "127.0.0.1", "127.0.0.53"))
        if rng.random() < 0.2:
            addr = rng.choice(host.ipv4)
        local, foreign = _endpoint(addr, port), "0.0.0.0:*"
    recv_q = rng.randint(1, 128) if rng.random() < 0.01 else 0
    return linux_row("tcp6" if v6 else "tcp", recv_q, 0, local, foreign, "LISTEN", proc.owner)


def _linux_tcp_conn(host: _LinuxHost, v6: bool) -> str:
    rng = host.rng
    state = rng.choices(_LINUX_TCP_STATES, _LINUX_TCP_WEIGHTS)[0]
    svc_port, svc_proc = rng.choice(host.services)
    direction = rng.random()
    if state == "SYN_RECV":
        direction = 0.0  # only inbound sockets are half-open on the server side
    mapped = v6 and rng.random() < 0.15  # IPv4 client on a dual-stack socket
    if v6 and not mapped:
        if direction < 0.85:
            here = rng.choice(host.ipv6)
            there = _short_ipv6(rng, _V6_REMOTE_PREFIXES, 17)
        else:
            here = there = "::1"
    elif direction < 0.85:
        here = rng.choice(host.ipv4)
        there = _public_ipv4(rng) if rng.random() < 0.6 else _private_ipv4(rng)
    else:
        here = there = "127.0.0.1"
    if direction < 0.5:  # inbound to a local service
        local, foreign = _endpoint(here, svc_port), _endpoint(there, rng.randint(1024, 65_535))
        proc = svc_proc if rng.random() < 0.5 else host.process()
    else:  # outbound (or loopback client side)
        remote_port = rng.choice(_REMOTE_SERVER_PORTS) if direction < 0.85 else svc_port
        local, foreign = _endpoint(here, host.ephemeral()), _endpoint(there, remote_port)
        proc = host.process()
    owner = proc.owner
    if state in ("TIME_WAIT", "SYN_RECV") or (state == "ESTABLISHED" and rng.random() < 0.01):
        owner = "-"  # inode 0 (TIME_WAIT, SYN_RECV) or an orphaned socket
    recv_q, send_q = host.queues(0.08 if state == "ESTABLISHED" else 0.0)
    if state == "CLOSE_WAIT" and rng.random() < 0.5:
        recv_q = rng.randint(1, 1024)  # unread data is typical for CLOSE_WAIT
    return linux_row("tcp6" if v6 else "tcp", recv_q, send_q, local, foreign, state, owner)


def _linux_udp(host: _LinuxHost, v6: bool) -> str:
    rng = host.rng
    kind = rng.random()
    proc = host.process()
    if kind < 0.15:
        port = rng.choice((53, 67, 68, 123, 323, 5353, 546))
        proc = rng.choice(host.processes[:40])
    else:
        port = host.ephemeral() if kind < 0.85 else rng.randint(1024, 65_535)
    if v6:
        addr = rng.choice(("::", "::", "::", "::1", rng.choice(host.ipv6)))
        foreign = ":::*"
    else:
        addr = rng.choice(("0.0.0.0", "0.0.0.0", "0.0.0.0", "127.0.0.1", rng.choice(host.ipv4)))
        foreign = "0.0.0.0:*"
    proto = "udp6" if v6 else "udp"
    return linux_row(proto, 0, 0, _endpoint(addr, port), foreign, "", proc.owner)


def _linux_raw6(host: _LinuxHost) -> str:
    rng = host.rng
    name = rng.choice(("NetworkManager", "systemd-network", "ping6"))
    owner = LinuxProcess(rng.choice(host.processes).pid, name).owner
    local = rng.choice((":::58", ":::58", ":::58", ":::1"))
    return linux_row("raw6", 0, 0, local, ":::*", "7", owner)


def _split(total: int, shares: Sequence[float]) -> list[int]:
    """Split ``total`` by fractions; the remainder goes to the first share."""
    counts = [int(total * share) for share in shares]
    counts[0] += total - sum(counts)
    return counts


def linux_lines(rows: int, seed: int) -> Iterator[str]:
    """Yield every line of a ``netstat -anp`` capture with ``rows`` connection rows."""
    rng = random.Random(f"netnorm-bench-linux-{seed}")
    host = _LinuxHost(rng)
    raw6 = min(rows, max(1, rows // 5000)) if rows else 0
    # Shares of the non-raw rows: tcp other, tcp LISTEN, tcp6 LISTEN, tcp6 other, udp, udp6.
    # Listeners (tcp + tcp6 LISTEN) make up about 20% of the file.
    tcp_conn, tcp_listen, tcp6_listen, tcp6_conn, udp, udp6 = _split(
        rows - raw6, (0.49, 0.14, 0.06, 0.18, 0.09, 0.04)
    )
    yield LINUX_HEADING + "\n"
    yield LINUX_HEADER + "\n"
    # net-tools prints /proc/net/tcp, tcp6, udp, udp6, raw, raw6 in that order, and the
    # kernel lists listening sockets before the others within each table.
    for _ in range(tcp_listen):
        yield _linux_tcp_listen(host, v6=False)
    for _ in range(tcp_conn):
        yield _linux_tcp_conn(host, v6=False)
    for _ in range(tcp6_listen):
        yield _linux_tcp_listen(host, v6=True)
    for _ in range(tcp6_conn):
        yield _linux_tcp_conn(host, v6=True)
    for _ in range(udp):
        yield _linux_udp(host, v6=False)
    for _ in range(udp6):
        yield _linux_udp(host, v6=True)
    for _ in range(raw6):
        yield _linux_raw6(host)


# --------------------------------------------------------------------------------------
# Windows netstat.exe layout
# --------------------------------------------------------------------------------------

WINDOWS_PREAMBLE = ("", "Active Connections", "")
_WIN_EPHEMERAL = (49152, 65535)


def _win_field(text: str, width: int) -> str:
    """Pad to ``width`` but always leave two spaces, as netstat.exe does for long addresses."""
    return text.ljust(width - 2) + "  "


def windows_row(proto: str, local: str, foreign: str, state: str, pid: int) -> str:
    """Format one ``-ano`` row: proto 7 wide, addresses 23, state 16, then the PID."""
    return (
        "  "
        + _win_field(proto, 7)
        + _win_field(local, 23)
        + _win_field(foreign, 23)
        + _win_field(state, 16)
        + f"{pid}\r\n"
    )


WINDOWS_HEADER = (
    "  "
    + _win_field("Proto", 7)
    + _win_field("Local Address", 23)
    + _win_field("Foreign Address", 23)
    + _win_field("State", 16)
    + "PID"
)

# (image, service) templates; service is the component line shown above the image by -b.
_WIN_SVCHOST_SERVICES: tuple[str, ...] = (
    "RpcSs",
    "Dnscache",
    "CDPSvc",
    "iphlpsvc",
    "EventLog",
    "Schedule",
    "SessionEnv",
    "SSDPSRV",
    "WpnService",
    "SharedAccess",
    "IKEEXT",
    "QWAVE",
    "NlaSvc",
    "TermService",
    "WinHttpAutoProxySvc",
    "LanmanServer",
    "FDResPub",
)
_WIN_PER_USER_SERVICES: tuple[str, ...] = ("CDPUserSvc", "WpnUserService", "OneSyncSvc")
_WIN_IMAGES: tuple[str, ...] = (
    "lsass.exe",
    "wininit.exe",
    "services.exe",
    "spoolsv.exe",
    "chrome.exe",
    "chrome.exe",
    "chrome.exe",
    "msedge.exe",
    "msedge.exe",
    "firefox.exe",
    "Teams.exe",
    "OneDrive.exe",
    "Code.exe",
    "python.exe",
    "WhatsApp.exe",
    "Spotify.exe",
    "Telegram.exe",
    "SearchApp.exe",
    "NVIDIA Web Helper.exe",
    "nvcontainer.exe",
    "AnyDesk.exe",
    "TeamViewer_Service.exe",
    "vmware-hostd.exe",
    "vmms.exe",
    "jhi_service.exe",
    "dashost.exe",
    "mDNSResponder.exe",
    "Dropbox.exe",
    "ServiceHub.SettingsHost.exe",
    "Microsoft.Photos.exe",
    "sqlservr.exe",
    "node.exe",
)


@dataclass(frozen=True, slots=True)
class WindowsProcess:
    """A process that owns sockets in the Windows capture."""

    pid: int
    image: str
    service: str | None = None


class WindowsConn(NamedTuple):
    """One Windows connection row."""

    proto: str
    local: str
    foreign: str
    state: str
    pid: int


SYSTEM = WindowsProcess(4, "System")


def _v6_bracket(addr: str, port: int) -> str:
    """Windows endpoint text for an IPv6 address: always bracketed."""
    return f"[{addr}]:{port}"


class _WindowsHost:
    """Addresses and processes of the simulated Windows workstation."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ipv4 = [f"192.168.{rng.randint(0, 255)}.{rng.randint(2, 254)}"]
        self.ipv4 += [f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.1" for _ in range(3)]
        self.ipv6 = [
            str(ipaddress.IPv6Address(rng.getrandbits(64) | (0x2A02_0A03_0000_0000 << 64)))
            for _ in range(2)
        ]
        self.link_local = [
            (str(ipaddress.IPv6Address((0xFE80 << 112) | rng.getrandbits(64))), rng.randint(2, 64))
            for _ in range(6)
        ]
        pids = rng.sample(range(100, 60_000, 4), 180)
        user_suffix = f"{rng.getrandbits(32):08x}"
        procs: list[WindowsProcess] = []
        for pid in pids:
            if rng.random() < 0.3:
                if rng.random() < 0.2:
                    service = f"{rng.choice(_WIN_PER_USER_SERVICES)}_{user_suffix}"
                elif rng.random() < 0.9:
                    service = rng.choice(_WIN_SVCHOST_SERVICES)
                else:
                    service = None
                procs.append(WindowsProcess(pid, "svchost.exe", service))
            else:
                procs.append(WindowsProcess(pid, rng.choice(_WIN_IMAGES)))
        self.processes = procs
        self.by_pid = {proc.pid: proc for proc in procs}
        self.by_pid[SYSTEM.pid] = SYSTEM

    def pid(self, system_share: float = 0.05) -> int:
        """PID of a random process (System gets ``system_share`` of the picks)."""
        if self.rng.random() < system_share:
            return SYSTEM.pid
        return self.rng.choice(self.processes).pid

    def ephemeral(self) -> int:
        """A random local ephemeral port."""
        return self.rng.randint(*_WIN_EPHEMERAL)


def _win_tcp_listen(host: _WindowsHost, v6: bool) -> WindowsConn:
    rng = host.rng
    port = rng.choice((135, 445, 139, 5040, 7680, 2869, 3389)) if rng.random() < 0.1 else 0
    port = port or rng.randint(1024, 65_535)
    pid = SYSTEM.pid if port in (445, 139, 2869) else host.pid()
    if v6:
        addr = rng.choice(("::", "::", "::", "::1"))
        return WindowsConn("TCP", _v6_bracket(addr, port), "[::]:0", "LISTENING", pid)
    addr = rng.choice(("0.0.0.0", "0.0.0.0", "0.0.0.0", "127.0.0.1", rng.choice(host.ipv4)))
    return WindowsConn("TCP", f"{addr}:{port}", "0.0.0.0:0", "LISTENING", pid)


def _win_tcp_conn(host: _WindowsHost, v6: bool) -> WindowsConn:
    rng = host.rng
    state = rng.choices(("ESTABLISHED", "TIME_WAIT", "CLOSE_WAIT"), (0.72, 0.18, 0.10))[0]
    remote_port = rng.choice((443, 443, 443, 80, 5222, 53, 3389, 8080))
    loopback = rng.random() < 0.15
    if v6:
        if loopback:
            local = _v6_bracket("::1", host.ephemeral())
            foreign = _v6_bracket("::1", rng.randint(1024, 65_535))
        else:
            remote = _short_ipv6(rng, _V6_REMOTE_PREFIXES, 39)
            local = _v6_bracket(rng.choice(host.ipv6), host.ephemeral())
            foreign = _v6_bracket(remote, remote_port)
    elif loopback:
        local = f"127.0.0.1:{host.ephemeral()}"
        foreign = f"127.0.0.1:{rng.randint(1024, 65_535)}"
    else:
        local = f"{host.ipv4[0]}:{host.ephemeral()}"
        foreign = f"{_public_ipv4(rng)}:{remote_port}"
    pid = 0 if state == "TIME_WAIT" else host.pid(system_share=0.0)
    return WindowsConn("TCP", local, foreign, state, pid)


def _win_udp(host: _WindowsHost, v6: bool) -> WindowsConn:
    rng = host.rng
    pid = host.pid()
    port = rng.choice((500, 1900, 3702, 4500, 5050, 5353, 5355)) if rng.random() < 0.3 else 0
    port = port or host.ephemeral()
    if v6:
        kind = rng.random()
        if kind < 0.5:
            local = _v6_bracket("::", port)
        elif kind < 0.65:
            local = _v6_bracket("::1", port)
        else:
            addr, zone = rng.choice(host.link_local)
            local = _v6_bracket(f"{addr}%{zone}", port)
    else:
        addr = rng.choice(("0.0.0.0", "0.0.0.0", "127.0.0.1", rng.choice(host.ipv4)))
        if rng.random() < 0.05:
            addr, port, pid = rng.choice(host.ipv4), rng.choice((137, 138)), SYSTEM.pid
        local = f"{addr}:{port}"
    return WindowsConn("UDP", local, "*:*", "", pid)


def windows_connections(rows: int, seed: int) -> tuple[_WindowsHost, Iterator[WindowsConn]]:
    """The simulated host and a lazy sequence of ``rows`` Windows connections."""
    rng = random.Random(f"netnorm-bench-windows-{seed}")
    host = _WindowsHost(rng)
    # Shares: TCP v4 other, TCP v4 LISTENING, TCP v6 LISTENING, TCP v6 other, UDP v4, UDP v6.
    counts = _split(rows, (0.52, 0.13, 0.05, 0.08, 0.15, 0.07))
    tcp_conn, tcp_listen, tcp6_listen, tcp6_conn, udp, udp6 = counts

    def conns() -> Iterator[WindowsConn]:
        # netstat.exe prints TCP (IPv4 then IPv6) and then UDP (IPv4 then IPv6).
        for _ in range(tcp_listen):
            yield _win_tcp_listen(host, v6=False)
        for _ in range(tcp_conn):
            yield _win_tcp_conn(host, v6=False)
        for _ in range(tcp6_listen):
            yield _win_tcp_listen(host, v6=True)
        for _ in range(tcp6_conn):
            yield _win_tcp_conn(host, v6=True)
        for _ in range(udp):
            yield _win_udp(host, v6=False)
        for _ in range(udp6):
            yield _win_udp(host, v6=True)

    return host, conns()


def windows_lines(rows: int, seed: int, owners: bool) -> Iterator[str]:
    """Yield every line of a ``netstat -ano`` (or ``-anob`` if ``owners``) capture."""
    host, conns = windows_connections(rows, seed)
    owner_rng = random.Random(f"netnorm-bench-windows-owners-{seed}")
    for line in WINDOWS_PREAMBLE:
        yield line + "\r\n"
    yield WINDOWS_HEADER + "\r\n"
    for conn in conns:
        yield windows_row(*conn)
        if owners and conn.state != "TIME_WAIT":
            yield from _owner_block(host.by_pid[conn.pid], owner_rng)


def _owner_block(proc: WindowsProcess, rng: random.Random) -> Iterator[str]:
    """The -b lines under a row: optional 2-space service line, then the 1-space image line."""
    if proc.pid == SYSTEM.pid and rng.random() < 0.8:
        yield " Can not obtain ownership information\r\n"
        return
    if proc.service is not None:
        yield f"  {proc.service}\r\n"
    yield f" [{proc.image}]\r\n"


# --------------------------------------------------------------------------------------
# iproute2 ss layout
# --------------------------------------------------------------------------------------

# The widths ss 6.1 computes for such a listing: each column is as wide as its widest value
# (a bracketed IPv6 address with its colon, a five-owner users:(...) list).
_SS_ADDR, _SS_PORT, _SS_PEER, _SS_PEER_PORT, _SS_PROCESS = 46, 5, 42, 5, 110
SS_HEADER = (
    f"{'Netid':<5} {'State':<10} {'Recv-Q':<6} {'Send-Q':<6} {'Local Address:':>{_SS_ADDR}}"
    f"{'Port':<{_SS_PORT}} {'Peer Address:':>{_SS_PEER}}{'Port':<{_SS_PEER_PORT}} "
    f"{'Process':<{_SS_PROCESS}}"
)
_SS_STATES: tuple[str, ...] = ("ESTAB", "TIME-WAIT", "CLOSE-WAIT", "SYN-RECV")


def _comm(name: str) -> str:
    """The command name ss shows: the kernel's 15-character comm, not argv."""
    return name.split(":")[0].split()[0][:15]


def ss_row(
    netid: str,
    state: str,
    recv_q: int,
    send_q: int,
    local: tuple[str, str],
    peer: tuple[str, str],
    users: str,
) -> str:
    """One ss row, every column padded as ss pads it."""
    return (
        f"{netid:<5} {state:<10} {recv_q:<6} {send_q:<6} {local[0] + ':':>{_SS_ADDR}}"
        f"{local[1]:<{_SS_PORT}} {peer[0] + ':':>{_SS_PEER}}{peer[1]:<{_SS_PEER_PORT}} "
        f"{users:<{_SS_PROCESS}}\n"
    )


def _ss_users(host: _LinuxHost, proc: LinuxProcess, owners: int = 1) -> str:
    fd = host.rng.randint(3, 400)
    parts = [f'("{_comm(proc.name)}",pid={proc.pid - i},fd={fd})' for i in range(owners)]
    return "users:(" + ",".join(parts) + ")"


def ss_lines(rows: int, seed: int) -> Iterator[str]:
    """Yield every line of an ``ss -tuanp`` capture with ``rows`` rows (a tenth UDP, about a
    fifth TCP listeners, a fifth IPv6)."""
    rng = random.Random(f"netnorm-bench-ss-{seed}")
    host = _LinuxHost(rng)
    yield SS_HEADER + "\n"
    for _ in range(rows):
        v6 = rng.random() < 0.2
        if rng.random() < 0.1:
            here = rng.choice(("[::]", "*")) if v6 else rng.choice(("0.0.0.0", "127.0.0.53%lo"))
            port = str(rng.choice((53, 68, 123, 323, 5353, host.ephemeral())))
            peer = ("[::]" if v6 else "0.0.0.0", "*")
            users = _ss_users(host, host.process())
            yield ss_row("udp", "UNCONN", 0, 0, (here, port), peer, users)
            continue
        if rng.random() < 0.2:
            if rng.random() < 0.3:
                port, proc = rng.choice(host.services)
            else:
                port, proc = rng.randint(1024, 65_535), host.process()
            here = rng.choice(("[::]", "[::1]")) if v6 else rng.choice(("0.0.0.0", "127.0.0.1"))
            peer = ("[::]" if v6 else "0.0.0.0", "*")
            users = _ss_users(host, proc, rng.choice((1, 1, 1, 2, 5)))
            backlog = rng.choice((128, 511, 4096))
            yield ss_row("tcp", "LISTEN", 0, backlog, (here, str(port)), peer, users)
            continue
        state = rng.choices(_SS_STATES, _LINUX_TCP_WEIGHTS)[0]
        svc_port, svc_proc = rng.choice(host.services)
        if v6 and rng.random() < 0.3:
            here = f"[::ffff:{rng.choice(host.ipv4)}]"
            there = f"[::ffff:{_public_ipv4(rng)}]"
        elif v6:
            here = f"[{rng.choice(host.ipv6)}]"
            there = f"[{_short_ipv6(rng, _V6_REMOTE_PREFIXES, 17)}]"
        else:
            here = rng.choice(host.ipv4)
            there = _public_ipv4(rng) if rng.random() < 0.6 else _private_ipv4(rng)
        if rng.random() < 0.5 or state == "SYN-RECV":
            local, peer = (here, str(svc_port)), (there, str(rng.randint(1024, 65_535)))
            proc = svc_proc
        else:
            local = (here, str(host.ephemeral()))
            peer = (there, str(rng.choice(_REMOTE_SERVER_PORTS)))
            proc = host.process()
        users = "" if state in ("TIME-WAIT", "SYN-RECV") else _ss_users(host, proc)
        recv_q, send_q = host.queues(0.08 if state == "ESTAB" else 0.0)
        yield ss_row("tcp", state, recv_q, send_q, local, peer, users)


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------


def _write_lines(path: Path, lines: Iterator[str]) -> Path:
    """Stream ``lines`` to ``path`` without newline translation."""
    with path.open("w", encoding="ascii", newline="", buffering=_WRITE_BUFFER) as out:
        write = out.write
        for line in lines:
            write(line)
    return path


def write_linux_anp(path: Path, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> Path:
    """Write a net-tools ``netstat -anp`` capture."""
    return _write_lines(path, linux_lines(rows, seed))


def write_windows_ano(path: Path, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> Path:
    """Write a Windows ``netstat -ano`` capture."""
    return _write_lines(path, windows_lines(rows, seed, owners=False))


def write_windows_anob(path: Path, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> Path:
    """Write a Windows ``netstat -anob`` capture."""
    return _write_lines(path, windows_lines(rows, seed, owners=True))


def write_ss_tuanp(path: Path, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> Path:
    """Write an iproute2 ``ss -tuanp`` capture."""
    return _write_lines(path, ss_lines(rows, seed))


def generate_all(
    outdir: Path, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED
) -> dict[str, Path]:
    """Write all the captures into ``outdir``; return their paths by file name."""
    outdir.mkdir(parents=True, exist_ok=True)
    return {
        LINUX_ANP: write_linux_anp(outdir / LINUX_ANP, rows, seed),
        WINDOWS_ANO: write_windows_ano(outdir / WINDOWS_ANO, rows, seed),
        WINDOWS_ANOB: write_windows_anob(outdir / WINDOWS_ANOB, rows, seed),
        SS_TUANP: write_ss_tuanp(outdir / SS_TUANP, rows, seed),
    }


def _print_summary(paths: dict[str, Path], rows: int, stream: TextIO) -> None:
    for path in paths.values():
        print(f"{path}  ({rows} rows, {path.stat().st_size:,} bytes)", file=stream)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("outdir", type=Path, help="directory to write the files into")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="connection rows per file")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    if args.rows < 0:
        parser.error("--rows must not be negative")
    paths = generate_all(args.outdir, args.rows, args.seed)
    _print_summary(paths, args.rows, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
