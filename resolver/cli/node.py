"""Node commands: ``glid init``, ``info``, ``register`` and ``show``."""

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO

from glid_core.identifiers import Identifier
from registry.answers import handle_answer
from registry.bulk import read_jsonl
from registry.errors import NotFound
from registry.evidence import bundle_for
from registry.node import describe, init_node
from registry.registration import Outcome, Submission
from registry.selfcheck import check_served, check_store
from registry.service import registrar
from registry.store import ROLES, Store
from resolver.cli.output import InputError, emit_json, note
from signing.keyfile import PASSPHRASE_ENV, passphrase

ADMIN_ACTOR = "cli"


def add_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", required=True, type=Path, help="the node directory")


def add_json(parser: argparse.ArgumentParser, *, under_group: bool = False) -> None:
    """``--json``. An action under a group that also takes it (``under_group``) leaves it
    unset when absent, so ``glid template --json list`` and ``glid template list --json``
    both work: the action's parser does not overwrite the group's value."""
    default = argparse.SUPPRESS if under_group else False
    parser.add_argument(
        "--json", action="store_true", default=default, help="print JSON for programs"
    )


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    init = subparsers.add_parser("init", help="create a node directory with its store and key")
    init.add_argument("--role", required=True, choices=ROLES)
    init.add_argument("--prefix", required=True, help="the prefix this node holds, e.g. 88.118")
    add_dir(init)
    add_json(init)
    init.set_defaults(run=run_init)

    info = subparsers.add_parser("info", help="describe a node")
    add_dir(info)
    add_json(info)
    info.set_defaults(run=run_info)

    reg = subparsers.add_parser("register", help="register records from JSON Lines")
    add_dir(reg)
    reg.add_argument(
        "--file", required=True, help='JSON Lines of {"handle", "values"}; - for stdin'
    )
    add_json(reg)
    reg.set_defaults(run=run_register)

    show = subparsers.add_parser("show", help="show a record in the Handle REST shape")
    add_dir(show)
    show.add_argument("id", help="the identifier, e.g. 88.118.8/coil-1")
    show.add_argument("--version", type=int, help="a past version number")
    show.add_argument(
        "--bundle", action="store_true", help="print the evidence bundle (JSON) for `glid verify`"
    )
    add_json(show)
    show.set_defaults(run=run_show)

    check = subparsers.add_parser(
        "check", help="check every stored version against the node's transparency log"
    )
    add_dir(check)
    add_json(check)
    check.set_defaults(run=run_check)


def run_init(args: argparse.Namespace) -> int:
    created = init_node(args.dir, role=args.role, prefix=args.prefix, passphrase=passphrase())
    node = created.store.node
    if args.json:
        emit_json(
            {
                "role": node.role,
                "prefix": node.prefix,
                "kid": created.kid,
                "handoff": str(created.handoff),
            }
        )
    else:
        print(f"initialised {node.role} node {node.prefix} in {args.dir} (key {created.kid})")
        what = "trust anchor" if node.role == "top" else "delegation request"
        print(f"{what}: {created.handoff}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    description = describe(Store.open(args.dir))
    if args.json:
        emit_json(description)
        return 0
    for key in (
        "directory",
        "role",
        "prefix",
        "created_at",
        "schema_version",
        "identifiers",
        "versions",
        "log_size",
    ):
        print(f"{key:15} {description[key]}")
    for entry in description["prefixes"]:
        site = f" at {entry['site']}" if entry["site"] else ""
        print(f"{'prefix':15} {entry['prefix']} ({entry['relation']}){site}")
    for key in description["keys"]:
        state = "retired" if key["retired_at"] else "active"
        print(f"{'key':15} {key['kid']} {key['purpose']} {key['prefix']} {state}")
    return 0


def _open_input(name: str) -> AbstractContextManager[IO[bytes]]:
    if name == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    try:
        return open(name, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}") from exc


def _submissions(
    items: Iterator[Submission | Outcome], rejected: list[Outcome]
) -> Iterator[Submission]:
    """Pass parsed lines on to the registrar and set aside the ones that did not parse."""
    for item in items:
        if isinstance(item, Outcome):
            rejected.append(item)
        else:
            yield item


def run_register(args: argparse.Namespace) -> int:
    service = registrar(Store.open(args.dir), passphrase())
    accepted = 0
    rejected: list[Outcome] = []
    with _open_input(args.file) as stream:
        for outcome in service.register(_submissions(read_jsonl(stream), rejected), ADMIN_ACTOR):
            if outcome.accepted:
                accepted += 1
            else:
                rejected.append(outcome)
    rejected.sort(key=lambda outcome: outcome.line)
    if args.json:
        emit_json(
            {
                "accepted": accepted,
                "rejected": len(rejected),
                "errors": [outcome.to_json() for outcome in rejected],
            }
        )
    else:
        for outcome in rejected:
            note(f"line {outcome.line}: {outcome.handle or '-'}: {outcome.error}")
        print(f"{accepted} accepted, {len(rejected)} rejected")
    return 0 if not rejected else 1


def run_show(args: argparse.Namespace) -> int:
    handle = Identifier.from_text(args.id).to_text()
    store = Store.open(args.dir)
    stored = store.versions.get(handle, version=args.version)
    check_served(store, stored, current=args.version is None)
    if stored.deleted and args.version is None:
        raise NotFound(f"{handle} was deleted in version {stored.version}")
    if args.bundle:
        secret = passphrase() if os.environ.get(PASSPHRASE_ENV) is not None else None
        emit_json(bundle_for(store, stored, passphrase=secret))
        return 0
    answer = handle_answer(stored)
    if args.json:
        emit_json(answer)
        return 0
    print(f"{answer['handle']}  version {stored.version}  {stored.created_at}")
    for value in answer["values"]:
        data = value["data"]["value"]
        shown = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        print(f"  {value['index']:>5}  {value['type']:24} {shown}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Exit 0 when the store agrees with its log; else name every mismatch and exit 1."""
    with Store.open(args.dir, read_only=True) as store:
        problems = list(check_store(store))
        live, versions = store.versions.count()
    if args.json:
        emit_json({"versions": versions, "identifiers": live, "problems": problems})
    else:
        for problem in problems:
            print(problem)
        verdict = "agree with" if not problems else f"{len(problems)} problem(s) against"
        print(f"{versions} versions of {live} live identifiers {verdict} the log")
    return 0 if not problems else 1
