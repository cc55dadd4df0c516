"""``glid admin``: the admin identities that may write to a node over HTTP."""

import argparse
import json
from pathlib import Path
from typing import Any

from registry.access import enrol
from registry.store import Store
from resolver.cli.output import InputError, emit_json
from signing.keys import VerifyKey


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    admin = subparsers.add_parser("admin", help="manage the admin identities of a node")
    admin.add_argument("--dir", required=True, type=Path, help="the node directory")
    actions = admin.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add or replace an admin identity, with a secret (Basic auth), a public key"
        " (signed requests) or both",
    )
    add.add_argument("--identity", required=True, help="e.g. 300:88.101.7/ops")
    add.add_argument("--secret-file", type=Path, help="a file holding the secret (one line)")
    add.add_argument("--jwk", type=Path, help="a file holding the Ed25519 public JWK")
    add.add_argument("--json", action="store_true", help="print JSON for programs")
    add.set_defaults(run=run_add)


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the {what} file {path}: {exc.strerror}") from exc


def _jwk(path: Path) -> Any:
    try:
        return json.loads(_read(path, "JWK"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not JSON: {exc}") from exc


def run_add(args: argparse.Namespace) -> int:
    if args.secret_file is None and args.jwk is None:
        raise InputError("give --secret-file, --jwk or both")
    secret = None if args.secret_file is None else _read(args.secret_file, "secret").strip()
    jwk = None if args.jwk is None else _jwk(args.jwk)
    with Store.open(args.dir) as store:
        principal = enrol(store, args.identity, secret=secret, public_jwk=jwk)
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
