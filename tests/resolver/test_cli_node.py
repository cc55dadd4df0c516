"""`glid init`, `info`, `register` and `show`, run as a user would, with their refusals."""

import io
import json
import os
import pty
import select
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from registry.store import DB_NAME, Store
from resolver.cli import main
from tests.registry.records_data import line, product_values

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def glid(capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_init_then_info(glid: Run, tmp_path: Path) -> None:
    node = tmp_path / "mill"
    code, out, _ = glid(
        "init", "--role", "enterprise", "--prefix", "88.101.7", "--dir", str(node), "--json"
    )
    assert code == 0 and json.loads(out)["prefix"] == "88.101.7"
    code, out, _ = glid("info", "--dir", str(node), "--json")
    info = json.loads(out)
    # one identifier already: the admin identity's handle, as Handle clients expect
    assert code == 0 and info["role"] == "enterprise" and info["identifiers"] == 1
    assert [k["purpose"] for k in info["keys"]] == ["node"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--role", "mayor", "--prefix", "88.1"], 2, "invalid choice: 'mayor'"),
        (["--role", "enterprise", "--prefix", "88..1"], 1, "88..1"),
        (["--role", "enterprise", "--prefix", "88"], 1, "has no parent"),
        (["--role", "top", "--prefix", "88.1"], 1, "one-segment prefix"),
    ],
)
def test_bad_init_is_refused_and_creates_nothing(
    glid: Run, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    result, _, err = glid("init", *args, "--dir", str(tmp_path / "n"))
    assert result == code and message in err
    assert not (tmp_path / "n").exists()


def test_a_directory_that_is_not_a_node(glid: Run, tmp_path: Path) -> None:
    for command in (["info"], ["show", "88.1/x"], ["register", "--file", "-"]):
        code, _, err = glid(command[0], "--dir", str(tmp_path), *command[1:])
        assert code == 1 and "is not a glid node" in err and "glid init" in err
    assert not (tmp_path / DB_NAME).exists()


def test_register_reports_each_bad_line_and_keeps_the_good_ones(
    glid: Run, make_node: Callable[..., Path], tmp_path: Path
) -> None:
    node = make_node("88.101.7")
    duplicate = [*product_values(), product_values()[0]]
    source = tmp_path / "records.jsonl"
    source.write_bytes(
        b"\n".join(
            [
                orjson.dumps(line("88.101.7/good-1")),
                b"\xc3\x28 not utf-8",
                orjson.dumps(line("88.101.9/elsewhere")),
                orjson.dumps(line("88.101.7/dup", duplicate)),
                orjson.dumps(line("88.101.7/good-2")),
            ]
        )
    )
    code, out, _ = glid("register", "--dir", str(node), "--file", str(source), "--json")
    summary = json.loads(out)
    assert code == 1 and summary["accepted"] == 2 and summary["rejected"] == 3
    results = {e["line"]: e for e in summary["results"]}
    assert sorted(results) == [1, 2, 3, 4, 5], "one result per line, as the HTTP batch gives"
    assert results[1]["version"] == 1 and results[5]["version"] == 1
    errors = {n: e["error"] for n, e in results.items() if "error" in e}
    assert "not UTF-8" in errors[2]
    assert "outside the prefixes" in errors[3]
    assert "index 1 appears twice" in errors[4]
    with Store.open(node) as store:
        assert store.versions.list_handles("88.101.7") == (
            3,
            ["88.101.7/admin", "88.101.7/good-1", "88.101.7/good-2"],
        )


def test_register_from_stdin_and_show(
    glid: Run, make_node: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    node = make_node("88.101.7")
    stdin = io.TextIOWrapper(io.BytesIO(orjson.dumps(line("88.101.7/Coil-Ω"))))
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, _ = glid("register", "--dir", str(node), "--file", "-")
    assert code == 0 and "1 accepted, 0 rejected" in out
    code, out, _ = glid("show", "--dir", str(node), "88.101.7/Coil-Ω", "--json")
    answer = json.loads(out)
    assert code == 0 and answer["responseCode"] == 1 and answer["handle"] == "88.101.7/Coil-Ω"
    assert [v["index"] for v in answer["values"]] == [1, 400, 1001, 2000, 2001]
    assert answer["values"][1]["type"] == "GLID_SIGNATURE"
    code, _, err = glid("show", "--dir", str(node), "88.101.7/none")
    assert code == 1 and "88.101.7/none is not on this node" in err
    code, _, err = glid("show", "--dir", str(node), "88.101.7/Coil-Ω", "--version", "9")
    assert code == 1 and "version 9 of 88.101.7/Coil-Ω" in err
    code, _, err = glid("show", "--dir", str(node), "no-slash")
    assert code == 1 and "'/'" in err


def test_register_missing_file(glid: Run, make_node: Callable[..., Path], tmp_path: Path) -> None:
    code, _, err = glid("register", "--dir", str(make_node()), "--file", str(tmp_path / "nope"))
    assert code == 1 and "cannot read" in err


def test_no_passphrase_and_no_terminal_is_a_clear_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GLID_PASSPHRASE"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "resolver.cli",
            "init",
            "--role",
            "top",
            "--prefix",
            "88",
            "--dir",
            str(tmp_path / "top"),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "GLID_PASSPHRASE" in result.stderr
    assert not (tmp_path / "top").exists()


def test_register_shows_progress_on_a_terminal_and_nothing_when_piped(
    make_node: Callable[..., Path], tmp_path: Path
) -> None:
    node = make_node("88.101.7")
    source = tmp_path / "records.jsonl"
    rows = [orjson.dumps(line(f"88.101.7/p-{n}")) for n in range(3)]
    source.write_bytes(b"\n".join([*rows, b"not json"]) + b"\n")
    glid = str(Path(sys.executable).with_name("glid"))
    command = [glid, "register", "--dir", str(node), "--file", str(source)]
    env = dict(os.environ)
    leader, follower = pty.openpty()
    with os.fdopen(leader, "rb", buffering=0) as terminal:
        process = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=follower, env=env, check=False
        )
        os.close(follower)
        shown = b""
        while select.select([terminal], [], [], 0.5)[0]:
            try:
                chunk = terminal.read(4096)
            except OSError:  # the terminal closed once everything was read
                break
            if not chunk:
                break
            shown += chunk
    assert process.returncode == 1 and process.stdout.endswith(b"3 accepted, 1 rejected\n")
    assert b"\rglid: register: " in shown and b" accepted, " in shown
    piped = subprocess.run(command, capture_output=True, env=env, check=False)
    assert b"\r" not in piped.stderr and b"glid: register:" not in piped.stderr
