"""The pydantic models of the analysis settings, which validate a file and the command line.

``netnorm.analysis.config`` reads the settings; a run with no file and no option uses its
defaults and never imports this module (pydantic takes longer to import than a small
capture takes to analyse).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from netnorm.analysis.config import DEFAULT_SUSPICIOUS_PORTS, DEFAULT_THRESHOLDS
from netnorm.analysis.scopes import validate_networks

_STRICT = ConfigDict(extra="forbid", frozen=True)


class Thresholds(BaseModel):
    """Numbers the rules compare against."""

    model_config = _STRICT

    syn_flood: int = Field(
        DEFAULT_THRESHOLDS.syn_flood,
        ge=1,
        description="SYN_RECEIVED sockets on one local endpoint.",
    )
    syn_flood_sources: int = Field(
        DEFAULT_THRESHOLDS.syn_flood_sources,
        ge=1,
        description="…from at least this many different remote addresses.",
    )
    close_wait: int = Field(
        DEFAULT_THRESHOLDS.close_wait,
        ge=1,
        description="CLOSE_WAIT sockets per process or local port.",
    )
    persist_min: str = Field(
        DEFAULT_THRESHOLDS.persist_min,
        description="persistent-external: how long a connection must stay established across "
        'captures ("90m", "1h", "2d" or seconds).',
    )

    @field_validator("persist_min", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        from netnorm.analysis.audit import parse_duration

        if isinstance(value, (int, float)):
            value = str(value)
        if isinstance(value, str):
            parse_duration(value)  # raises ValueError with a clear message
        return value


class Allow(BaseModel):
    """Connections that the connection rules should not report."""

    model_config = _STRICT

    process: str | None = Field(None, description="Process or image name, case-insensitive.")
    remote: str | None = Field(None, description="Remote network in CIDR form.")
    rules: list[str] | None = Field(None, description="Only these rules (default: all).")

    @field_validator("remote")
    @classmethod
    def _network(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return validate_networks([value])[0]
        except ValueError:
            raise ValueError(f"{value!r} is not a network in CIDR form") from None

    def covers(self, rule: str, process: str | None, address: str | None) -> bool:
        """True when this entry allows a connection of ``process`` to ``address`` for ``rule``."""
        if self.rules is not None and rule not in self.rules:
            return False
        if self.process is not None and (process or "").lower() != self.process.lower():
            return False
        if self.remote is not None:
            return address is not None and _in_network(address, self.remote)
        return True

    @model_validator(mode="after")
    def _something(self) -> Allow:
        if self.process is None and self.remote is None:
            raise ValueError("an allow entry needs a process, a remote network, or both")
        return self


class Ioc(BaseModel):
    """Lists of known-bad addresses (indicators of compromise)."""

    model_config = _STRICT

    files: list[str] = Field(
        default_factory=list,
        description="Files of IPs and CIDR networks, one per line, # starts a comment; "
        "ioc-match reports connections to them.",
    )


class Config(BaseModel):
    """Everything an analysis run can be told."""

    model_config = _STRICT

    internal: list[str] = Field(
        default_factory=list, description="Networks (CIDR) that belong to the organisation."
    )
    thresholds: Thresholds = Field(default_factory=Thresholds)
    suspicious_ports: list[int] = Field(
        default_factory=lambda: list(DEFAULT_SUSPICIOUS_PORTS),
        description='Ports or ranges ("6666-6669") that the suspicious-port rule reports.',
    )
    allow: list[Allow] = Field(default_factory=list)
    internal_files: list[str] = Field(
        default_factory=list,
        description="Files of internal networks, one per line (# comments), for lists too "
        "long for this file: a million lines load in a few seconds.",
    )
    ioc: Ioc = Field(default_factory=Ioc)
    shells: list[str] = Field(
        default_factory=list,
        description="More process names (glob patterns, any case) that shell-external "
        "reports, besides its own list of shells, interpreters and LOLBins.",
    )

    @field_validator("internal", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        try:
            return validate_networks(str(v) for v in value)
        except ValueError as exc:
            raise ValueError(f"not a network in CIDR form: {exc}") from None

    @field_validator("suspicious_ports", mode="before")
    @classmethod
    def _ports(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        ports: list[int] = []
        for item in value:
            if isinstance(item, str) and "-" in item:
                low, _, high = item.partition("-")
                if not (low.strip().isdigit() and high.strip().isdigit()):
                    raise ValueError(f"{item!r} is not a port range like 6666-6669")
                ports.extend(range(int(low), int(high) + 1))
            else:
                ports.append(item)
        for port in ports:
            if isinstance(port, int) and not 0 <= port <= 65535:
                raise ValueError(f"{port} is not a port number")
        return ports


@lru_cache(maxsize=4096)
def _in_network(address: str, network: str) -> bool:
    # cached: the same peers and entries come back on every row of a fleet
    return ipaddress.ip_address(address) in ipaddress.ip_network(network)
