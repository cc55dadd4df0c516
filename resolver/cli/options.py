"""The options and input readers that commands share, each written once.

A command module imports only this module, :mod:`resolver.cli.output`, argparse and
pathlib at its top, and imports the library inside its run function: building the parser
then costs a few milliseconds, so ``glid --help`` and the start of every command stay
fast (bench/startup.py; tests/resolver/test_cli_startup.py keeps heavy imports out).
A new command module (``glid label``, ``glid pact``, ...) follows the same rule.

Options:

- ``--dir DIR``, the node directory: :func:`add_dir` on a command; on a command group
  (``glid keys``, ``glid template``) :func:`add_group_dir` accepts it before or after the
  action, and :func:`node_dir` reads it.
- ``--json``: :func:`add_json`.
- ``--root URL --trust-anchor FILE``, what every resolving command needs: :func:`add_root`
  (``$GLID_ROOT`` and ``$GLID_TRUST_ANCHOR`` by default); ``glid verify`` takes only
  :func:`add_trust_anchor`.

- ``--file RECORDS``, JSON Lines of records: :func:`add_records_file`.

Readers and writers, all naming the file and the reason when they fail:
:func:`open_input` (bytes, ``-`` for stdin), :func:`read_text`, :func:`read_json`,
:func:`read_secret`, :func:`read_trust_anchor`, :func:`write_text`. What ``--root`` and
``--trust-anchor`` give, a blocking resolver: :func:`sync_resolver`.
- the daemon's limits (``glid serve``): :func:`add_limits`, read back as Settings keywords
  by :func:`limit_settings`; defaults are :class:`resolver.settings.Settings`'s own.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import orjson

from resolver.cli.output import InputError, UsageError
from resolver.settings import ConnectionLimits, Settings

if TYPE_CHECKING:
    from resolver.sync_client import SyncResolver
    from signing.certificates import TrustAnchor


def add_dir(
    parser: argparse._ActionsContainer,
    *,
    default: Path | None = None,
    required: bool = True,
    help: str = "the node directory",
) -> None:
    """``--dir DIR``: required unless the command has a ``default`` (``glid demo``) or
    ``parser`` is a group of alternatives (``glid register --dir | --node``)."""
    parser.add_argument(
        "--dir", type=Path, required=required and default is None, default=default, help=help
    )


def add_group_dir(group: argparse.ArgumentParser, actions: argparse._SubParsersAction[Any]) -> None:
    """``--dir`` on a group and each of its actions, so ``glid keys --dir D list`` and
    ``glid keys list --dir D`` both work: an action's copy, when absent, leaves the group's
    value alone. Call it after adding every action; run functions read it with
    :func:`node_dir`."""
    group.add_argument("--dir", type=Path, default=None, help="the node directory")
    for action in actions.choices.values():
        action.add_argument(
            "--dir", type=Path, default=argparse.SUPPRESS, help="the node directory"
        )


def node_dir(args: argparse.Namespace) -> Path:
    """The ``--dir`` of a group's action, or a usage error naming the command."""
    directory: Path | None = args.dir
    if directory is None:
        words = " ".join(str(word) for word in (args.command, _action(args)) if word)
        raise UsageError(f"glid {words} needs --dir DIR (the node directory)")
    return directory


def _action(args: argparse.Namespace) -> str | None:
    for name in ("action", "template_command"):
        value = getattr(args, name, None)
        if isinstance(value, str):
            return value
    return None


def add_json(parser: argparse.ArgumentParser, *, under_group: bool = False) -> None:
    """``--json``. An action under a group that also takes it (``under_group``) leaves it
    unset when absent, so ``glid template --json list`` and ``glid template list --json``
    both work: the action's parser does not overwrite the group's value."""
    default = argparse.SUPPRESS if under_group else False
    parser.add_argument(
        "--json", action="store_true", default=default, help="print JSON for programs"
    )


