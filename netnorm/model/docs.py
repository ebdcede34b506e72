"""Generate ``docs/schema.md`` from the pydantic models, so the reference never drifts.

Run ``python -m netnorm.model.docs > docs/schema.md``; a test fails when the file is stale.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from netnorm.model import schema as models

MODELS: list[type[BaseModel]] = [
    models.Capture,
    models.CaptureOptions,
    models.Connection,
    models.Endpoint,
    models.Timer,
    models.UnixSocket,
    models.Diagnostic,
    models.ParseOutput,
    models.ConnectionRow,
    models.Report,
    models.Finding,
    models.Summary,
    models.FleetView,
    models.StackedEndpoint,
    models.StackedNetwork,
    models.StackedListener,
    models.HostLine,
    models.Diff,
    models.Change,
]


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in prop:
        return " \\| ".join(_type(p) for p in prop["anyOf"])
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list[{_type(prop.get('items', {}))}]"
    if prop.get("format") == "date-time":
        return "datetime"
    return str(kind)


def _enums(schema: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: d["enum"] for name, d in schema.get("$defs", {}).items() if "enum" in d}


def schema_markdown() -> str:
    """Return the Markdown reference of every public model."""
    out = [
        "# Output schema",
        "",
        "Generated from the pydantic models by `python -m netnorm.model.docs`; do not edit.",
        "The field names are a public contract: fields may be added, never renamed.",
        "`netnorm schema --model NAME` prints the same as JSON Schema: `parse` for",
        "`parse -f json`, `row` for a line of `parse -f jsonl` or `analyze -f jsonl`, `report`",
        "for `analyze -f json`, `diff` for `diff -f json`; `capture`, `connection`, `finding`",
        "and the others for their parts.",
        "",
    ]
    enums: dict[str, list[Any]] = {}
    for model in MODELS:
        schema = model.model_json_schema()
        enums.update(_enums(schema))
        out += [f"## {model.__name__}", "", (model.__doc__ or "").strip(), ""]
        out += ["| field | type | meaning |", "|---|---|---|"]
        for name, prop in schema["properties"].items():
            description = prop.get("description", "").replace("|", "\\|").replace("\n", " ")
            out.append(f"| `{name}` | {_type(prop)} | {description} |")
        out.append("")
    out += ["## Enumerations", ""]
    for name, values in sorted(enums.items()):
        out.append(f"- **{name}**: " + ", ".join(f"`{v}`" for v in values))
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(schema_markdown(), end="")
