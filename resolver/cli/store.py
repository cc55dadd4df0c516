"""Store commands: ``glid store copy`` (move a node to another database) and ``check``."""

import argparse
import base64
from pathlib import Path

from resolver.cli.options import add_dir, add_json
from resolver.cli.output import emit_json


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    store = subparsers.add_parser("store", help="copy a node to PostgreSQL; check a store")
    steps = store.add_subparsers(dest="action", required=True, metavar="ACTION")
    copy = steps.add_parser(
        "copy", help="copy a node, every row and log leaf, into a new directory and database"
    )
    copy.add_argument("--from", dest="source", required=True, type=Path, help="the node to copy")
    copy.add_argument("--to", required=True, help="the empty target database, postgresql://...")
    copy.add_argument("--dir", required=True, type=Path, help="the new node directory")
    add_json(copy)
    copy.set_defaults(run=run_copy)
    check = steps.add_parser(
        "check", help="check the store and that its log agrees with its record versions"
    )
    add_dir(check)
    add_json(check)
    check.set_defaults(run=run_check)


def run_copy(args: argparse.Namespace) -> int:
    from registry.store_copy import copy_node

    copied = copy_node(args.source, args.dir, args.to)
    result = {
        "directory": str(args.dir),
        "rows": copied.rows,
        "log_size": copied.log.size,
        "log_root": base64.b64encode(copied.log.root).decode(),
    }
    if args.json:
        emit_json(result)
        return 0
    for table, count in copied.rows.items():
        print(f"{table:20} {count} rows")
    print(
        f"copied {args.source} to {args.dir}; log of {copied.log.size} entries,"
        f" root {result['log_root']} on both sides"
    )
    return 0


def run_check(args: argparse.Namespace) -> int:
    from registry.log_check import check_log
    from registry.store import Store

    with Store.open(args.dir) as store:
        engine = store.integrity_check()
        log = check_log(store)
        location = store.backend.location
    problems = ([] if engine == "ok" else [f"the database engine reports: {engine}"]) + log.problems
    result = {
        "store": location,
        "ok": not problems,
        "log_size": log.size,
        "log_root": base64.b64encode(log.root).decode(),
        "problems": problems,
    }
    if args.json:
        emit_json(result)
    else:
        for problem in problems:
            print(f"PROBLEM: {problem}")
        verdict = "ok" if not problems else f"{len(problems)} problem(s)"
        print(f"{location}: {verdict}; log of {log.size} entries, root {result['log_root']}")
    return 0 if not problems else 1
