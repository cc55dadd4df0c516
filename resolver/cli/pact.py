"""PACT commands: ``glid pact client add|list|remove`` and ``glid pact export``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from resolver.cli.options import (
    add_dir,
    add_json,
    add_root,
    read_secret,
    sync_resolver,
    write_text,
)
from resolver.cli.output import UsageError, emit_json, json_text, note

if TYPE_CHECKING:
    from registry.store.pact_clients import Callback


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pact = subparsers.add_parser("pact", help="the PACT v3 face: buyers' credentials, exports")
    actions = pact.add_subparsers(dest="pact_command", required=True, metavar="ACTION")

    client = actions.add_parser("client", help="manage the buyers that may call the PACT API")
    client_actions = client.add_subparsers(dest="client_command", required=True, metavar="ACTION")
    add = client_actions.add_parser("add", help="add a buyer; prints its id and secret once")
    add_dir(add)
    add.add_argument("--name", required=True, help="who the buyer is, e.g. acme-procurement")
    add.add_argument("--callback-url", help="the buyer's own PACT API, for answers to requests")
    add.add_argument("--callback-client-id", help="this node's client id at the buyer's API")
    add.add_argument(
        "--callback-secret-file", type=Path, help="a file holding this node's secret there"
    )
    add_json(add)
    add.set_defaults(run=run_client_add)

    listing = client_actions.add_parser("list", help="list the buyers (never their secrets)")
    add_dir(listing)
    add_json(listing)
    listing.set_defaults(run=run_client_list)

    remove = client_actions.add_parser("remove", help="remove a buyer; its tokens stop at once")
    add_dir(remove)
    remove.add_argument("name", help="the buyer's name or client id")
    remove.set_defaults(run=run_client_remove)

    export = actions.add_parser("export", help="write the PACT JSON of a verified footprint")
    export.add_argument("id", metavar="ID")
    add_root(export)
    export.add_argument(
        "--allow-unverified", action="store_true", help="export even if verification fails"
    )
    export.add_argument("--out", type=Path, help="write to this file instead of stdout")
    export.set_defaults(run=run_export)


def _callback(args: argparse.Namespace) -> Callback | None:
    given = (args.callback_url, args.callback_client_id, args.callback_secret_file)
    if all(part is None for part in given):
        return None
    if any(part is None for part in given):
        raise UsageError(
            "--callback-url, --callback-client-id and --callback-secret-file go together"
        )
    from registry.store.pact_clients import Callback

    secret = read_secret(args.callback_secret_file)
    return Callback(args.callback_url, args.callback_client_id, secret)


def run_client_add(args: argparse.Namespace) -> int:
    from registry import pact_clients
    from registry.store import Store

    callback = _callback(args)
    with Store.open(args.dir) as store:
        issued = pact_clients.add(store, args.name, callback)
    if args.json:
        emit_json(
            {
                "name": issued.client.name,
                "client_id": issued.client.client_id,
                "client_secret": issued.secret,
            }
        )
    else:
        print(f"client_id:     {issued.client.client_id}")
        print(f"client_secret: {issued.secret}")
    note("the secret is shown only now; the node keeps just a hash of it")
    return 0


def run_client_list(args: argparse.Namespace) -> int:
    from registry.store import Store

    with Store.open(args.dir) as store:
        clients = store.pact_clients.all()
    rows = [
        {
            "name": client.name,
            "client_id": client.client_id,
            "callback_url": None if client.callback is None else client.callback.url,
            "created_at": client.created_at,
        }
        for client in clients
    ]
    if args.json:
        emit_json(rows)
    else:
        for row in rows:
            print(f"{row['name']}\t{row['client_id']}\t{row['callback_url'] or '-'}")
    return 0


def run_client_remove(args: argparse.Namespace) -> int:
    from registry import pact_clients
    from registry.store import Store

    with Store.open(args.dir) as store:
        client = pact_clients.remove(store, args.name)
    print(f"removed PACT client {client.name} ({client.client_id})")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from resolver.pact.export import export_footprint

    resolution = sync_resolver(args).resolve(args.id)
    footprint = export_footprint(resolution, allow_unverified=args.allow_unverified)
    if not resolution.verified:
        note(f"{resolution.handle} did NOT verify; exported because of --allow-unverified")
    if args.out is None:
        emit_json(footprint)
    else:
        note(f"wrote {write_text(args.out, json_text(footprint))}")
    return 0
