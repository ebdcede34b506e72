"""Analysis reports for people: a terminal table and Markdown for tickets.

Findings come first, then each capture's connections grouped by reach, outside ones first.
Every string that came from a capture goes through ``visible`` (terminal) or ``md`` (Markdown).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import IO, Any

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from netnorm.render.safe import visible
from netnorm.render.table import (
    Cell,
    QuietConsole,
    endpoint_text,
    fitted_table,
    fitting_level,
    new_table,
    owner_text,
    safe_text,
    state_text,
)

REACH_ORDER = ("external", "unknown", "internal", "self", "none")
REACH_TITLES = {
    "external": "Outside the network",
    "unknown": "Unknown destination (names or cut addresses)",
    "internal": "Inside the organisation",
    "self": "On this machine",
    "none": "Listening, bound or without a peer",
}
SEVERITY_STYLE = {"high": "bold red", "medium": "red", "low": "yellow", "info": "cyan"}


#: How tables show ``direction``: who opened the connection, local end on the left.
ARROWS = {"outbound": "→", "inbound": "←", "local": "↔", "unknown": "?"}


def _where(finding: dict[str, Any]) -> str:
    lines = finding["lines"]
    span = ""
    if lines:
        span = f":{lines[0]}" if len(lines) == 1 else f":{lines[0]}-{lines[-1]}"
    host = f" ({finding['host']})" if finding["host"] else ""
    return f"{finding['source']}#{finding['capture']}{span}{host}"


def _fleet_run(report: dict[str, Any]) -> bool:
    return bool(report["summary"]["captures"] > 1)


def _shown_findings(report: dict[str, Any]) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Findings to print one by one; over a fleet, info findings are only counted per rule."""
    if not _fleet_run(report):
        return report["findings"], Counter()
    shown = [f for f in report["findings"] if f["severity"] != "info"]
    info = Counter(report.get("info_counts") or {})
    info.update(f["rule"] for f in report["findings"] if f["severity"] == "info")
    return shown, info


def print_report(report: dict[str, Any], out: IO[str], limit: int | None) -> None:
    """Print findings, then connections grouped by reach (``limit`` rows per group, ``None``:
    all).

    Over several captures, the fleet view (stacks, rarest first, and one line per host)
    replaces the per-connection tables.
    """
    console = QuietConsole(out)
    findings, info = _shown_findings(report)
    if findings or info:
        console.print(Text(f"Findings ({len(report['findings'])})", style="bold"))
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
        if info:
            counts = ", ".join(f"{rule} {n}" for rule, n in sorted(info.items()))
            console.print(f"INFO    {counts} (one per capture and process or port; --format json)")
    else:
        console.print("No findings.")
    if _fleet_run(report) and report.get("fleet"):
        _print_fleet(report["fleet"], console, limit)
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
        groups = []
        reached = _reach_counts(capture)
        for reach in REACH_ORDER:
            conns = [c for c in capture["connections"] if c["reach"] == reach]
            if conns:
                groups.append((reach, reached[reach], _group_rows(reach, conns[:limit])))
        # the groups of a capture give up the same columns, so that they read alike
        start = max((fitting_level(console, GROUP_COLUMNS, r) for _, _, r in groups), default=0)
        for reach, count, rows in groups:
            table, legend = fitted_table(
                console,
                f"{REACH_TITLES[reach]} ({count})",
                GROUP_COLUMNS,
                rows,
                start=start,
                expand=False,
            )
            console.print(table)
            if legend is not None:
                console.print(legend)
            if len(rows) < count:
                console.print(f"  … {count - len(rows):,} more (use --all or -f jsonl)")
    s = report["summary"]
    reach = ", ".join(f"{k} {v}" for k, v in s["reach"].items() if v)
    sev = ", ".join(f"{k} {v}" for k, v in s["findings"].items() if v) or "none"
    console.print(
        f"\n{s['captures']} capture(s), {s['connections']} connections ({reach}); findings: {sev}"
    )


def _reach_counts(capture: dict[str, Any]) -> Counter[str]:
    """How many connections of each reach the capture has: ``reach_counts`` when it holds
    only the first rows of each (``netnorm.analysis.batch``), else its connections counted."""
    counts = capture.get("reach_counts")
    if counts is not None:
        return Counter(counts)
    return Counter(c["reach"] for c in capture["connections"])


GROUP_COLUMNS = ("Proto", "Local", "", "Remote", "Scope", "State", "Owner", "Line")


