"""Analysis settings: internal networks, thresholds, suspicious ports and allowlists.

Read from ``--config FILE`` or ``./netnorm.toml``; command-line options override the file. A bad
file is rejected with one line that names the key. The file and the options are validated by
the pydantic models of ``netnorm.analysis.config_model`` (``Config``, ``Thresholds``,
``Allow``, also importable from here); a run with neither gets ``DEFAULTS``, the same
settings without importing pydantic.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from netnorm.errors import UsageError

if TYPE_CHECKING:
    from netnorm.analysis.config_model import Allow, Config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: Ports long associated with backdoors and default exploit handlers (Metasploit's 4444,
#: Back Orifice's 31337, NetBus's 12345, IRC botnets on 6666-6669 …).
DEFAULT_SUSPICIOUS_PORTS = (1337, 4444, 5554, 6666, 6667, 6668, 6669, 12345, 27374, 31337, 54321)

DEFAULT_FILE = "netnorm.toml"

#: Shells, interpreters and Windows programs that attackers run to talk to the outside (the
#: LOLBins), as glob patterns on the process name, lower case: shell-external reports their
#: outside connections. ``shells = [...]`` in the configuration adds to them.
DEFAULT_SHELLS: tuple[str, ...] = (
    "bash",
    "sh",
    "dash",
    "zsh",
    "ksh",
    "nc",
    "ncat",
    "netcat",
    "socat",
    "telnet",
    "python",
    "python[0-9]*",
    "perl",
    "ruby",
    "php",
    "powershell.exe",
    "pwsh.exe",
    "pwsh",
    "cmd.exe",
    "rundll32.exe",
    "regsvr32.exe",
    "mshta.exe",
    "wscript.exe",
    "cscript.exe",
    "certutil.exe",
    "bitsadmin.exe",
)


@dataclass(frozen=True)
class DefaultThresholds:
    """The default thresholds (``Thresholds`` documents each)."""

    syn_flood: int = 20
    syn_flood_sources: int = 2
    close_wait: int = 10
    persist_min: str = "1h"


DEFAULT_THRESHOLDS = DefaultThresholds()


@dataclass(frozen=True)
class DefaultIoc:
    """No IOC lists (``Ioc`` documents the settings)."""

    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Defaults:
    """The settings of a run with no file and no option: what ``Config()`` holds."""

    internal: list[str] = field(default_factory=list)
    thresholds: DefaultThresholds = DEFAULT_THRESHOLDS
    suspicious_ports: list[int] = field(default_factory=lambda: list(DEFAULT_SUSPICIOUS_PORTS))
    allow: list[Allow] = field(default_factory=list)
    shells: list[str] = field(default_factory=list)
    ioc: DefaultIoc = field(default_factory=DefaultIoc)
    internal_files: list[str] = field(default_factory=list)


DEFAULTS = Defaults()

if TYPE_CHECKING:
    #: What the rules read: the validated settings, or the defaults.
    Settings: TypeAlias = Config | Defaults


def __getattr__(name: str) -> Any:
    if name in ("Config", "Thresholds", "Allow"):
        from netnorm.analysis import config_model

        return getattr(config_model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _key_error(source: str, exc: Any) -> UsageError:
    first = exc.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    return UsageError(f"bad configuration: {key}: {message}", source)


def load_config(path: Path | None, overrides: dict[str, Any] | None = None) -> Settings:
    """Read the configuration file (or ``./netnorm.toml`` if present) and apply overrides.

    Args:
        path: the ``--config`` file, or ``None`` to look for ``./netnorm.toml``.
        overrides: values from the command line, by top-level key; lists of internal networks
            are added to the file's, other values replace them.

    Returns:
        The validated settings; ``DEFAULTS`` when there is neither a file nor an override.

    Raises:
        UsageError: the file is missing, is not TOML, or has a bad key or value.
    """
    data: dict[str, Any] = {}
    if path is None and Path(DEFAULT_FILE).is_file():
        path = Path(DEFAULT_FILE)
    if path is None and not overrides:
        return DEFAULTS
    source = str(path) if path is not None else "command line"
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError("configuration file not found", source) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read configuration: {exc}", source) from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"configuration is not valid TOML: {exc}", source) from None
    for key, value in (overrides or {}).items():
        if key == "internal":
            data["internal"] = [*data.get("internal", []), *value]
        elif key == "internal_files":
            data["internal_files"] = [*data.get("internal_files", []), *value]
        elif key == "ioc":
            ioc = data.get("ioc", {})
            data["ioc"] = {**ioc, "files": [*ioc.get("files", []), *value["files"]]}
        elif key == "thresholds":
            data["thresholds"] = {**data.get("thresholds", {}), **value}
        else:
            data[key] = value
    from pydantic import ValidationError

    from netnorm.analysis.config_model import Config

    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise _key_error(source, exc) from None
