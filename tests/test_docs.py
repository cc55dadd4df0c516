"""The documents a newcomer relies on say what the code does."""

import hashlib
import re
import shlex
from pathlib import Path

from glid_core import canonical
from resolver.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_readmes_test_command_verbatim() -> None:
    readme = (ROOT / "README.md").read_text()
    set_up = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.+?)\n```", set_up, flags=re.S)
    assert len(blocks) == 2, "README's Set up must hold exactly two commands"
    run_command, test_command = blocks
    assert "glid demo" in run_command and "python3 -m venv" in run_command
    assert "python3 -m venv" in test_command and "pytest" in test_command
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci.splitlines()


def test_every_command_has_help_and_appears_in_the_operator_guide() -> None:
    parser = build_parser()
    group = parser._subparsers._group_actions[0]  # type: ignore[union-attr]
    helps = {action.dest: action.help for action in group._choices_actions}
    guide = (ROOT / "docs" / "OPERATORS.md").read_text()
    for name in group.choices:
        line = helps.get(name)
        assert line and line.strip(), f"`glid {name}` has no help line in `glid --help`"
        assert f"glid {name}" in guide, f"docs/OPERATORS.md does not mention `glid {name}`"


def test_canonical_example_in_formats_is_what_the_encoder_writes() -> None:
    text = (ROOT / "docs" / "formats" / "records.md").read_text()
    example = re.search(
        r"The value at the top of §1 encodes to these (\d+) bytes:\n\n```\n(.+?)```",
        text,
        flags=re.S,
    )
    assert example is not None
    hex_bytes = "".join(
        token
        for line in example.group(2).splitlines()
        for token in shlex.split(line.split('"')[0])
        if re.fullmatch(r"[0-9a-f]{2}", token)
    )
    value = {
        "index": 2000,
        "type": "product_name",
        "data": {"format": "string", "value": "coil"},
        "ttl": 86400,
        "timestamp": "2026-01-01T00:00:00Z",
    }
    encoded = canonical.encode(value)
    assert bytes.fromhex(hex_bytes) == encoded
    assert int(example.group(1)) == len(encoded)
    assert hashlib.sha256(encoded).hexdigest() in text