ROOT_ENV = "GLID_ROOT"
TRUST_ANCHOR_ENV = "GLID_TRUST_ANCHOR"


def add_root(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--root URL`` and ``--trust-anchor FILE``: where resolution starts and what it
    trusts; each defaults to its environment variable (``glid-demo/env`` sets both)."""
    root = os.environ.get(ROOT_ENV)
    parser.add_argument(
        "--root",
        required=required and root is None,
        default=root,
        help=f"the top node's URL (default: ${ROOT_ENV})",
    )
    add_trust_anchor(parser, required=required)


def add_trust_anchor(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--trust-anchor FILE``, defaulting to ``$GLID_TRUST_ANCHOR``."""
    anchor = os.environ.get(TRUST_ANCHOR_ENV)
    parser.add_argument(
        "--trust-anchor",
        required=required and anchor is None,
        default=None if anchor is None else Path(anchor),
        type=Path,
        help=f"the top node's trust-anchor.json (default: ${TRUST_ANCHOR_ENV})",
    )


def add_records_file(parser: argparse.ArgumentParser) -> None:
    """``--file``: the records to register or sign, one ``{"handle", "values"}`` object a
    line (docs/formats/records.md), ``-`` for stdin; read it with :func:`open_input`."""
    parser.add_argument(
        "--file", required=True, help='JSON Lines of {"handle", "values"}; - for stdin'
    )


REVOCATION_POLICIES = ("hard-fail", "soft-fail")  # signing.chain.POLICIES; a test keeps them equal


def add_revocation_policy(parser: argparse.ArgumentParser) -> None:
    """``--revocation-policy``: hard-fail (the default) refuses a chain unless every issuer
    in it vouches with a current revocation list; soft-fail reports the gap and accepts."""
    parser.add_argument(
        "--revocation-policy",
        choices=REVOCATION_POLICIES,
        default=REVOCATION_POLICIES[0],
        help="without a current revocation list from every issuer: refuse (hard-fail,"
        " the default) or accept and say so (soft-fail)",
    )


def open_input(name: str | Path) -> AbstractContextManager[IO[bytes]]:
    """A file opened for binary reading, or stdin for ``-``."""
    if str(name) == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    try:
        return open(name, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}") from exc


def read_text(name: str | Path, what: str = "file") -> str:
    """The UTF-8 text of a file, or of stdin for ``-``."""
    if str(name) == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the {what} {name}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"the {what} {name} is not UTF-8 text: {exc}") from exc


def read_json(name: str | Path, what: str = "file") -> Any:
    """The JSON document in a file, or on stdin for ``-``, read as the node reads a request
    body (orjson: strict RFC 8259, so no NaN and no lone surrogate, which no canonical
    encoding could later write)."""
    text = read_text(name, what)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"the {what} {name} is not JSON: {exc}") from exc


def read_json_object(name: str | Path, what: str = "file") -> dict[str, Any]:
    """A JSON document that must be an object."""
    document = read_json(name, what)
    if not isinstance(document, dict):
        raise InputError(f"the {what} {name} must hold a JSON object")
    return document


def read_secret(path: Path) -> str:
    """A secret kept in a file of its own: the file's text without surrounding blanks."""
    secret = read_text(path, "secret file").strip()
    if not secret:
        raise InputError(f"the secret file {path} is empty")
    return secret


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path``, making its directory; name the file when that
    fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc
    return path


def read_trust_anchor(path: Path) -> TrustAnchor:
    """The top node's trust-anchor.json (``--trust-anchor``)."""
    from resolver.client import load_trust_anchor

    return load_trust_anchor(path)


def sync_resolver(args: argparse.Namespace) -> SyncResolver:
    """The blocking resolver a command drives, from its ``--root`` and ``--trust-anchor``
    (:func:`add_root`)."""
    from resolver.sync_client import SyncResolver

    return SyncResolver(args.root, read_trust_anchor(args.trust_anchor))


