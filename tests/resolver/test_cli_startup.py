"""`glid` starts fast: building the parser imports none of the library's heavy parts.

Each command module imports the library inside its run function (resolver/cli/options.py);
these tests fail as soon as a module, old or new, imports something heavy at its top.
bench/startup.py measures the time itself.
"""

import json
import subprocess
import sys

from registry.store import ROLES
from resolver import label
from resolver.cli import label as label_command
from resolver.cli import node, options, templates, trust
from signing.chain import POLICIES
from signing.revocation import REASONS
from templates_meta.review import ReviewState

HEAVY = (
    "aiohttp",
    "numpy",
    "nacl",
    "cryptography",
    "pydantic",
    "sqlite_utils",
    "prometheus_client",
    "msgpack",
    "registry.store",
    "accounting.efficiency",
    "templates_meta.model",
)


def test_building_the_parser_and_asking_for_help_imports_nothing_heavy() -> None:
    probe = (
        "import json, sys\n"
        "from resolver.cli import build_parser\n"
        "parser = build_parser()\n"
        "for argv in (['--help'], *[[name, '--help'] for name in"
        " parser._subparsers._group_actions[0].choices]):\n"
        "    try:\n"
        "        parser.parse_args(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout.splitlines()[-1])
    heavy = [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert heavy == [], f"imported at start-up, move into the run function: {heavy}"


def test_the_parsers_choices_are_the_librarys() -> None:
    assert node.ROLES == ROLES
    assert set(trust.REASONS) == set(REASONS)
    assert options.REVOCATION_POLICIES == POLICIES
    assert label_command.LANGUAGES == label.LANGUAGES
    assert tuple(str(state) for state in ReviewState) == templates.STATES
