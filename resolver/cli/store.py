"""Store commands: ``glid store copy`` (move a node to another database) and ``glid store
check`` (can this host reach the node's database, and is its schema this glid's?).

Whether the data is whole and agrees with its log is ``glid check``'s job, on either backend.
"""

import argparse
import base64
from pathlib import Path

from resolver.cli.options import add_dir, add_json
from resolver.cli.output import emit_json


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    store = subparsers.add_parser(
        "store", help="copy a node to PostgreSQL; check its database is reachable and current"
    )
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
        "check",
        help="check the node's database answers and has this glid's schema (data: glid check)",
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
    """Exit 0 when the store opens read-only (so its schema is current) and answers."""
    from registry.store import Store

    with Store.open(args.dir, read_only=True) as store:  # refuses a schema not current
        store.ping()
        result = {
            "store": store.backend.location,
            "schema_version": store.schema_version(),
            "prefix": store.node.prefix,
        }
    if args.json:
        emit_json(result)
    else:
        print(
            f"{result['store']}: answers; schema version {result['schema_version']} (current);"
            f" node {result['prefix']}"
        )
    return 0