def _group_rows(reach: str, conns: list[dict[str, Any]]) -> list[list[Cell]]:
    style = "bold red" if reach == "external" else ""
    return [
        [
            c["protocol"],
            safe_text(endpoint_text(c["local"])),
            ARROWS.get(c.get("direction") or "", ""),
            safe_text(endpoint_text(c["remote"]), style),
            c["remote"]["scope"] or "",
            safe_text(state_text(c)),
            safe_text(owner_text(c)),
            str(c["line"]),
        ]
        for c in conns
    ]


def _more(console: Console, total: int, limit: int | None) -> None:
    if limit is not None and total > limit:
        console.print(f"  … {total - limit:,} more (use --all or -f json)")


def _print_fleet(fleet: dict[str, Any], console: Console, limit: int | None) -> None:
    totals = fleet.get("totals", {})
    for key, title, first in (
        ("external_endpoints", "Outside endpoints, rarest first", "endpoint"),
        ("external_networks", "Outside networks, rarest first", "network"),
        ("external_wide_networks", "Outside /16 and /32 networks, rarest first", "network"),
    ):
        rows = fleet[key]
        if not rows:
            continue
        total = totals.get(key, len(rows))
        columns = (first.capitalize(), "Hosts", "Processes", "Connections")
        table = new_table(f"{title} ({total:,})", columns)
        for row in rows[:limit]:
            table.add_row(
                safe_text(row[first]),
                safe_text(f"{row['hosts']}: {', '.join(row['host_names'])}"),
                safe_text(", ".join(row["processes"])),
                str(row["connections"]),
            )
        console.print(table)
        _more(console, total, limit)
    listeners = fleet["listeners"]
    if listeners:
        total = totals.get("listeners", len(listeners))
        table = new_table(
            f"Listeners, rarest first ({total:,})", ("Proto", "Port", "Process", "Hosts")
        )
        for row in listeners[:limit]:
            table.add_row(
                row["protocol"],
                str(row["port"]),
                safe_text(row["process"]),
                safe_text(f"{row['hosts']}: {', '.join(row['host_names'])}"),
            )
        console.print(table)
        _more(console, total, limit)
    table = new_table("Hosts", ("Host", "Captures", "Connections", "External", "Findings"))
    for host in fleet["hosts"]:
        found = ", ".join(f"{k} {v}" for k, v in host["findings"].items() if v) or "none"
        table.add_row(
            safe_text(host["host"]),
            str(host["captures"]),
            str(host["connections"]),
            str(host["external"]),
            found,
        )
    console.print(table)


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
    findings, info = _shown_findings(report)
    if findings:
        lines += ["## Findings", "", "| Severity | Rule | Where | What |", "|---|---|---|---|"]
        for f in findings:
            lines.append(
                f"| **{f['severity']}** | `{f['rule']}` | {md(_where(f))} | {md(f['message'])} |"
            )
        lines.append("")
    if info:
        counts = ", ".join(f"`{rule}` {n}" for rule, n in sorted(info.items()))
        lines += [f"Info findings: {counts}.", ""]
    if _fleet_run(report) and report.get("fleet"):
        fleet = report["fleet"]
        lines += [
            "## Outside endpoints, rarest first",
            "",
            "| Endpoint | Hosts | Processes |",
            "|---|---|---|",
        ]
        for row in fleet["external_endpoints"]:
            lines.append(
                f"| {md(row['endpoint'])} | {row['hosts']}: {md(', '.join(row['host_names']))} | "
                f"{md(', '.join(row['processes']))} |"
            )
        total = fleet.get("totals", {}).get("external_endpoints", 0)
        if total > len(fleet["external_endpoints"]):
            lines += [
                "",
                f"… {total - len(fleet['external_endpoints']):,} more (use --all or -f json)",
            ]
        lines += [
            "",
            "## Hosts",
            "",
            "| Host | Captures | Connections | External | Findings |",
            "|---|---|---|---|---|",
        ]
        for host in fleet["hosts"]:
            found = ", ".join(f"{k} {v}" for k, v in host["findings"].items() if v) or "none"
            lines.append(
                f"| {md(host['host'])} | {host['captures']} | {host['connections']} | "
                f"{host['external']} | {found} |"
            )
        lines.append("")
    for capture in report["captures"]:
        outside = [c for c in capture["connections"] if c["reach"] in ("external", "unknown")]
        reached = _reach_counts(capture)
        outside_total = reached["external"] + reached["unknown"]
        head = f"## {md(capture['source'])} #{capture['index']} ({capture['platform']}"
        head += f", {md(capture['host'])})" if capture["host"] else ")"
        lines += [head, "", f"Command: `{md(capture['options']['command'])}`", ""]
        if not outside:
            lines += ["No connections outside the network.", ""]
            continue
        lines += [
            "| Reach | Proto | Local | | Remote | State | Owner | Line |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in outside:
            lines.append(
                f"| {c['reach']} | {c['protocol']} | {md(endpoint_text(c['local']))} | "
                f"{ARROWS.get(c.get('direction'), '')} | "
                f"{md(endpoint_text(c['remote']))} | {md(state_text(c))} | {md(owner_text(c))} | "
                f"{c['line']} |"
            )
        if outside_total > len(outside):
            lines += ["", f"… {outside_total - len(outside):,} more (use --all or -f jsonl)"]
        lines.append("")
    return "\n".join(lines)


def _diff_row(conn: dict[str, Any]) -> list[str]:
    return [
        conn["protocol"],
        endpoint_text(conn["local"]),
        endpoint_text(conn["remote"]),
        state_text(conn),
        owner_text(conn),
        str(conn["line"]),
    ]


def _side(capture: dict[str, Any]) -> str:
    return f"{capture['source']} ({capture['platform']}, {capture['options']['command']})"


def print_diff(
    result: dict[str, Any], old: dict[str, Any], new: dict[str, Any], out: IO[str]
) -> None:
    """Print removed, added and changed connections as tables."""
    console = QuietConsole(out)
    console.print(Text.assemble("- ", safe_text(_side(old)), "\n+ ", safe_text(_side(new))))
    for key, title, style in (
        ("removed", "Only in the first (removed)", "red"),
        ("added", "Only in the second (added)", "green"),
    ):
        rows = result[key]
        if not rows:
            continue
        table, legend = fitted_table(
            console,
            f"{title} ({len(rows)})",
            ("Proto", "Local", "Remote", "State", "Owner", "Line"),
            [[safe_text(cell, style) for cell in _diff_row(conn)] for conn in rows],
        )
        console.print(table)
        if legend is not None:
            console.print(legend)
    if result["changed"]:
        table = new_table(
            f"Changed ({len(result['changed'])})",
            ("Proto", "Local", "Remote", "Changed", "Before", "After"),
        )
        for change in result["changed"]:
            a, b = change["before"], change["after"]
            table.add_row(
                a["protocol"],
                safe_text(endpoint_text(a["local"])),
                safe_text(endpoint_text(a["remote"])),
                ", ".join(change["fields"]),
                safe_text("; ".join(f"{f}={a.get(f)}" for f in change["fields"])),
                safe_text("; ".join(f"{f}={b.get(f)}" for f in change["fields"])),
            )
        console.print(table)
    total = len(result["added"]) + len(result["removed"]) + len(result["changed"])
    console.print(
        "No differences."
        if not total
        else (
            f"{len(result['removed'])} removed, {len(result['added'])} added, "
            f"{len(result['changed'])} changed"
        )
    )


def diff_markdown(result: dict[str, Any], old: dict[str, Any], new: dict[str, Any]) -> str:
    """The diff as Markdown."""
    lines = ["# netnorm diff", "", f"- first: {md(_side(old))}", f"- second: {md(_side(new))}", ""]
    for key, title in (("removed", "Only in the first"), ("added", "Only in the second")):
        if not result[key]:
            continue
        lines += [
            f"## {title} ({len(result[key])})",
            "",
            "| Proto | Local | Remote | State | Owner | Line |",
            "|---|---|---|---|---|---|",
        ]
        lines += ["| " + " | ".join(md(c) for c in _diff_row(conn)) + " |" for conn in result[key]]
        lines.append("")
    if result["changed"]:
        lines += [
            f"## Changed ({len(result['changed'])})",
            "",
            "| Proto | Local | Remote | Before | After |",
            "|---|---|---|---|---|",
        ]
        for change in result["changed"]:
            a, b = change["before"], change["after"]
            lines.append(
                f"| {a['protocol']} | {md(endpoint_text(a['local']))} | "
                f"{md(endpoint_text(a['remote']))} | "
                f"{md('; '.join(f'{f}={a.get(f)}' for f in change['fields']))} | "
                f"{md('; '.join(f'{f}={b.get(f)}' for f in change['fields']))} |"
            )
        lines.append("")
    if not (result["added"] or result["removed"] or result["changed"]):
        lines += ["No differences.", ""]
    return "\n".join(lines)
