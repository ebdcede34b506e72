"""Every word netstat prints that netnorm must understand, keyed by platform and language.

Adding a language means adding one ``Language`` entry here (and samples); no grammar changes.
The parsers only read the flattened lookups at the bottom of this module.

Evidence for each string is in ``shared/reference/localization-and-encodings.md``; strings known
only from third-party test fixtures are accepted as aliases but never used to guess a language.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from netnorm.model.enums import Listeners, TcpState

S = TcpState


@dataclass(frozen=True)
class Language:
    """The localized strings of one language, for both platforms.

    Attributes:
        code: the locale code recorded in ``Capture.locale`` (``en``, ``de``, ``pt_BR`` …).
        linux_headings: Internet section heading → which sockets it lists.
        linux_unix_headings: prefixes of the UNIX domain section heading.
        linux_states: state word or phrase → canonical state (only the words this language changes).
        linux_timers: timer keyword → English keyword.
        linux_warnings: first words of netstat's stderr warnings, as printed.
        windows_titles: the title line (``Active Connections``).
        windows_states: state word → canonical state (only the words this language changes).
        windows_owner_notes: the ``-b`` "no owner" message (for reference: owner lines are
            classified by their shape, so an unlisted message is still an ``owner_note``).
        header_words: the first word of the column header (``Proto``, ``Protocolo`` …).
    """

    code: str
    linux_headings: dict[str, Listeners] = field(default_factory=dict)
    linux_unix_headings: tuple[str, ...] = ()
    linux_states: dict[str, TcpState] = field(default_factory=dict)
    linux_timers: dict[str, str] = field(default_factory=dict)
    linux_warnings: tuple[str, ...] = ()
    windows_titles: tuple[str, ...] = ()
    windows_states: dict[str, TcpState] = field(default_factory=dict)
    windows_owner_notes: tuple[str, ...] = ()
    header_words: tuple[str, ...] = ()


ENGLISH = Language(
    code="en",
    linux_headings={
        "Active Internet connections (servers and established)": Listeners.ALL,
        "Active Internet connections (only servers)": Listeners.ONLY,
        "Active Internet connections (w/o servers)": Listeners.NONE,
        # busybox and some old builds print the bare heading
        "Active Internet connections": Listeners.NONE,
    },
    linux_unix_headings=("Active UNIX domain sockets",),
    linux_states={
        "ESTABLISHED": S.ESTABLISHED,
        "SYN_SENT": S.SYN_SENT,
        "SYN_RECV": S.SYN_RECEIVED,
        "FIN_WAIT1": S.FIN_WAIT_1,
        "FIN_WAIT2": S.FIN_WAIT_2,
        "TIME_WAIT": S.TIME_WAIT,
        "CLOSE": S.CLOSED,
        "CLOSE_WAIT": S.CLOSE_WAIT,
        "LAST_ACK": S.LAST_ACK,
        "LISTEN": S.LISTEN,
        "CLOSING": S.CLOSING,
        "UNKNOWN": S.UNKNOWN,
    },
    linux_timers={
        "off": "off",
        "on": "on",
        "keepalive": "keepalive",
        "timewait": "timewait",
        "probe": "probe",
    },
    linux_warnings=(
        "(Not all processes could be identified",
        "(No info could be read for",
        "netstat: no support for",
        "warning, got bogus",
        "netstat: ",
    ),
    windows_titles=("Active Connections",),
    windows_states={
        "LISTENING": S.LISTEN,
        "SYN_SENT": S.SYN_SENT,
        "SYN_RECEIVED": S.SYN_RECEIVED,
        "ESTABLISHED": S.ESTABLISHED,
        "FIN_WAIT_1": S.FIN_WAIT_1,
        "FIN_WAIT_2": S.FIN_WAIT_2,
        "CLOSE_WAIT": S.CLOSE_WAIT,
        "CLOSING": S.CLOSING,
        "LAST_ACK": S.LAST_ACK,
        "TIME_WAIT": S.TIME_WAIT,
        "CLOSED": S.CLOSED,
        "DELETE_TCB": S.DELETE_TCB,
        "BOUND": S.BOUND,
        # Checkmk had to accept these from Windows agents
        "TIMED_WAIT": S.TIME_WAIT,
        "ESTAB": S.ESTABLISHED,
    },
    windows_owner_notes=("Can not obtain ownership information",),
    header_words=("Proto",),
)

GERMAN = Language(
    code="de",
    linux_headings={
        "Aktive Internetverbindungen (Server und stehende Verbindungen)": Listeners.ALL,
        "Aktive Internetverbindungen (Nur Server)": Listeners.ONLY,
        "Aktive Internetverbindungen (ohne Server)": Listeners.NONE,
    },
    # the German UNIX section heading is not known; the section is found by its column header
    linux_states={"VERBUNDEN": S.ESTABLISHED, "UNBEKANNT": S.UNKNOWN},
    linux_timers={"aus": "off", "ein": "on"},
    linux_warnings=("(Es konnten nicht alle Prozesse identifiziert werden",),
    windows_titles=("Aktive Verbindungen",),
    windows_states={
        "ABHÖREN": S.LISTEN,
        "HERGESTELLT": S.ESTABLISHED,
        "WARTEND": S.TIME_WAIT,
        "SCHLIESSEN_WARTEN": S.CLOSE_WAIT,
        "SYN_GESENDET": S.SYN_SENT,
        "SYN_EMPFANGEN": S.SYN_RECEIVED,
        "FIN_WARTEN_1": S.FIN_WAIT_1,
        "FIN_WARTEN_2": S.FIN_WAIT_2,
        "SCHLIESSEND": S.CLOSING,
        "GEBUNDEN": S.BOUND,  # test-only evidence; accepted as an alias
    },
)

JAPANESE = Language(
    code="ja",
    linux_headings={
        "稼働中のインターネット接続 (サーバと確立)": Listeners.ALL,
        "稼働中のインターネット接続 (サーバのみ)": Listeners.ONLY,
        "稼働中のインターネット接続 (w/oサーバ)": Listeners.NONE,
    },
    linux_states={"不明": S.UNKNOWN},
    linux_timers={
        "オフ": "off",
        "オン": "on",
        "キープアライブ": "keepalive",
        "時間待ち": "timewait",
    },
    linux_warnings=("(一部のプロセスが識別されますが",),
    windows_titles=("アクティブな接続",),
    windows_states={"受信待ち": S.LISTEN},  # test-only alias
    header_words=("プロトコル",),
)

FRENCH = Language(
    code="fr",
    linux_headings={
        "Connexions Internet actives (serveurs et établies)": Listeners.ALL,
        "Connexions Internet actives (seulement serveurs)": Listeners.ONLY,
        "Connexions Internet actives (sans serveurs)": Listeners.NONE,
    },
    linux_states={"INCONNU": S.UNKNOWN},
    linux_warnings=("(Tous les processus ne peuvent être identifiés",),
    windows_titles=("Connexions actives",),
    windows_states={"ÉCOUTE": S.LISTEN, "ÉTABLIE": S.ESTABLISHED},  # test-only aliases
    windows_owner_notes=("Impossible d’obtenir les informations de propriétaire",),
)

PORTUGUESE_BR = Language(
    code="pt_BR",
    linux_headings={
        "Conexões Internet Ativas (servidores e estabelecidas)": Listeners.ALL,
        # the catalog uses one text for both -l and the default mode
        "Conexões Internet Ativas (sem os servidores)": Listeners.NONE,
    },
    linux_states={
        "ESTABELECIDA": S.ESTABLISHED,
        "SYN_ENVIADO": S.SYN_SENT,
        "SYN_RECEBIDO": S.SYN_RECEIVED,
        "ESPERA_FIN1": S.FIN_WAIT_1,
        "ESPERA_FIN2": S.FIN_WAIT_2,
        "FECHAR": S.CLOSED,
        "ESPERANDO_FECHAR": S.CLOSE_WAIT,
        "ÚLTIMO_ACK": S.LAST_ACK,
        "OUÇA": S.LISTEN,
        "FECHANDO": S.CLOSING,
        "DESCONHECIDA": S.UNKNOWN,
    },
    linux_timers={"desligado": "off"},
    linux_warnings=("(Nem todos os processos puderam ser identificados",),
    windows_titles=("Conexões ativas",),
    windows_states={"ESCUTANDO": S.LISTEN},  # test-only alias
)

CZECH = Language(
    code="cs",
    linux_headings={
        "Aktivní Internetová spojení (servery a navázaná spojení)": Listeners.ALL,
        "Aktivní Internetová spojení (pouze servery)": Listeners.ONLY,
        "Aktivní Internetová spojení (w/o servery)": Listeners.NONE,
    },
    linux_states={
        "SPOJENO": S.ESTABLISHED,
        "ZAVŘEN": S.CLOSED,
        "POSLEDNÍ ACK": S.LAST_ACK,
        "NASLOUCHÁ": S.LISTEN,
        "ZAVÍRÁ": S.CLOSING,
        "NEZNÁM": S.UNKNOWN,
    },
    linux_timers={"vyp": "off", "zapnut": "on"},
    linux_warnings=("(Všechny procesy nemohly být identifikovány",),
)

SPANISH = Language(
    code="es",
    linux_headings={
        "Conexiones activas de Internet (servidores y establecidos)": Listeners.ALL,
        "Conexiones activas de Internet (solo servidores)": Listeners.ONLY,
        "Conexiones activas de Internet (servidores w/o)": Listeners.NONE,
    },
    linux_unix_headings=("Activar zócalos de dominio UNIX",),
    linux_states={"ESCUCHAR": S.LISTEN, "ESTABLECIDO": S.ESTABLISHED},
    linux_timers={"apagado": "off"},
    linux_warnings=("(No todos los procesos pueden ser identificados",),
    windows_titles=("Conexiones activas",),
    windows_states={"ESCUCHANDO": S.LISTEN},  # test-only alias
    header_words=("Protocolo",),
)

CHINESE_CN = Language(
    code="zh_CN",
    linux_headings={
        "激活Internet连接 (服务器和已建立连接的)": Listeners.ALL,
        "激活Internet连接 (仅服务器)": Listeners.ONLY,
        "激活Internet连接 (w/o 服务器)": Listeners.NONE,
    },
    linux_timers={"关闭": "off"},
    linux_warnings=("（并非所有进程都能被检测到",),
    windows_titles=("活动连接",),
    windows_owner_notes=("无法获取所有权信息",),
    header_words=("协议",),
)

CHINESE_TW = Language(
    code="zh_TW",
    windows_titles=("使用中連線",),
    windows_owner_notes=("無法取得擁有權資訊",),
    header_words=("協定",),
)

RUSSIAN = Language(
    code="ru",
    linux_headings={
        "Активные соединения с интернетом (servers and established)": Listeners.ALL,
        "Активные соединения с интернетом (only servers)": Listeners.ONLY,
        "Активные соединения с интернетом (w/o servers)": Listeners.NONE,
    },
    windows_titles=("Активные подключения",),
    header_words=("Имя",),
)

ITALIAN = Language(
    code="it",
    linux_headings={"Connessioni Internet attive (server e stabiliti)": Listeners.ALL},
    windows_titles=("Connessioni attive",),
    windows_states={"IN ASCOLTO": S.LISTEN, "ASCOLTO": S.LISTEN},  # test-only aliases
)

LANGUAGES: tuple[Language, ...] = (
    ENGLISH,
    GERMAN,
    JAPANESE,
    FRENCH,
    PORTUGUESE_BR,
    CZECH,
    SPANISH,
    CHINESE_CN,
    CHINESE_TW,
    RUSSIAN,
    ITALIAN,
)


def _fold(word: str) -> str:
    """Normalise a state word for lookup: NFC, upper case, ``-`` as ``_``."""
    return unicodedata.normalize("NFC", word).upper().replace("-", "_")


def _flatten(attr: str) -> dict[str, TcpState]:
    table: dict[str, TcpState] = {}
    for lang in LANGUAGES:
        for word, state in getattr(lang, attr).items():
            table[_fold(word)] = state
    return table


LINUX_STATES: dict[str, TcpState] = _flatten("linux_states")
WINDOWS_STATES: dict[str, TcpState] = _flatten("windows_states")
_UNKNOWN_WORDS = frozenset(
    word
    for table in (LINUX_STATES, WINDOWS_STATES)
    for word, state in table.items()
    if state is TcpState.UNKNOWN
) | {"UNKNOWN", "UNDEF"}

#: Multi-word state phrases, longest first, matched before the owner column is split off.
LINUX_STATE_PHRASES: tuple[str, ...] = tuple(
    sorted((w for lang in LANGUAGES for w in lang.linux_states if " " in w), key=len, reverse=True)
)

LINUX_HEADINGS: dict[str, tuple[Listeners, str]] = {
    text: (mode, lang.code) for lang in LANGUAGES for text, mode in lang.linux_headings.items()
}
LINUX_HEADING_PREFIXES: dict[str, str] = {
    text.split(" (")[0]: lang.code for lang in LANGUAGES for text in lang.linux_headings
}
LINUX_UNIX_HEADINGS: dict[str, str] = {
    text: lang.code for lang in LANGUAGES for text in lang.linux_unix_headings
}
LINUX_TIMERS: dict[str, str] = {
    word: english for lang in LANGUAGES for word, english in lang.linux_timers.items()
}
LINUX_WARNINGS: tuple[str, ...] = tuple(w for lang in LANGUAGES for w in lang.linux_warnings)
WINDOWS_TITLES: dict[str, str] = {t: lang.code for lang in LANGUAGES for t in lang.windows_titles}
HEADER_WORDS: frozenset[str] = frozenset(w for lang in LANGUAGES for w in lang.header_words)

#: Windows prints this instead of rows when ``-b`` runs without elevation.
WINDOWS_ELEVATION = ("The requested operation requires elevation.",)

#: Headings of net-tools sections that carry no IP sockets; they are skipped with a notice.
LINUX_OTHER_SECTIONS = (
    "Active Bluetooth connections",
    "Active IPX sockets",
    "Active AX.25 sockets",
    "Active NET/ROM sockets",
    "Active X.25 sockets",
    "Active ROSE sockets",
)


def names_unknown_state(word: str) -> bool:
    """True when ``word`` is a tool's own word for an unknown state (``UNKNOWN``,
    ``UNBEKANNT``), or a number (macOS prints one for a state it has no name for)."""
    folded = _fold(word)
    return folded.isdigit() or folded in _UNKNOWN_WORDS


def linux_state(word: str) -> TcpState | None:
    """Map a Linux state word or phrase to its canonical state.

    Returns:
        The canonical state, ``None`` for a blank word or a raw socket's number, and
        ``TcpState.UNKNOWN`` for a word no table knows (the caller keeps the raw text).
    """
    if not word or (word.isascii() and word.isdigit()):
        return None
    return LINUX_STATES.get(_fold(word)) or _compact_fin(word) or TcpState.UNKNOWN


def windows_state(word: str) -> TcpState | None:
    """Map a Windows state word to its canonical state (``None`` for blank)."""
    if not word:
        return None
    folded = _fold(word)
    found = WINDOWS_STATES.get(folded) or LINUX_STATES.get(folded) or _compact_fin(word)
    if found is not None:
        return found
    # ABHÖREN damaged by a wrong code page: ABH™REN, ABH�REN, ABH\x99REN
    if len(folded) == 7 and folded.startswith("ABH") and folded.endswith("REN"):
        return TcpState.LISTEN
    return TcpState.UNKNOWN


def _compact_fin(word: str) -> TcpState | None:
    folded = _fold(word).replace("_", "")
    if folded == "FINWAIT1":
        return TcpState.FIN_WAIT_1
    if folded == "FINWAIT2":
        return TcpState.FIN_WAIT_2
    return None


# -- tools that print English only ---------------------------------------------------------

#: FreeBSD and macOS ``netstat`` state words (``tcpstates[]`` of the BSD kernel).
BSD_STATES: dict[str, TcpState] = {
    "CLOSED": S.CLOSED,
    "LISTEN": S.LISTEN,
    "SYN_SENT": S.SYN_SENT,
    "SYN_RCVD": S.SYN_RECEIVED,
    "ESTABLISHED": S.ESTABLISHED,
    "CLOSE_WAIT": S.CLOSE_WAIT,
    "FIN_WAIT_1": S.FIN_WAIT_1,
    "CLOSING": S.CLOSING,
    "LAST_ACK": S.LAST_ACK,
    "FIN_WAIT_2": S.FIN_WAIT_2,
    "TIME_WAIT": S.TIME_WAIT,
}

#: BSD ``netstat`` Internet headings: with ``-a`` it names the listeners it includes.
BSD_HEADINGS: dict[str, Listeners] = {
    "Active Internet connections (including servers)": Listeners.ALL,
    "Active Internet connections": Listeners.NONE,
}

#: BSD sections without IP sockets, and the platform only one of them prints (``None``: both).
BSD_OTHER_SECTIONS: dict[str, str | None] = {
    "Active UNIX domain sockets": "freebsd",
    "Active LOCAL (UNIX) domain sockets": "macos",
    "Active Multipath Internet connections": "macos",
    "Registered kernel control modules": "macos",
    "Active kernel event sockets": "macos",
    "Active kernel control sockets": "macos",
}


def bsd_state(word: str) -> TcpState | None:
    """Map a BSD state word to its canonical state (``None`` for blank, ``UNKNOWN`` for a
    word the table lacks, such as the number macOS prints for a state it has no name for)."""
    if not word:
        return None
    return BSD_STATES.get(word) or LINUX_STATES.get(_fold(word)) or TcpState.UNKNOWN


#: iproute2 ``ss`` state words (``sstate_name[]`` in ``misc/ss.c``). ``UNCONN`` is a socket
#: with no connection (UDP, raw, a TCP socket not yet listening): no state.
SS_STATES: dict[str, str | None] = {
    "ESTAB": S.ESTABLISHED.value,
    "SYN-SENT": S.SYN_SENT.value,
    "SYN-RECV": S.SYN_RECEIVED.value,
    "FIN-WAIT-1": S.FIN_WAIT_1.value,
    "FIN-WAIT-2": S.FIN_WAIT_2.value,
    "TIME-WAIT": S.TIME_WAIT.value,
    "UNCONN": None,
    "CLOSE-WAIT": S.CLOSE_WAIT.value,
    "LAST-ACK": S.LAST_ACK.value,
    "LISTEN": S.LISTEN.value,
    "CLOSING": S.CLOSING.value,
    "NEW-SYN-RECV": S.SYN_RECEIVED.value,
    "BOUND-INACTIVE": S.BOUND.value,
    "UNKNOWN": S.UNKNOWN.value,
    "UNDEF": S.UNKNOWN.value,
}

#: PowerShell ``Get-NetTCPConnection`` states: the names tables, lists and CSV show, and the
#: numbers of ``ConvertTo-Json`` (the ``MSFT_NetTCPConnection.State`` values).
POWERSHELL_STATES: dict[str, TcpState] = {
    "Closed": S.CLOSED,
    "Listen": S.LISTEN,
    "SynSent": S.SYN_SENT,
    "SynReceived": S.SYN_RECEIVED,
    "Established": S.ESTABLISHED,
    "FinWait1": S.FIN_WAIT_1,
    "FinWait2": S.FIN_WAIT_2,
    "CloseWait": S.CLOSE_WAIT,
    "Closing": S.CLOSING,
    "LastAck": S.LAST_ACK,
    "TimeWait": S.TIME_WAIT,
    "DeleteTCB": S.DELETE_TCB,
    "Bound": S.BOUND,
}
POWERSHELL_STATE_NUMBERS: dict[int, str] = {
    1: "Closed",
    2: "Listen",
    3: "SynSent",
    4: "SynReceived",
    5: "Established",
    6: "FinWait1",
    7: "FinWait2",
    8: "CloseWait",
    9: "Closing",
    10: "LastAck",
    11: "TimeWait",
    12: "DeleteTCB",
    100: "Bound",
}
#: ``AppliedSetting`` values (the TCP setting template a connection uses).
POWERSHELL_SETTINGS = ("Internet", "Datacenter", "InternetCustom", "DatacenterCustom", "Compat")


#: What a user pastes instead of a socket listing, told by its first lines: the phrase a line
#: starts with, and what the output is.
OTHER_OUTPUTS: dict[str, str] = {
    "Kernel IP routing table": "`netstat -r` output (a routing table)",
    "Kernel IPv6 routing table": "`netstat -r` output (a routing table)",
    "Routing tables": "`netstat -r` output (a routing table)",
    "IPv4 Route Table": "`netstat -r` or `route print` output (a routing table)",
    "IPv6 Route Table": "`netstat -r` or `route print` output (a routing table)",
    "Interface List": "`netstat -r` or `route print` output (a routing table)",
    "Destination     Gateway": "`netstat -r` output (a routing table)",
    "Kernel Interface table": "`netstat -i` output (an interface list)",
    "Iface      MTU": "`netstat -i` output (an interface list)",
    "Iface             MTU": "`netstat -i` output (an interface list)",
    "Name       Mtu": "`netstat -i` output (an interface list)",
    "Name  Mtu": "`netstat -i` output (an interface list)",
    "Interface Statistics": "`netstat -e` output (interface statistics)",
    "Ip:": "`netstat -s` output (protocol statistics)",
    "Tcp:": "`netstat -s` output (protocol statistics)",
    "Udp:": "`netstat -s` output (protocol statistics)",
    "IpExt:": "`netstat -s` output (protocol statistics)",
    "IPv4 Statistics": "`netstat -s` output (protocol statistics)",
    "TCP Statistics for IPv4": "`netstat -s` output (protocol statistics)",
    "tcp:": "`netstat -s` output (protocol statistics)",
    "ip:": "`netstat -s` output (protocol statistics)",
    "Total: ": "`ss -s` output (a summary)",
}
