"""The dialects the reader knows, in the order it tries them, and their joint grammar.

Adding a dialect means writing its module (see ``netnorm.parsers.dialect``) and adding it here.
"""

from __future__ import annotations

from typing import Any, cast

import pyparsing as pp

from netnorm.model.enums import Platform
from netnorm.model.vocabulary import HEADER_WORDS
from netnorm.parsers import (
    bsd_netstat,
    linux_netstat,
    lsof,
    powershell,
    ss,
    windows_netstat,
)
from netnorm.parsers.dialect import (
    PHRASE_TEXTS,
    Dialect,
    Header,
    Structure,
    named,
    phrases,
    rest,
)

#: mypy --strict checks that each module has every name of ``Dialect``, with its types.
DIALECTS: tuple[Dialect, ...] = (
    linux_netstat,
    windows_netstat,
    bsd_netstat,
    ss,
    lsof,
    powershell,
)
#: The order their structural grammars are tried in: the more specific first (a BSD heading
#: is also a Linux heading whose parenthesis no table knows).
_STRUCTURES: tuple[Dialect, ...] = (
    bsd_netstat,
    ss,
    lsof,
    powershell,
    linux_netstat,
    windows_netstat,
)

#: The dialects by ``Dialect.NAME``.
BY_NAME: dict[str, Dialect] = {d.NAME: d for d in DIALECTS}


def dialects_for(platform: Platform | None) -> tuple[Dialect, ...]:
    """The dialects that read captures of ``platform`` (all of them for ``None``)."""
    return tuple(d for d in DIALECTS if platform is None or platform in d.PLATFORMS)


def what_else(texts: list[str]) -> str | None:
    """What other output these unrecognised lines are (``netstat -r`` …), or ``None``."""
    from netnorm.model.vocabulary import OTHER_OUTPUTS

    for text in texts:
        stripped = text.strip()
        for phrase, kind in OTHER_OUTPUTS.items():
            if stripped.startswith(phrase):
                return kind
    return None


def row_dialect(text: str) -> Dialect | None:
    """The dialect whose row token reads this line, if any."""
    for dialect in DIALECTS:
        if text.strip().startswith(dialect.ROW_STARTS) and dialect.ROW.re.match(text):
            return dialect
    return None


def looks_like_header(text: str) -> bool:
    """True for a column header in any language, told by the titles that are never translated.

    Windows ends the header with ``PID`` (with ``-o``); net-tools prints ``PID/Program name``
    untranslated, and most catalogs keep ``Recv-Q``/``Send-Q``.
    """
    tokens = text.split()
    if len(tokens) < 4 or any(ch.isdigit() for ch in text if ch.isascii()):
        return False
    return tokens[-1] == "PID" or "PID/Program name" in text or "Recv-Q" in text or "RefCnt" in text


def _non_empty(element: pp.Regex) -> pp.Regex:
    element.mayReturnEmpty = False  # see dialect.rest
    return element


#: A column header that starts with a word the vocabulary knows (``Proto``, ``Protocolo`` …).
KNOWN_HEADER = named(
    phrases(HEADER_WORDS, "header word", "HEADER_WORDS") + rest(r"(?:\s.*)?$", "column titles"),
    "column header",
    lambda: Header(True),
)
#: A column header in a language no table knows, told by its shape.
SHAPED_HEADER = named(
    _non_empty(pp.Regex(r".+"))
    .set_name("line shaped like a header")
    .add_condition(lambda s, _loc, _tokens: looks_like_header(s)),
    "column header by shape",
    lambda: Header(False),
)

#: Every dialect's structural lines (their own column headers among them), the column headers
#: the netstat dialects share, and last a header told by its shape.
STRUCTURE = pp.MatchFirst([*(d.STRUCTURE for d in _STRUCTURES), KNOWN_HEADER, SHAPED_HEADER])
STRUCTURE.set_name("structure")
STRUCTURE.parse_with_tabs()  # the line as printed: tabs are not turned into spaces


#: What a structural line can start with (read after the grammar is built).
_STARTS = tuple(PHRASE_TEXTS)


def structure(stripped: str) -> Structure | None:
    """The structural event of a stripped line, or ``None`` when it is not one."""
    if not stripped.startswith(_STARTS) and not looks_like_header(stripped):
        return None  # no element can match it: spare pyparsing the attempt (junk, prompts)
    try:
        result: Any = STRUCTURE.parse_string(stripped, parse_all=True)
    except pp.ParseException:
        return None
    return cast(Structure, result[0])
