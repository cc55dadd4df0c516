"""Node commands: ``glid init``, ``info``, ``register`` and ``show``."""

from __future__ import annotations

import argparse
import base64
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from resolver.cli.options import add_dir, add_json, add_records_file, open_input, read_secret
from resolver.cli.output import UsageError, emit_json, note
from resolver.cli.progress import Progress

if TYPE_CHECKING:
    from registry.registration import Outcome, Submission

ADMIN_ACTOR = "cli"
ROLES = ("top", "secondary", "enterprise")  # registry.store.ROLES; a test keeps them equal


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = subparsers.add_parser("init", help="create a node directory with its store and key")
    init.add_argument("--role", required=True, choices=ROLES)
    init.add_argument("--prefix", required=True, help="the prefix this node holds, e.g. 88.118")
    init.add_argument(
        "--store",
        metavar="URL",
        help="keep the data in this empty PostgreSQL database (postgresql://...);"
        " default: a SQLite file in the node directory",
    )
    add_dir(init)
    add_json(init)
    init.set_defaults(run=run_init)

    info = subparsers.add_parser("info", help="describe a node")
    add_dir(info)
    add_json(info)
    info.set_defaults(run=run_info)

    reg = subparsers.add_parser(
        "register",
        help="register records from JSON Lines, on this node (--dir) or a hosting one (--node)",
    )
    where = reg.add_mutually_exclusive_group(required=True)
    add_dir(where, required=False, help="the node directory, to write locally")
    where.add_argument(
        "--node", metavar="URL", help="the node hosting your prefix, to write over HTTP"
    )
    reg.add_argument("--identity", help="with --node: your admin identity, e.g. 300:88.101.7/admin")
    reg.add_argument("--secret-file", type=Path, help="with --node: a file holding its secret")
    add_records_file(reg)
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
        "check", help="check the store is whole and agrees with its transparency log"
    )
    add_dir(check)
    add_json(check)
    check.set_defaults(run=run_check)


def run_init(args: argparse.Namespace) -> int:
    from registry.node import init_node
    from signing.keyfile import passphrase

    created = init_node(
        args.dir, role=args.role, prefix=args.prefix, passphrase=passphrase(), url=args.store
    )
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
    from registry.node import describe
    from registry.store import Store

    description = describe(Store.open(args.dir))
    if args.json:
        emit_json(description)
        return 0
    for key in (
        "directory",
        "store",
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


def _submissions(
    items: Iterable[Submission | Outcome], rejected: list[Outcome]
) -> Iterator[Submission]:
    """Pass parsed lines on to the writer and set aside the ones that did not parse."""
    from registry.registration import Outcome

    for item in items:
        if isinstance(item, Outcome):
            rejected.append(item)
        else:
            yield item


def _local(args: argparse.Namespace, submissions: Iterator[Submission]) -> Iterator[Outcome]:
    from registry.service import registrar
    from registry.store import Store
    from signing.keyfile import passphrase

    if args.identity is not None or args.secret_file is not None:
        raise UsageError("--identity and --secret-file go with --node URL, not --dir")
    yield from registrar(Store.open(args.dir), passphrase()).register(submissions, ADMIN_ACTOR)


def _remote(args: argparse.Namespace, submissions: Iterator[Submission]) -> Iterator[Outcome]:
    """The node's outcomes, fetched chunk by chunk on one event loop as they are consumed."""
    import asyncio

    from resolver.records_client import register_remote

    if args.identity is None or args.secret_file is None:
        raise UsageError("--node URL needs --identity ID and --secret-file FILE")
    outcomes = register_remote(args.node, args.identity, read_secret(args.secret_file), submissions)

    async def following() -> Outcome:
        return await anext(outcomes)

    with asyncio.Runner() as runner:
        while True:
            try:
                yield runner.run(following())
            except StopAsyncIteration:
                return


def run_register(args: argparse.Namespace) -> int:
    from registry.bulk import read_jsonl

    results: list[Outcome] = []
    progress = Progress("register", enabled=not args.json)
    write = _remote if args.node is not None else _local
    try:
        with open_input(args.file) as stream:
            for outcome in write(args, _submissions(read_jsonl(stream), results)):
                results.append(outcome)
                progress.add(outcome.accepted)
    finally:
        progress.close()
    results.sort(key=lambda outcome: outcome.line)
    accepted = sum(1 for outcome in results if outcome.accepted)
    if args.json:
        emit_json(
            {
                "accepted": accepted,
                "rejected": len(results) - accepted,
                "results": [outcome.to_json() for outcome in results],
            }
        )
    else:
        for outcome in results:
            if not outcome.accepted:
                note(f"line {outcome.line}: {outcome.handle or '-'}: {outcome.error}")
        print(f"{accepted} accepted, {len(results) - accepted} rejected")
    return 0 if accepted == len(results) else 1


def run_show(args: argparse.Namespace) -> int:
    from glid_core.identifiers import Identifier
    from registry.answers import handle_answer
    from registry.errors import NotFound
    from registry.evidence import bundle_for, refresh_checkpoint
    from registry.selfcheck import check_served
    from registry.service import keep_current
    from registry.store import Store
    from signing.keyfile import PASSPHRASE_ENV, passphrase

    handle = Identifier.from_text(args.id).to_text()
    store = Store.open(args.dir)
    stored = store.versions.get(handle, version=args.version)
    check_served(store, stored, current=args.version is None)
    if stored.deleted and args.version is None:
        raise NotFound(f"{handle} was deleted in version {stored.version}")
    if args.bundle:
        if os.environ.get(PASSPHRASE_ENV) is not None:  # a writer's bundle: bring all current
            secret = passphrase()
            refresh_checkpoint(store, secret)
            keep_current(store, secret)
        emit_json(bundle_for(store, stored))
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
    """Exit 0 when the store is whole and agrees with its log; else name every problem
    and exit 1. The same checks on SQLite and PostgreSQL."""
    from registry.log_check import check_log
    from registry.selfcheck import check_store
    from registry.store import Store

    with Store.open(args.dir, read_only=True) as store:
        engine = store.integrity_check()
        log = check_log(store)
        problems = [] if engine == "ok" else [f"the database engine reports: {engine}"]
        problems += log.problems + list(check_store(store))
        live, versions = store.versions.count()
        location = store.backend.location
    root = base64.b64encode(log.root).decode()
    if args.json:
        emit_json(
            {
                "store": location,
                "versions": versions,
                "identifiers": live,
                "log_size": log.size,
                "log_root": root,
                "problems": problems,
            }
        )
    else:
        for problem in problems:
            print(problem)
        verdict = "agree with" if not problems else f"{len(problems)} problem(s) against"
        print(f"{versions} versions of {live} live identifiers {verdict} the log")
        print(f"{location}: log of {log.size} entries, root {root}")
    return 0 if not problems else 1
