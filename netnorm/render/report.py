"""Analysis reports for people: a terminal table and Markdown for tickets.

Findings come first, then each capture's connections grouped by reach, outside ones first.
Every string that came from a capture goes through ``visible`` (terminal) or ``md`` (Markdown).
"""

from __future__ import annotations

import re
from typing import IO, Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from netnorm.analysis.rules import endpoint_text
from netnorm.render.safe import visible
from netnorm.render.table import owner_text, safe_text

REACH_ORDER = ("external", "unknown", "internal", "self", "none")
REACH_TITLES = {
    "external": "Outside the network",
    "unknown": "Unknown destination (names or cut addresses)",
    "internal": "Inside the organisation",
    "self": "On this machine",
    "none": "Listening, bound or without a peer",
}
SEVERITY_STYLE = {"high": "bold red", "medium": "red", "low": "yellow", "info": "cyan"}


def _where(finding: dict[str, Any]) -> str:
    lines = finding["lines"]
    span = ""
    if lines:
        span = f":{lines[0]}" if len(lines) == 1 else f":{lines[0]}-{lines[-1]}"
    host = f" ({finding['host']})" if finding["host"] else ""
    return f"{finding['source']}#{finding['capture']}{span}{host}"


def _state(conn: dict[str, Any]) -> str:
    state = conn["state"] or ""
    if conn["state_raw"] and conn["state_raw"] != state:
        state = f"{state} ({conn['state_raw']})" if state else conn["state_raw"]
    return state


def print_report(report: dict[str, Any], out: IO[str], limit: int) -> None:
    """Print findings, then connections grouped by reach (``limit`` rows per quiet group)."""
    console = Console(file=out, markup=False, highlight=False)
    findings = report["findings"]
    if findings:
        console.print(Text(f"Findings ({len(findings)})", style="bold"))
        for f in findings:
            console.print(
                Text.assemble(
                    (f"{f['severity'].upper():<6}", SEVERITY_STYLE[f["severity"]]),
                    "  ",
                    (f["rule"], "bold"),
                    "  ",
                    safe_text(_where(f)),
                )
            )
            console.print(Padding(safe_text(f["message"]), (0, 0, 1, 8), expand=False))
    else:
        console.print("No findings.")
    for capture in report["captures"]:
        title = Text.assemble(
            "\n",
            safe_text(capture["source"], "bold"),
            f" #{capture['index']} · {capture['platform']} · ",
            safe_text(capture["options"]["command"]),
        )
        if capture["host"]:
            title.append(" · host ")
            title.append(safe_text(capture["host"]))
        console.print(title)
        for reach in REACH_ORDER:
            conns = [c for c in capture["connections"] if c["reach"] == reach]
            if not conns:
                continue
            shown = conns if reach in ("external", "unknown") else conns[:limit]
            style = "bold red" if reach == "external" else ""
            table = Table(
                title=f"{REACH_TITLES[reach]} ({len(conns)})", title_justify="left", expand=False
            )
            for name in ("Proto", "Local", "Remote", "Scope", "State", "Owner", "Line"):
                table.add_column(name, overflow="fold")
            for c in shown:
                table.add_row(
                    c["protocol"],
                    safe_text(endpoint_text(c["local"])),
                    safe_text(endpoint_text(c["remote"]), style),
                    c["remote"]["scope"] or "",
                    safe_text(_state(c)),
                    safe_text(owner_text(c)),
                    str(c["line"]),
                )
            console.print(table)
            if len(shown) < len(conns):
                console.print(f"  … {len(conns) - len(shown)} more (--limit, or --format json)")
    s = report["summary"]
    reach = ", ".join(f"{k} {v}" for k, v in s["reach"].items() if v)
    sev = ", ".join(f"{k} {v}" for k, v in s["findings"].items() if v) or "none"
    console.print(
        f"\n{s['captures']} capture(s), {s['connections']} connections ({reach}); findings: {sev}"
    )


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md(value: Any) -> str:
    """Escape untrusted text for Markdown: control characters visible, syntax characters inert."""
    if value is None:
        return ""
    return _MD_SPECIAL.sub(r"\\\1", visible(str(value)))


def markdown_report(report: dict[str, Any]) -> str:
    """The report as Markdown, for pasting into a ticket."""
    s = report["summary"]
    lines = ["# netnorm report", ""]
    reach = ", ".join(f"{k} {v}" for k, v in s["reach"].items() if v)
    sev = ", ".join(f"{k} {v}" for k, v in s["findings"].items() if v) or "none"
    lines += [f"{s['captures']} capture(s), {s['connections']} connections ({reach}).", ""]
    lines += [f"Findings: {sev}.", ""]
    if report["findings"]:
        lines += ["## Findings", "", "| Severity | Rule | Where | What |", "|---|---|---|---|"]
        for f in report["findings"]:
            lines.append(
                f"| **{f['severity']}** | `{f['rule']}` | {md(_where(f))} | {md(f['message'])} |"
            )
        lines.append("")
    for capture in report["captures"]:
        outside = [c for c in capture["connections"] if c["reach"] in ("external", "unknown")]
        head = f"## {md(capture['source'])} #{capture['index']} ({capture['platform']}"
        head += f", {md(capture['host'])})" if capture["host"] else ")"
        lines += [head, "", f"Command: `{md(capture['options']['command'])}`", ""]
        if not outside:
            lines += ["No connections outside the network.", ""]
            continue
        lines += [
            "| Reach | Proto | Local | Remote | State | Owner | Line |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in outside:
            lines.append(
                f"| {c['reach']} | {c['protocol']} | {md(endpoint_text(c['local']))} | "
                f"{md(endpoint_text(c['remote']))} | {md(_state(c))} | {md(owner_text(c))} | "
                f"{c['line']} |"
            )
        lines.append("")
    return "\n".join(lines)
