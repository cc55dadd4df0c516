"""The ``glid`` command: thin adapters from arguments to library calls.

Each command group lives in its own module with a ``register(subparsers)`` function that
adds its parsers and sets ``run`` to a function taking the parsed arguments and
returning the exit code. Library errors (:class:`GlidError`) become a message on
stderr and exit code 1; usage errors exit 2, as argparse does; a reader that closes the
pipe early ends the command quietly with 141.
"""

import argparse
import os
import sys
from collections.abc import Sequence

from glid_core.errors import GlidError
from resolver.cli import commands
from resolver.cli.output import UsageError, error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glid", description="A node of the green-low-carbon identifier network."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in commands.MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except UsageError as exc:
        error(str(exc))
        return 2
    except GlidError as exc:
        error(str(exc))
        return 1
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:
        # The reader (`glid ... | head`) closed the pipe: not an error of ours. Point stdout
        # at /dev/null so the interpreter's final flush does not fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a process killed by the pipe
    return code


if __name__ == "__main__":
    sys.exit(main())
