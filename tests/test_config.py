"""Analysis configuration: the file, command-line overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from netnorm.analysis.config import load_config
from netnorm.errors import UsageError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "netnorm.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.thresholds.syn_flood == 20
    assert 4444 in config.suspicious_ports and 6668 in config.suspicious_ports


def test_file_and_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'internal = ["198.18.0.0/15"]\n'
        'suspicious_ports = [23, "6000-6002"]\n'
        "[thresholds]\nsyn_flood = 5\n"
        '[[allow]]\nprocess = "chrome.exe"\nremote = "142.250.0.0/15"\n',
    )
    config = load_config(path, {"internal": ["10.99.0.0/16"]})
    assert config.internal == ["198.18.0.0/15", "10.99.0.0/16"]
    assert config.suspicious_ports == [23, 6000, 6001, 6002]
    assert config.thresholds.syn_flood == 5
    assert config.thresholds.close_wait == 10
    assert config.allow[0].process == "chrome.exe"


def test_current_directory_file_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "[thresholds]\nclose_wait = 3\n")
    monkeypatch.chdir(tmp_path)
    assert load_config(None).thresholds.close_wait == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[thresholds]\nsyn_flod = 5\n", "thresholds.syn_flod: Extra inputs are not permitted"),
        ("[thresholds]\nsyn_flood = 0\n", "thresholds.syn_flood: Input should be greater than"),
        ('internal = ["10.0.0.0/33"]\n', "internal: not a network in CIDR form"),
        ('suspicious_ports = ["a-b"]\n', "suspicious_ports: 'a-b' is not a port range"),
        ('[[allow]]\nrules = ["syn-flood"]\n', "allow.0: an allow entry needs a process"),
        ("internal = [\n", "configuration is not valid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as caught:
        load_config(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="configuration file not found"):
        load_config(tmp_path / "nope.toml")


def test_shells_extend_the_shell_external_list(tmp_path: Path) -> None:
    """``shells`` adds globs to shell-external's own list: node is reported once it is named."""
    from netnorm.analysis.engine import analyze_dicts
    from netnorm.api import iter_capture_dicts

    row = (
        "tcp        0      0 10.0.0.5:41000          140.82.112.3:443        ESTABLISHED "
        "4242/node           \n"
    )
    plain = analyze_dicts(iter_capture_dicts(row), load_config(write(tmp_path, "")))
    assert not [f for f in plain["findings"] if f["rule"] == "shell-external"]
    config = load_config(write(tmp_path, 'shells = ["NODE"]\n'))
    named = analyze_dicts(iter_capture_dicts(row), config)
    (finding,) = [f for f in named["findings"] if f["rule"] == "shell-external"]
    assert (finding["evidence"]["program"], finding["lines"]) == ("node", [1])
