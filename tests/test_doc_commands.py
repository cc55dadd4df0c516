"""Every command README.md and docs/ tell a user to type runs, as written (docs/WRITING.md).

``sh`` blocks run verbatim, in document order, in one bash per document, in a fresh
directory beside a running demo network (``glid-demo/``). ``console`` blocks are shown,
not run, but each ``glid`` line in them must parse. A block whose info string carries
``file=NAME`` is written to NAME first, for the commands after it. A failure names the
document and line, so a drifted example is fixed where it stands.
"""

import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from resolver.cli import build_parser
from resolver.demo import spawn

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
README_SET_UP = "## Set up"  # README's own install and test commands: CI runs them (.ci/run)
FENCE = re.compile(r"^```(\S*)(.*)$")
STEP_TIMEOUT = 240


@dataclass(frozen=True)
class Block:
    """One fenced block: its language, its ``file=`` target if any, and its lines, each
    with its line number in the document."""

    document: Path
    language: str
    file: str | None
    lines: tuple[tuple[int, str], ...]

    @property
    def where(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.lines[0][0] if self.lines else 0}"


def blocks(document: Path) -> list[Block]:
    found: list[Block] = []
    opened: tuple[str, str | None] | None = None
    lines: list[tuple[int, str]] = []
    section = ""
    for number, text in enumerate(document.read_text(encoding="utf-8").splitlines(), start=1):
        fence = FENCE.match(text)
        if opened is None and text.startswith("## "):
            section = text
        elif opened is None and fence is not None:
            target = re.search(r"\bfile=(\S+)", fence.group(2))
            opened = (fence.group(1), target.group(1) if target else None)
            lines = []
        elif opened is not None and text.startswith("```"):
            skip = document.name == "README.md" and section == README_SET_UP
            if not skip:
                found.append(Block(document, opened[0], opened[1], tuple(lines)))
            opened = None
        elif opened is not None:
            lines.append((number, text))
    return found


def commands(block: Block) -> Iterator[tuple[int, str]]:
    """(first line number, command) of each command in a block: comments and blank lines
    dropped, backslash continuations joined."""
    pending: list[str] = []
    start = 0
    for number, text in block.lines:
        if not pending and (not text.strip() or text.lstrip().startswith("#")):
            continue
        if not pending:
            start = number
        pending.append(text.removesuffix("\\").strip())
        if not text.endswith("\\"):
            yield start, " ".join(pending)
            pending = []


def script(document: Path, work: Path, markers: Path) -> str:
    """The document's sh blocks as one bash script that records each command's line."""
    parts = ["set -euo pipefail", f"exec 3>{shlex.quote(str(markers))}"]
    for block in blocks(document):
        if block.file is not None:
            body = "\n".join(text for _, text in block.lines) + "\n"
            parts.append(f"printf %s {shlex.quote(body)} > {shlex.quote(block.file)}")
        elif block.language == "sh":
            for number, command in commands(block):
                parts.append(f"echo {number} >&3")
                parts.append(command)
    return "\n".join(parts) + "\n"


def run_document(document: Path, work: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run the document's sh blocks in ``work``; the result and the line of the last
    command started (0 when none)."""
    markers = work.parent / f"{work.name}.markers"
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    for name in ("GLID_ROOT", "GLID_TRUST_ANCHOR"):
        env.pop(name, None)  # a document sets them itself, from glid-demo/env
    result = subprocess.run(
        ["bash", "-c", script(document, work, markers)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    ran = markers.read_text().split()
    return result, int(ran[-1]) if ran else 0


@pytest.fixture(scope="session")
def demo_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One `glid demo`, running as a user starts it, for every document."""
    directory = tmp_path_factory.mktemp("docs") / "glid-demo"
    process = spawn(directory)
    yield directory
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


RUNNABLE = [doc for doc in DOCUMENTS if any(b.language == "sh" for b in blocks(doc))]


@pytest.mark.parametrize("document", RUNNABLE, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_every_sh_block_runs(document: Path, demo_network: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "glid-demo").symlink_to(demo_network)
    result, line = run_document(document, work)
    if result.returncode != 0:
        command = dict(c for b in blocks(document) for c in commands(b)).get(line, "?")
        pytest.fail(
            f"{document.relative_to(ROOT)}:{line}: `{command}` exited {result.returncode}\n"
            f"stderr: {result.stderr[-1500:]}\nstdout: {result.stdout[-800:]}",
            pytrace=False,
        )


def test_every_glid_line_of_a_console_block_parses(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    broken = []
    for document in DOCUMENTS:
        for block in blocks(document):
            if block.language != "console":
                continue
            for number, command in commands(block):
                words = shlex.split(command, comments=True)
                if words and words[-1] == "&":  # started in the background
                    words.pop()
                if ">" in words:  # output redirected to a file: the shell's part, not glid's
                    words = words[: words.index(">")]
                if not words or words[0] != "glid":
                    continue
                try:
                    parser.parse_args(words[1:])
                except SystemExit as exc:
                    if exc.code != 0:
                        message = capsys.readouterr().err.strip().splitlines()[-1:]
                        broken.append(f"{document.relative_to(ROOT)}:{number}: {message}")
    assert broken == []


def test_the_harness_names_the_line_that_broke(tmp_path: Path) -> None:
    document = tmp_path / "GUIDE.md"
    document.write_text(
        "# Guide\n\n```text file=note.txt\nhello\n```\n\n```sh\ngrep -q hello note.txt\n"
        "glid info \\\n  --dir nowhere\n```\n",
        encoding="utf-8",
    )
    (sh,) = [b for b in blocks(document) if b.language == "sh"]
    assert list(commands(sh)) == [(8, "grep -q hello note.txt"), (9, "glid info --dir nowhere")]
    work = tmp_path / "work"
    work.mkdir()
    result, line = run_document(document, work)
    assert result.returncode == 1 and line == 9 and "nowhere" in result.stderr
