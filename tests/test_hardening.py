"""Faults around the data: file names, special files, processes, signals, exit codes, invisible
text. Each runs the console script in a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from netnorm.render import safe
from tests.conftest import SAMPLES

SERVER = SAMPLES / "linux" / "anp--server.txt"
BACKDOOR = SAMPLES / "linux" / "anp--backdoor.txt"


def _script() -> list[str]:
    found = Path(sys.executable).with_name("netnorm")
    if found.exists():
        return [str(found)]
    which = shutil.which("netnorm")
    return [which] if which else [sys.executable, "-m", "netnorm"]


def netnorm(
    *args: str | bytes | os.PathLike[str],
    cwd: Path | None = None,
    timeout: float = 60,
    **options: object,
) -> subprocess.CompletedProcess[bytes]:
    """Run the console script; output as bytes, never a traceback."""
    options.setdefault("stdout", subprocess.PIPE)
    options.setdefault("stderr", subprocess.PIPE)
    done = subprocess.run(
        [*_script(), *args],
        cwd=cwd,
        timeout=timeout,
        check=False,
        **options,  # type: ignore[call-overload]
    )
    assert b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    return done  # type: ignore[no-any-return]


# --- 1. file names that are not UTF-8 -------------------------------------------------------

BAD_NAME = b"bad\xff.txt"


@pytest.fixture
def bad_named(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / os.fsdecode(BAD_NAME)).write_bytes(SERVER.read_bytes())
    (folder / "ok.txt").write_bytes(BACKDOOR.read_bytes())
    return folder


@pytest.mark.parametrize("fmt", ["table", "markdown"])
@pytest.mark.parametrize("target", ["file", "folder"])
def test_a_file_name_that_is_not_utf8_is_shown_escaped(
    bad_named: Path, fmt: str, target: str
) -> None:
    path = os.fsencode(bad_named) + b"/" + BAD_NAME if target == "file" else os.fsencode(bad_named)
    done = netnorm("analyze", "-f", fmt, path)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")  # valid UTF-8
    assert "bad\\xff.txt" in out.replace("\\\\", "\\")
    assert "external-established" in out


@pytest.mark.parametrize(
    "command",
    [["analyze", "-f", "json"], ["analyze", "-f", "jsonl"], ["parse", "-f", "json"]],
    ids=["analyze-json", "analyze-jsonl", "parse-json"],
)
def test_json_keeps_a_file_name_exact(bad_named: Path, command: list[str]) -> None:
    done = netnorm(*command, os.fsencode(bad_named))
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8")
    assert "bad\\udcff.txt" in text  # the byte's surrogateescape code point, as a JSON escape
    if command[-1] == "jsonl":
        sources = {json.loads(line)["source"] for line in text.splitlines()}
    else:
        sources = {c["source"] for c in json.loads(text)["captures"]}
    assert os.fsencode(bad_named) + b"/" + BAD_NAME in {os.fsencode(s) for s in sources}


def test_parse_lines_and_diff_cope_with_the_name(bad_named: Path) -> None:
    bad = os.fsencode(bad_named) + b"/" + BAD_NAME
    done = netnorm("parse", "-f", "jsonl", bad)
    assert done.returncode == 0 and done.stdout.count(b"\n") == 27
    done = netnorm("parse", "-f", "csv", bad)
    assert b"bad\\xff.txt" in done.stdout
    assert netnorm("diff", "-f", "json", bad, bad).returncode == 0


# --- 5. invisible text ----------------------------------------------------------------------

INVISIBLE = ["\u061c", "\U000e0041", "\u00ad", "\u180e", "\u202e", "\u200b", "\u3164", "\ue000"]
RAW_IN_JSON = ["\u009b", "\u0085", "\x7f", "\u202e", "\u2066", "\u2028"]
HEADER = (
    "Active Internet connections (servers and established)\n"
    "Proto Recv-Q Send-Q Local Address           Foreign Address         State       "
    "PID/Program name    \n"
)


def _capture(tmp_path: Path, names: list[str]) -> Path:
    rows = [
        f"tcp        0      0 10.0.0.1:{5000 + i:<18} 8.8.8.8:53              ESTABLISHED "
        f"{i + 1}/x{name}y"
        for i, name in enumerate(names)
    ]
    path = tmp_path / "invisible.txt"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["parse", "-f", "table"],
        ["parse", "-f", "csv"],
        ["analyze", "-f", "table"],
        ["analyze", "-f", "markdown"],
    ],
)
def test_invisible_characters_are_escaped_in_human_outputs(
    tmp_path: Path, command: list[str]
) -> None:
    done = netnorm(*command, _capture(tmp_path, INVISIBLE + RAW_IN_JSON), env=_wide())
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")
    for ch in INVISIBLE + RAW_IN_JSON:
        assert ch not in out, f"U+{ord(ch):04X} written raw"
    assert "x\\u061cy" in out.replace("\\\\", "\\")


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize("command", ["parse", "analyze"])
def test_json_escapes_controls_and_bidi_but_keeps_the_value(
    tmp_path: Path, command: str, fmt: str
) -> None:
    names = INVISIBLE + RAW_IN_JSON
    done = netnorm(command, "-f", fmt, _capture(tmp_path, names))
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")
    for ch in RAW_IN_JSON:
        assert ch not in out, f"U+{ord(ch):04X} written raw"
    if fmt == "jsonl":
        processes = [json.loads(line)["process"] for line in out.splitlines()]
    else:
        processes = [c["process"] for c in json.loads(out)["captures"][0]["connections"]]
    assert processes == [f"x{name}y" for name in names]


def test_the_invisible_table_holds_every_character_of_its_categories() -> None:
    if unicodedata.unidata_version != safe.INVISIBLE_UNICODE:
        pytest.skip(f"the table is of Unicode {safe.INVISIBLE_UNICODE}")
    categories = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}
    missing = [
        f"U+{code:04X}"
        for code in range(0x110000)
        if unicodedata.category(chr(code)) in categories and safe.visible(chr(code)) == chr(code)
    ]
    assert not missing
    for filler in "\u115f\u1160\u3164\uffa0":
        assert safe.visible(filler) != filler
    for ordinary in "aé日本\u3000 -":
        assert safe.visible(ordinary) == ordinary


def _wide() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200"}


# --- 2. special files -----------------------------------------------------------------------


def test_a_fifo_in_a_folder_is_skipped_and_the_other_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(SERVER.read_bytes())
    os.mkfifo(tmp_path / "pipe")
    done = netnorm("parse", "-f", "jsonl", str(tmp_path), timeout=30)
    assert done.returncode == 0
    assert done.stdout.count(b"\n") == 27
    assert b"pipe: warning: skipped a named pipe (FIFO)" in done.stderr


def test_a_named_fifo_is_read_as_a_stream(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for command in (["parse", "-f", "jsonl"], ["analyze", "-f", "json"]):
        writer = threading.Thread(target=lambda: fifo.write_bytes(SERVER.read_bytes()))
        writer.start()
        done = netnorm(*command, str(fifo), timeout=30)
        writer.join()
        assert done.returncode == 0, done.stderr
        assert b'"10.20.0.15"' in done.stdout


def test_process_substitution_is_read(tmp_path: Path) -> None:
    """``netnorm analyze <(netstat -anp)``: a /dev/fd path of a pipe."""
    read, write = os.pipe()
    os.write(write, SERVER.read_bytes())  # 2 KB: fits in the pipe
    os.close(write)
    try:
        done = netnorm("analyze", "-f", "json", f"/dev/fd/{read}", pass_fds=(read,))
    finally:
        os.close(read)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["connections"] == 27


@pytest.mark.parametrize("command", ["parse", "analyze", "diff"])
def test_a_device_is_refused_at_once(command: str) -> None:
    args = ["/dev/zero", str(SERVER)] if command == "diff" else ["/dev/zero"]
    done = netnorm(command, *args, timeout=20)
    assert done.returncode == 2
    assert done.stderr == b"Error: is a character device, not a capture file (/dev/zero)\n"


def test_sockets_are_refused_and_skipped(tmp_path: Path) -> None:
    import socket

    (tmp_path / "a.txt").write_bytes(SERVER.read_bytes())
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock"))
        done = netnorm("parse", str(tmp_path / "sock"))
        assert done.returncode == 2
        assert b"is a socket, not a capture file" in done.stderr
        done = netnorm("analyze", "-f", "json", str(tmp_path))
        assert done.returncode == 0
        assert b"sock: warning: skipped a socket" in done.stderr


def test_diff_names_a_folder_as_a_folder(tmp_path: Path) -> None:
    done = netnorm("diff", str(tmp_path), str(SERVER))
    assert done.returncode == 2
    assert b"is a folder; diff compares two capture files" in done.stderr


# --- 3. processes ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["parse", "analyze"])
@pytest.mark.parametrize("jobs", ["0", "-1", "-3", "300", "99999999999999999999"])
def test_jobs_is_validated_the_same_way_everywhere(command: str, jobs: str) -> None:
    done = netnorm(command, "--jobs", jobs, str(SERVER))
    assert done.returncode == 2
    assert b"Invalid value for '--jobs' / '-j'" in done.stderr
    assert b"is not in the range 1<=x<=256" in done.stderr


def test_workers_are_bounded_by_the_work_and_the_cpus() -> None:
    from netnorm.cli import workers

    cpus = len(os.sched_getaffinity(0))
    assert workers(256, 2) == min(2, cpus)
    assert workers(None, 1000) == cpus
    assert workers(1, 1000) == 1
    assert workers(None, 0) == 1


def test_analyze_help_shows_no_zero_default() -> None:
    done = netnorm("analyze", "--help", env={**os.environ, "COLUMNS": "200"})
    assert b"[default: 0]" not in done.stdout


@pytest.fixture(scope="module")
def big_fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fleet")
    lines = SERVER.read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line.startswith("tcp")]
    body = "\n".join(lines[:2] + rows * 3000) + "\n"
    for i in range(8):
        (folder / f"h{i}.txt").write_text(body, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("signame", "group", "code", "message"),
    [
        ("SIGINT", True, 130, b"Error: interrupted\n"),
        ("SIGTERM", False, 143, b"Error: stopped by SIGTERM\n"),
        ("SIGTERM", True, 143, b"Error: stopped by SIGTERM\n"),
        ("SIGHUP", False, 129, b"Error: stopped by SIGHUP\n"),
    ],
)
def test_a_signal_stops_a_run_with_one_line_and_no_spool_left(
    big_fleet: Path, tmp_path: Path, signame: str, group: bool, code: int, message: bytes
) -> None:
    """Ctrl-C reaches the whole process group; ``kill`` only the main process."""
    import signal
    import time

    spool_root = tmp_path / "tmp"
    spool_root.mkdir()
    process = subprocess.Popen(
        [*_script(), "analyze", "-f", "json", "-j", "2", str(big_fleet)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(spool_root)},
        start_new_session=True,
    )
    # stop it once its workers have spooled findings
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(spool_root.glob("netnorm-findings-*/*")):
        time.sleep(0.05)
    time.sleep(0.3)
    signum = getattr(signal, signame)
    if group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    assert process.stderr is not None
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == code
    assert stderr == message
    time.sleep(0.2)  # the workers' last breath
    assert list(spool_root.iterdir()) == []


# --- 4. exit codes and plain causes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["parse", "--encoding", "rot13"], b"'rot13' is not a text encoding"),
        (["parse", "--encoding", "nope"], b"unknown encoding 'nope'"),
        (["analyze", "--persist-min", "99999999999d"], b"'99999999999d' is too long a duration"),
        (["analyze", "--limit", "-1"], b"-1 is not in the range x>=1"),
        (["parse", "/proc/self/mem"], b"Error: read failed: input/output error (/proc/self/mem)"),
        (["analyze", "/proc/self/mem"], b"Error: read failed: input/output error (/proc/self/mem)"),
    ],
)
def test_plain_causes_get_real_messages(args: list[str], message: bytes) -> None:
    tail = [] if args[-1].startswith("/proc") else [str(SERVER)]
    done = netnorm(*args, *tail)
    assert done.returncode == 2
    assert message in done.stderr
    assert b"internal error" not in done.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["parse", "-f", "jsonl", str(SERVER)],
        ["parse", "-f", "table", str(SERVER)],
        ["analyze", "-f", "json", str(SERVER)],
        ["analyze", "-f", "table", str(SERVER)],
        ["diff", str(SERVER), str(SERVER)],
        ["schema"],
    ],
)
def test_a_full_or_closed_stdout_is_exit_2_with_a_message(command: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        done = netnorm(*command, stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 2
    assert done.stderr == b"Error: cannot write the output: no space left on device\n"
    done = subprocess.run(
        [*_script(), *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 2
    assert done.stderr == (
        b"Error: standard output is closed; redirect it to a file or to /dev/null\n"
    )


def test_a_closed_or_full_stderr_keeps_exit_2() -> None:
    missing = "/no/such/file.txt"
    done = subprocess.run(
        [*_script(), "parse", missing],
        stdout=subprocess.DEVNULL,
        check=False,
        preexec_fn=lambda: os.close(2),
    )
    assert done.returncode == 2
    with open("/dev/full", "wb") as full:
        done = subprocess.run([*_script(), "parse", missing], stderr=full, check=False)
    assert done.returncode == 2


def test_a_broken_pipe_exits_0_quietly(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(SERVER.read_bytes() * 2000)
    commands = [
        ["parse", "-f", "jsonl"],
        ["parse", "-f", "table"],
        ["analyze", "-f", "json"],
        ["analyze", "-f", "table"],
    ]
    for command in commands:
        process = subprocess.Popen(
            [*_script(), *command, str(big)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(100)
        process.stdout.close()
        stderr = process.stderr.read()
        assert process.wait(timeout=60) == 0, stderr
        assert stderr == b""


# --- 6. one bad byte ------------------------------------------------------------------------

CZECH = SAMPLES / "linux" / "anp--cs-utf8.txt"


def _with_bad_bytes(lines: list[bytes], at: dict[int, bytes]) -> bytes:
    return b"\n".join(line + at.get(i, b"") for i, line in enumerate(lines, 1)) + b"\n"


def _czech_lines() -> list[bytes]:
    return CZECH.read_bytes().rstrip(b"\n").split(b"\n")


@pytest.mark.parametrize("where", [1, 2, 6, 18])
def test_one_bad_byte_keeps_utf8_and_names_its_line(tmp_path: Path, where: int) -> None:
    path = tmp_path / "cs.txt"
    path.write_bytes(_with_bad_bytes(_czech_lines(), {where: b" \xff\xfe"}))
    done = netnorm("parse", "-f", "json", str(path))
    assert done.returncode == 0, done.stderr
    capture = json.loads(done.stdout)["captures"][0]
    assert capture["encoding"] == "utf-8"
    states = [c["state"] for c in capture["connections"]]
    assert len(states) == 18 and "UNKNOWN" not in states
    bad = [d for d in capture["diagnostics"] if d["code"] == "undecodable-bytes"]
    assert [d["line"] for d in bad] == [where]
    assert bad[0]["text"].endswith("\\xff\\xfe")
    assert bad[0]["severity"] == "warning"
    assert f"cs.txt:{where}: warning: bytes that are not text read as U+FFFD".encode() in (
        done.stderr
    )


def test_a_bad_byte_past_the_sample_is_reported_too(tmp_path: Path) -> None:
    lines = _czech_lines()
    rows = lines[2:]
    many = lines[:2] + rows * 4000  # about 1.3 MB: past the 64 KiB the encoding is chosen from
    where = len(many) - 3
    path = tmp_path / "cs.txt"
    path.write_bytes(_with_bad_bytes(many, {where: b"\xc3"}))
    done = netnorm("parse", "-f", "jsonl", str(path))
    assert done.returncode == 0
    assert done.stdout.count(b"\n") == len(many) - 2
    assert f"cs.txt:{where}: warning: bytes that are not text".encode() in done.stderr


def test_a_bad_byte_is_reported_when_a_large_file_is_read_in_parts(tmp_path: Path) -> None:
    lines = _czech_lines()
    many = lines[:2] + lines[2:] * 40000  # about 13 MB: read in parts by two processes
    where = len(many) * 3 // 4
    path = tmp_path / "cs.txt"
    path.write_bytes(_with_bad_bytes(many, {where: b"\xff"}))
    done = netnorm("parse", "-f", "jsonl", "-j", "2", str(path), timeout=120)
    assert done.returncode == 0
    assert done.stdout.count(b"\n") == len(many) - 2
    assert f"cs.txt:{where}: warning: bytes that are not text".encode() in done.stderr


def test_an_unknown_state_after_a_code_page_guess_is_a_warning(tmp_path: Path) -> None:
    # a bad byte on every row: the file no longer reads as UTF-8, and a code page is guessed
    lines = _czech_lines()
    path = tmp_path / "cs.txt"
    path.write_bytes(_with_bad_bytes(lines, {i: b" \xff" for i in range(3, len(lines) + 1)}))
    done = netnorm("parse", "-f", "json", str(path))
    capture = json.loads(done.stdout)["captures"][0]
    assert capture["encoding"] != "utf-8"
    unknown = [d for d in capture["diagnostics"] if d["code"] == "unknown-state"]
    assert unknown and all(d["severity"] == "warning" for d in unknown)
    assert "give --encoding" in unknown[0]["message"]
    rows = sum(c["state"] == "UNKNOWN" for c in capture["connections"])
    assert rows == sum(int(d["message"].split()[0]) for d in unknown)


def test_real_code_page_samples_keep_their_encoding() -> None:
    from netnorm.decode import detect_encoding

    expected = {
        "linux/anp--ja-eucjp.txt": "euc_jp",
        "linux/ntp--de-latin1.txt": "latin-1",
        "windows/ano--zh-cn-gbk.txt": "cp936",
        "windows/ano--ko-cp949.txt": "cp949",
        "windows/ano--ru-cp866.txt": "cp866",
        "windows/anob--ja-cp932.txt": "cp932",
        "windows/ano--zh-tw-cp950.txt": "cp950",
    }
    for name, encoding in expected.items():
        assert detect_encoding((SAMPLES / name).read_bytes()[:65536]) == encoding, name


# --- 7. junk is not a row -------------------------------------------------------------------

LINUX_TOP = (
    "Active Internet connections (servers and established)\n"
    "Proto Recv-Q Send-Q Local Address           Foreign Address         State       "
    "PID/Program name\n"
    "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      812/sshd\n"
)
WINDOWS_TOP = (
    "\r\nActive Connections\r\n\r\n"
    "  Proto  Local Address          Foreign Address        State           PID\r\n"
    "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1000\r\n"
)
SS_TOP = (
    "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
    "tcp   LISTEN 0      128    0.0.0.0:22         0.0.0.0:*\n"
)
JUNK = [
    (LINUX_TOP, "tcp 0 0 10.0.0.1:22 [[[[[[[[[[[[[[[[[[[[ ESTABLISHED"),
    (LINUX_TOP, "tcp 0 0 10.0.0.1:22 [[[[:1 LISTEN"),
    (LINUX_TOP, "tcp 0 0 (1.2.3)/4:5 1.2.3.4:5 LISTEN"),
    (LINUX_TOP, 'tcp 0 0 "x":5 1.2.3.4:5 ESTABLISHED'),
    (WINDOWS_TOP, "  TCP    (0.00/0/0) (0.00/0/0)  LISTENING  4"),
    (WINDOWS_TOP, "  TCP    (0.00/0/0) (0.00/0/0)"),
    (WINDOWS_TOP, "  TCP    [[[[:1 ]]]]:2  LISTENING 4"),
    (WINDOWS_TOP, "  UDP    a/b:1  *:*  4"),
    (SS_TOP, "tcp   ESTAB  0      0      [[[[:1             1.2.3.4:5"),
]


@pytest.mark.parametrize(("top", "junk"), JUNK)
def test_junk_addresses_are_diagnostics_not_rows(tmp_path: Path, top: str, junk: str) -> None:
    end = "\r\n" if top.startswith("\r\n") else "\n"
    path = tmp_path / "junk.txt"
    path.write_bytes((top + junk + end).encode())
    done = netnorm("parse", "-f", "json", str(path))
    assert done.returncode == 0, done.stderr
    capture = json.loads(done.stdout)["captures"][0]
    assert len(capture["connections"]) == 1
    codes = [(d["line"], d["code"]) for d in capture["diagnostics"]]
    assert (top.count("\n") + 1, "unrecognised-line") in codes


@pytest.mark.parametrize(
    "field",
    [
        "[::1]:ipp",
        "[fe80::5054:ff:fe2c:71d0]%enp1s0:dhcpv6-client",
        "0.0.0.0%lo:53",
        "*:*",
        "localhost:x11-ssh-offset",
        "münchen.example:https",
        "fe80::1%eth0.100:22",
    ],
)
def test_real_address_forms_stay_rows(tmp_path: Path, field: str) -> None:
    path = tmp_path / "ss.txt"
    path.write_text(SS_TOP + f"tcp   ESTAB  0      0      10.0.0.1:22 {field}\n", encoding="utf-8")
    done = netnorm("parse", "-f", "json", str(path))
    capture = json.loads(done.stdout)["captures"][0]
    assert len(capture["connections"]) == 2, capture["diagnostics"]


# --- 8. the same diagnostics from parse and analyze -----------------------------------------


@pytest.mark.parametrize("junk", [3, 1500])
@pytest.mark.parametrize("rows", [True, False])
def test_parse_and_analyze_print_the_same_diagnostics(
    tmp_path: Path, junk: int, rows: bool
) -> None:
    top = SERVER.read_text(encoding="utf-8") if rows else ""
    path = tmp_path / "c.txt"
    path.write_text(top + "".join(f"junk line {i}\n" for i in range(junk)), encoding="utf-8")
    parsed = netnorm("parse", "-f", "jsonl", str(path))
    analysed = netnorm("analyze", "-f", "json", str(path))
    assert parsed.stderr == analysed.stderr
    assert parsed.returncode == analysed.returncode == (0 if rows else 2)
    lines = parsed.stderr.decode().splitlines()
    assert len([line for line in lines if "junk line" in line]) == min(junk, 20)
    if junk > 20:
        # beyond 1,000 a capture keeps one diagnostic that counts the others
        more = junk - 20 + (1 if rows and junk > 1000 else 0)
        counted = [line for line in lines if line.endswith(" more diagnostics (see --format json)")]
        assert len(counted) == 1 and f"c.txt: {more} more diagnostics" in counted[0]
    assert "were not kept" not in parsed.stderr.decode()
    if not rows:
        assert lines[-1].startswith("Error: no socket listing found")


def test_the_two_commands_show_as_many_diagnostics() -> None:
    from netnorm.analysis.batch import SHOWN
    from netnorm.cli import DIAGNOSTICS_SHOWN

    assert SHOWN == DIAGNOSTICS_SHOWN


# --- 9. memory outside JSONL ----------------------------------------------------------------

_PEAK = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


@pytest.fixture(scope="module")
def many_rows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = SERVER.read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line.startswith(("tcp ", "udp "))]
    path = tmp_path_factory.mktemp("many") / "many.txt"
    path.write_text("\n".join(lines[:2] + rows * 5000) + "\n", encoding="utf-8")  # 95,000
    return path


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_json_and_table_keep_memory_flat(many_rows: Path, fmt: str) -> None:
    """Held whole, 95,000 rows take about 400 MB; streamed, the run stays near its start-up."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *_script(), "parse", "-f", fmt, str(many_rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    code, peak_kb = (int(x) for x in done.stdout.split())
    assert code == 0
    assert peak_kb < 150 * 1024


