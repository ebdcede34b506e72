"""The same capture in every language and encoding gives the same connections as in English.

Each English sample is rendered with the words of each language (from netnorm's vocabulary
tables and the headers quoted in shared/reference) and encoded as real saved files are: OEM code
pages, UTF-16 with a BOM, UTF-8. Only ``state_raw``, ``locale`` and ``encoding`` may differ.
"""

from __future__ import annotations

import codecs
from typing import Any

import pytest

import netnorm
from netnorm.model import vocabulary as v
from netnorm.model.enums import TcpState
from tests.conftest import SAMPLES

WINDOWS_HEADERS = {
    "en": "  Proto  Local Address          Foreign Address        State           PID",
    "de": "  Proto  Lokale Adresse         Remoteadresse          Status           PID",
    "ja": "  プロトコル  ローカル アドレス      外部アドレス           状態            PID",
    "zh_CN": "  协议  本地地址          外部地址        状态           PID",
    "zh_TW": "  協定   本機位址               外部位址               狀態            PID",
    "fr": "  Proto  Adresse locale         Adresse distante       État            PID",
    "es": "  Proto  Dirección local          Dirección remota        Estado           PID",
    "pt_BR": "  Proto  Endereço local         Endereço externo       Estado           PID",
    "ru": "  Имя    Локальный адрес        Внешний адрес          Состояние       PID",
    "it": "  Proto  Indirizzo locale       Indirizzo esterno      Stato           PID",
}
WINDOWS_ENCODINGS = {
    "en": ["cp437", "utf-8", "utf-16"],
    "de": ["cp850", "utf-16", "utf-8"],
    "ja": ["cp932", "utf-16", "utf-8"],
    "zh_CN": ["cp936", "utf-16"],
    "zh_TW": ["cp950", "utf-16"],
    "fr": ["cp850", "utf-8"],
    "es": ["cp850", "utf-16"],
    "pt_BR": ["cp850"],
    "ru": ["cp866", "utf-16"],
    "it": ["cp850"],
}
# words that real captures show; test-only aliases are left out of the rendering
WINDOWS_STATE_WORDS = {
    "de": {
        "LISTENING": "ABHÖREN",
        "ESTABLISHED": "HERGESTELLT",
        "TIME_WAIT": "WARTEND",
        "CLOSE_WAIT": "SCHLIESSEN_WARTEN",
        "SYN_SENT": "SYN_GESENDET",
        "FIN_WAIT_2": "FIN_WARTEN_2",
    },
}

LINUX_HEADERS = {
    "en": "Proto Recv-Q Send-Q Local Address           Foreign Address         State      ",
    "de": "Proto Recv-Q Send-Q Local Address           Foreign Address         State      ",
    "ja": "Proto 受信-Q 送信-Q 内部アドレス            外部アドレス            状態       ",
    "fr": "Proto Recv-Q Send-Q Adresse locale          Adresse distante        Etat       ",
    "pt_BR": "Proto Recv-Q Send-Q Endereço Local          Endereço Remoto         Estado     ",
    "cs": "Proto Přích-F Odch-F Místní Adresa          Vzdálená Adresa         Stav     ",
    "es": "Proto  Recib Enviad Dirección local         Dirección remota       Estado      ",
    "zh_CN": "Proto Recv-Q Send-Q Local Address           Foreign Address         State      ",
    "ru": "Proto Recv-Q Send-Q Local Address           Foreign Address         State      ",
    "it": "Proto CodaRic CodaInv Indirizzo locale        Indirizzo remoto       Stato      ",
}
LINUX_ENCODINGS = {
    "en": ["utf-8", "latin-1"],
    "de": ["utf-8", "latin-1"],
    "ja": ["utf-8", "euc_jp"],
    "fr": ["utf-8", "latin-1"],
    "pt_BR": ["utf-8", "latin-1"],
    "cs": ["utf-8"],
    "es": ["utf-8", "latin-1"],
    "zh_CN": ["utf-8"],
    "ru": ["utf-8"],
    "it": ["utf-8"],
}
ENGLISH_LINUX_WORDS = {TcpState(state): word for word, state in v.ENGLISH.linux_states.items()}


def _language(code: str) -> v.Language:
    return next(lang for lang in v.LANGUAGES if lang.code == code)


def _comparable(captures: list[Any]) -> list[list[dict[str, Any]]]:
    out = []
    for capture in captures:
        rows = []
        for conn in capture.connections:
            d = conn.model_dump(mode="json")
            d.pop("state_raw")
            rows.append(d)
        out.append(rows)
    return out


def _windows_text(code: str) -> str:
    text = (SAMPLES / "windows" / "ano--listeners.txt").read_bytes().decode("utf-8")
    lines = text.split("\r\n")
    lines[1] = _language(code).windows_titles[0] if code != "en" else lines[1]
    lines[3] = WINDOWS_HEADERS[code]
    words = WINDOWS_STATE_WORDS.get(code, {})
    for i in range(4, len(lines)):
        for english, local in words.items():
            if f" {english} " in lines[i]:
                lines[i] = lines[i].replace(f" {english} ", f" {local:<{len(english)}} ", 1)
    return "\r\n".join(lines)


