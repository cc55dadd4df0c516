"""``glid admin``: the admin identities that may write to a node over HTTP."""

import argparse
from pathlib import Path

from resolver.cli.options import add_group_dir, add_json, node_dir, read_json, read_secret
from resolver.cli.output import InputError, emit_json


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    admin = subparsers.add_parser("admin", help="manage the admin identities of a node")
    actions = admin.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add or replace an admin identity, with a secret (Basic auth), a public key"
        " (signed requests) or both",
    )
    add.add_argument("--identity", required=True, help="e.g. 300:88.101.7/ops")
    add.add_argument("--secret-file", type=Path, help="a file holding the secret (one line)")
    add.add_argument("--jwk", type=Path, help="a file holding the Ed25519 public JWK")
    add_json(add)
    add.set_defaults(run=run_add)
    add_group_dir(admin, actions)


def run_add(args: argparse.Namespace) -> int:
    from registry import admin_handles
    from registry.access import enrol
    from registry.store import Store
    from signing.keyfile import passphrase
    from signing.keys import VerifyKey

    if args.secret_file is None and args.jwk is None:
        raise InputError("give --secret-file, --jwk or both")
    secret = None if args.secret_file is None else read_secret(args.secret_file)
    jwk = None if args.jwk is None else read_json(args.jwk, "JWK file")
    with Store.open(node_dir(args)) as store:
        principal = enrol(store, args.identity, secret=secret, public_jwk=jwk)
        admin_handles.publish(store, passphrase(), principal.identity, principal.public_jwk)
    kid = None if principal.public_jwk is None else VerifyKey.from_jwk(principal.public_jwk).kid
    if args.json:
        emit_json(
            {
                "identity": principal.identity,
                "prefix": principal.prefix,
                "secret": principal.secret_hash is not None,
                "kid": kid,
            }
        )
    else:
        how = [part for part in ("secret" if secret else "", f"key {kid}" if kid else "") if part]
        print(f"{principal.identity} may write under {principal.prefix} ({' and '.join(how)})")
    return 0