_SIZE = re.compile(r"(\d{1,15})\s*(k|kib|m|mib|g|gib)?", re.ASCII | re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def byte_size(text: str) -> int:
    """A positive number of bytes: ``8388608``, ``64M``, ``64MiB`` or ``1g`` (K, M and G
    are powers of 1024)."""
    match = _SIZE.fullmatch(text.strip())
    if match is None or int(match[1]) == 0:
        raise argparse.ArgumentTypeError(
            f"expected a size in bytes above 0 such as 8388608, 64M or 64MiB, got {text!r}"
        )
    return int(match[1]) * _UNITS[(match[2] or "")[:1].lower()]


N = TypeVar("N", int, float)


def _positive(kind: Callable[[str], N]) -> Callable[[str], N]:
    """An argparse type: ``kind`` of the text, refused unless above 0."""

    def parse(text: str) -> N:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value > 0:  # also refuses NaN
            raise argparse.ArgumentTypeError(f"expected more than 0, got {text!r}")
        return value

    return parse


def _mib(size: int) -> str:
    return f"{size >> 20} MiB" if size >= 1 << 20 else f"{size} bytes"


def add_limits(parser: argparse.ArgumentParser) -> None:
    """What one client may ask of the daemon, and how much memory it keeps: every limit
    docs/OPERATORS.md ("Limits") lists, each defaulting to Settings' safe value."""
    base, wire = Settings(Path()), ConnectionLimits()
    group = parser.add_argument_group("limits (docs/OPERATORS.md, Limits)")
    group.add_argument(
        "--rate-limit",
        type=float,
        default=base.rate_limit,
        help=f"requests/s per client address, sustained (default {base.rate_limit:g});"
        " 0 turns the limits off",
    )
    count, size, seconds = _positive(int), byte_size, _positive(float)
    limits: tuple[tuple[str, float, Callable[[str], float], str], ...] = (
        ("--rate-burst", base.rate_burst, count, "requests a client may send at once"),
        ("--max-batch", base.max_batch_ids, count, "ids in one batch resolve"),
        ("--max-body", base.max_body_bytes, size, "request body, bytes"),
        ("--max-response", base.max_response_bytes, size, "batch answer, bytes"),
        ("--answer-cache", base.answer_cache_bytes, size, "encoded answers kept per worker, bytes"),
        ("--resolver-cache", base.resolver_cache_bytes, size, "other nodes' answers kept, bytes"),
        ("--connections-per-client", wire.max_per_address, count, "connections per address"),
        ("--max-headers", wire.max_headers, count, "headers in one request"),
        ("--header-timeout", wire.header_timeout, seconds, "seconds to send a request head"),
        (
            "--keepalive-timeout",
            wire.keepalive_timeout,
            seconds,
            "seconds an idle connection stays",
        ),
        ("--body-timeout", base.body_timeout, seconds, "seconds to send a body (then 408)"),
        ("--lock-wait", base.lock_wait, seconds, "seconds a write waits for the lock (then 503)"),
    )
    for flag, default, kind, what in limits:
        shown = _mib(int(default)) if kind is size else f"{default:g}"
        group.add_argument(flag, type=kind, default=default, help=f"{what} (default {shown})")


def limit_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The Settings keywords :func:`add_limits`'s options give."""
    return {
        "rate_limit": args.rate_limit,
        "rate_burst": args.rate_burst,
        "max_batch_ids": args.max_batch,
        "max_body_bytes": args.max_body,
        "max_response_bytes": args.max_response,
        "answer_cache_bytes": args.answer_cache,
        "resolver_cache_bytes": args.resolver_cache,
        "body_timeout": args.body_timeout,
        "lock_wait": args.lock_wait,
        "connections": ConnectionLimits(
            max_per_address=args.connections_per_client,
            header_timeout=args.header_timeout,
            keepalive_timeout=args.keepalive_timeout,
            max_headers=args.max_headers,
        ),
    }