def _linux_text(code: str) -> str:
    text = (SAMPLES / "linux" / "ant--syn-flood.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    lang = _language(code)
    heading = next((h for h, mode in lang.linux_headings.items() if mode.value == "all"), lines[0])
    lines[0] = heading
    lines[1] = LINUX_HEADERS[code]
    localized = {state: word for word, state in lang.linux_states.items()}
    for i in range(2, len(lines)):
        for state, word in localized.items():
            english = ENGLISH_LINUX_WORDS.get(state)
            if english and f" {english} " in lines[i] + " ":
                lines[i] = (lines[i] + " ").replace(f" {english} ", f" {word} ", 1).rstrip()
    return "\n".join(lines)


def _encode(text: str, encoding: str) -> bytes:
    data = text.encode(encoding)
    if encoding == "utf-16":
        assert data.startswith(codecs.BOM_UTF16_LE)
    return data


WINDOWS_CASES = [(c, e) for c, encs in WINDOWS_ENCODINGS.items() for e in encs]
LINUX_CASES = [(c, e) for c, encs in LINUX_ENCODINGS.items() for e in encs]


@pytest.mark.parametrize(
    ("code", "encoding"), WINDOWS_CASES, ids=[f"{c}-{e}" for c, e in WINDOWS_CASES]
)
def test_windows_language_and_encoding(code: str, encoding: str) -> None:
    english = netnorm.parse(_windows_text("en"))
    local = netnorm.parse(_encode(_windows_text(code), encoding))
    assert _comparable(local) == _comparable(english)
    assert [c.locale for c in local] == [code]
    assert local[0].encoding_detected is True
    assert not [d for d in local[0].diagnostics if d.severity.value != "notice"]


@pytest.mark.parametrize(
    ("code", "encoding"), LINUX_CASES, ids=[f"{c}-{e}" for c, e in LINUX_CASES]
)
def test_linux_language_and_encoding(code: str, encoding: str) -> None:
    english = netnorm.parse(_linux_text("en"))
    local = netnorm.parse(_encode(_linux_text(code), encoding))
    assert _comparable(local) == _comparable(english)
    assert [c.locale for c in local] == [code]
    translated = {"de", "pt_BR", "cs", "es"}  # these catalogs translate the states used here
    raw_pairs = zip(local[0].connections, english[0].connections, strict=True)
    assert any(a.state_raw != b.state_raw for a, b in raw_pairs) == (code in translated)
    assert not [d for d in local[0].diagnostics if d.severity.value != "notice"]


def test_german_windows_states_are_translated_back() -> None:
    (capture,) = netnorm.parse(_encode(_windows_text("de"), "cp850"))
    raws = {c.state_raw: c.state.value for c in capture.connections if c.state}
    assert raws["ABHÖREN"] == "LISTEN"
    assert capture.encoding == "cp850"


def test_mojibake_still_maps() -> None:
    text = (
        _windows_text("de")
        .replace("ABHÖREN", "ABH\u2122REN", 1)
        .replace("ABHÖREN", "ABH\ufffdREN", 1)
    )
    (capture,) = netnorm.parse(text.encode("utf-8"))
    assert {c.state_raw for c in capture.connections} >= {"ABH\u2122REN", "ABH\ufffdREN"}
    assert all(
        c.state is not None and c.state.value == "LISTEN"
        for c in capture.connections
        if c.state_raw and c.state_raw.startswith("ABH")
    )


def test_czech_two_word_state_before_owner() -> None:
    header = "Proto Přích-F Odch-F Místní Adresa          Vzdálená Adresa         Stav       PID/Program name"
    row = "tcp        0      0 10.0.0.1:443            8.8.8.8:5000            POSLEDNÍ ACK 1234/nginx: worker"
    (capture,) = netnorm.parse(f"{header}\n{row}\n")
    (conn,) = capture.connections
    assert (conn.state.value if conn.state else None, conn.state_raw) == (
        "LAST_ACK",
        "POSLEDNÍ ACK",
    )
    assert (conn.pid, conn.process) == (1234, "nginx: worker")


def test_encoding_option_overrides_detection() -> None:
    data = _encode(_windows_text("de"), "cp850")
    (capture,) = netnorm.parse(data, encoding="cp437")
    assert (capture.encoding, capture.encoding_detected) == ("cp437", False)
    with pytest.raises(netnorm.InputError, match="unknown encoding"):
        netnorm.parse(data, encoding="klingon")


def test_unix_section_with_an_unknown_heading_is_found_by_its_header() -> None:
    text = (
        "Aktive Internetverbindungen (Server und stehende Verbindungen)\n"
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n"
        "tcp        0      0 10.0.0.1:22             10.0.0.2:5000           VERBUNDEN  \n"
        "Aktive Sockets in der UNIX-Domäne (Server und stehende Verbindungen)\n"
        "Proto RefCnt Flags       Type       State         I-Node   Pfad\n"
        "unix  2      [ ACC ]     STREAM     HÖRT          21874    /run/systemd/private\n"
    )
    (capture,) = netnorm.parse(text)
    assert [c.state.value if c.state else None for c in capture.connections] == ["ESTABLISHED"]
    assert [(u.state, u.path) for u in capture.unix_sockets] == [("HÖRT", "/run/systemd/private")]
    assert [(d.line, d.code) for d in capture.diagnostics] == [(4, "unknown-language")]


def test_long_german_capture_stays_cp850() -> None:
    # 0x99 ("Ö") before "R" is also a valid Korean syllable in cp949: with hundreds of rows the
    # netstat words must still win
    rows = _windows_text("de").split("\r\n")
    text = "\r\n".join(rows[:4] + rows[4:] * 60)
    (capture,) = netnorm.parse(_encode(text, "cp850"))
    assert capture.encoding == "cp850"
    assert {c.state_raw for c in capture.connections} >= {"ABHÖREN"}