def test_the_streamed_json_is_the_document(many_rows: Path) -> None:
    done = netnorm("parse", "-f", "json", str(many_rows))
    captures = json.loads(done.stdout)["captures"]
    assert len(captures) == 1 and len(captures[0]["connections"]) == 95_000
    assert captures[0]["connections"][-1]["line"] == 95_002
    assert captures[0]["options"]["command"] == "netstat -anp"


def test_a_table_shows_its_first_rows_and_counts_the_others() -> None:
    done = netnorm("parse", "-f", "table", "--limit", "3", str(SERVER), env=_wide())
    out = done.stdout.decode()
    assert out.count("│ tcp") + out.count("│ udp") + out.count("│ raw") == 3
    assert "… 24 more (use --all or -f jsonl)" in out
    assert "27 connections" in out


def test_all_prints_every_row_in_parts(tmp_path: Path) -> None:
    # 3,800 rows, not the 95,000 of ``many_rows``: rich draws a table row in about 0.6 ms
    lines = SERVER.read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line.startswith(("tcp ", "udp "))]
    path = tmp_path / "some.txt"
    path.write_text("\n".join(lines[:2] + rows * 200) + "\n", encoding="utf-8")
    done = netnorm("parse", "-f", "table", "--all", str(path), env=_wide())
    out = done.stdout.decode()
    assert out.count("│ tcp") + out.count("│ udp") == 3_800
    assert "rows 1-1,000" in out and "rows 3,001-3,800" in out
    assert "more (use --all" not in out
