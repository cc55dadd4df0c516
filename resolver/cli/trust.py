"""Trust commands: ``glid verify``, ``keys``, ``revoke`` and ``log``.

Thin adapters over signing.verify, registry.keyring, registry.devices,
registry.revocations, registry.evidence and registry.log; the checks themselves live there.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resolver.cli.options import (
    add_dir,
    add_group_dir,
    add_json,
    add_records_file,
    add_revocation_policy,
    add_trust_anchor,
    node_dir,
    read_json,
    read_text,
    read_trust_anchor,
)
from resolver.cli.output import InputError, emit_json

if TYPE_CHECKING:
    from registry.store import Store
    from registry.store.keys import KeyEntry
    from signing.keys import VerifyKey
    from signing.verify import Verdict

REASONS = ("compromised", "superseded")  # signing.revocation.REASONS; a test keeps them equal


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ver = subparsers.add_parser("verify", help="verify an evidence bundle against a trust anchor")
    ver.add_argument(
        "--file",
        required=True,
        help="a bundle (`glid show --bundle`) or `glid resolve --bundle --json` output; - stdin",
    )
    ver.add_argument(
        "--version",
        type=int,
        help="the version asked for (`?version=N`): it verifies as historical when the node"
        " has logged a newer one; without it, only the newest version verifies",
    )
    add_trust_anchor(ver)
    add_revocation_policy(ver)
    add_json(ver)
    ver.set_defaults(run=run_verify)

    keys = subparsers.add_parser("keys", help="list, rotate and add device keys")
    actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    lst = actions.add_parser("list", help="every key of this node")
    add_json(lst)
    lst.set_defaults(run=run_keys_list)
    rot = actions.add_parser("rotate", help="a new record-signing key; the old one retires")
    add_json(rot)
    rot.set_defaults(run=run_keys_rotate)
    dev = actions.add_parser("device-add", help="create and certify a collection terminal key")
    dev.add_argument("--name", required=True, help="the device's name, e.g. meter-17")
    add_json(dev)
    dev.set_defaults(run=run_device_add)
    sig = actions.add_parser("device-sign", help="sign readings as the terminal does")
    sig.add_argument("--name", help="the device (its key is DIR/devices/NAME.key)")
    sig.add_argument("--key", type=Path, help="or the device key file itself")
    add_records_file(sig)
    sig.add_argument("--version", type=int, default=1, help="the version each reading becomes")
    sig.set_defaults(run=run_device_sign)
    add_group_dir(keys, actions)

    rev = subparsers.add_parser("revoke", help="revoke a key or prefix this node certified")
    add_dir(rev)
    target = rev.add_mutually_exclusive_group(required=True)
    target.add_argument("--key", metavar="KID", help="the key id to revoke")
    target.add_argument("--prefix", metavar="P", help="a prefix subtree to revoke")
    rev.add_argument("--reason", required=True, choices=sorted(REASONS))
    rev.add_argument("--at", help="superseded from this time (RFC 3339); default now")
    rev.set_defaults(run=run_revoke)

    log = subparsers.add_parser("log", help="transparency log checkpoints and proofs")
    steps = log.add_subparsers(dest="action", required=True, metavar="ACTION")
    chk = steps.add_parser("checkpoint", help="the signed checkpoint of the current log")
    chk.set_defaults(run=run_log_checkpoint)
    prv = steps.add_parser("prove", help="inclusion proof of a record version")
    prv.add_argument("id", metavar="ID")
    prv.add_argument("--version", type=int, help="default: the current version")
    prv.set_defaults(run=run_log_prove)
    con = steps.add_parser("consistency", help="consistency proof between two log sizes")
    con.add_argument("old_size", type=int, metavar="OLD_SIZE")
    con.add_argument("new_size", type=int, nargs="?", metavar="NEW_SIZE")
    con.set_defaults(run=run_log_consistency)
    aud = steps.add_parser("audit", help="check that a log only grew between two checkpoints")
    aud.add_argument("--old", required=True, type=Path, help="the checkpoint trusted before")
    aud.add_argument("--new", required=True, type=Path, help="the newer checkpoint")
    aud.add_argument("--proof", required=True, type=Path, help="`glid log consistency` output")
    aud.add_argument("--key", required=True, type=Path, help="the log key: a JWK or an anchor")
    aud.add_argument("--origin", required=True, help="the log's origin, e.g. glid.88.101/log")
    aud.set_defaults(run=run_log_audit)
    add_group_dir(log, steps)


# --- helpers ---------------------------------------------------------------------------


def _optional_passphrase() -> bytes | None:
    """The passphrase if one can be had without blocking, else None (reads stay possible)."""
    import os
    import sys

    from signing.keyfile import PASSPHRASE_ENV, passphrase

    if os.environ.get(PASSPHRASE_ENV) is not None or (sys.stdin is not None and sys.stdin.isatty()):
        return passphrase()
    return None


def _checkpoint(store: Store) -> str:
    """The log's checkpoint; signed now (with the key unlocked) if the store has none that
    covers the log, as a node written before checkpoints were signed on write may."""
    from registry.evidence import current_checkpoint, refresh_checkpoint

    secret = _optional_passphrase()
    return current_checkpoint(store) if secret is None else refresh_checkpoint(store, secret)


def _key_json(entry: KeyEntry) -> dict[str, Any]:
    from registry import keyring

    role = "device" if entry.purpose == "device" else None
    if role is None:
        role = "authority" if keyring.is_authority(entry) else "signing"
    return {
        "kid": entry.kid,
        "purpose": entry.purpose,
        "role": role,
        "prefix": entry.prefix,
        "name": entry.name,
        "certified": entry.certificate is not None,
        "created_at": entry.created_at,
        "retired_at": entry.retired_at,
        "key_file": entry.key_file,
    }


# --- verify ----------------------------------------------------------------------------


def verdict_lines(verdict: Verdict) -> list[str]:
    from resolver.text import historical, verdict_state

    lines = [
        f"{'ok  ' if step.ok else 'FAIL'}  {step.name:15} {step.detail}" for step in verdict.steps
    ]
    failed = verdict.failed
    if failed is not None:
        lines.append(f"INVALID: step {failed.name} failed: {failed.detail}")
    elif verdict.complete:
        lines.append(f"VALID ({historical(verdict)})" if verdict.historical else "VALID")
    else:
        lines.append(verdict_state(verdict))
    return lines


def bundles_in(document: Any) -> list[tuple[str, Any]]:
    """(handle, bundle) pairs of what ``glid verify --file`` reads: one bundle, as
    ``glid show --bundle`` prints it, or the resolutions ``glid resolve --bundle --json``
    prints, whose ``answer`` is the bundle (docs/formats/signing.md, "Bundles on file")."""
    if isinstance(document, dict) and "answer" not in document:
        return [(str(document.get("handle", "-")), document)]
    resolutions = document if isinstance(document, list) else [document]
    found = []
    for position, resolution in enumerate(resolutions):
        if not isinstance(resolution, dict):
            raise InputError(f"item {position} is not a resolution object")
        handle = str(resolution.get("handle", f"item {position}"))
        if not isinstance(resolution.get("answer"), dict):
            status = resolution.get("status", "no answer")
            raise InputError(f"{handle} was not resolved ({status}): there is nothing to verify")
        found.append((handle, resolution["answer"]))
    if not found:
        raise InputError("the file holds no bundle to verify")
    return found


def run_verify(args: argparse.Namespace) -> int:
    from signing.verify import verify_bundle

    anchor = read_trust_anchor(args.trust_anchor)
    document = read_json(args.file, "bundle file")
    verdicts = [
        (
            handle,
            verify_bundle(
                bundle,
                anchor,
                policy=args.revocation_policy,
                require_latest=True,
                asked_version=args.version,
            ),
        )
        for handle, bundle in bundles_in(document)
    ]
    if args.json:
        shown = [verdict.to_json() for _, verdict in verdicts]
        emit_json(shown if isinstance(document, list) else shown[0])
    else:
        for handle, verdict in verdicts:
            if len(verdicts) > 1:
                print(f"{handle}:")
            print("\n".join(verdict_lines(verdict)))
    return 0 if all(verdict.complete for _, verdict in verdicts) else 1


# --- keys ------------------------------------------------------------------------------


def run_keys_list(args: argparse.Namespace) -> int:
    from registry.store import Store

    with Store.open(node_dir(args)) as store:
        entries = [_key_json(entry) for entry in store.keys.all()]
    if args.json:
        emit_json(entries)
        return 0
    for e in entries:
        print(
            f"{e['kid']}  {e['role']:9} {e['prefix']:12} {e['name'] or '-':12}"
            f" {'certified' if e['certified'] else 'uncertified':11} created {e['created_at']}"
            f"  {'retired ' + e['retired_at'] if e['retired_at'] else 'active'}"
        )
    return 0


def run_keys_rotate(args: argparse.Namespace) -> int:
    from registry import keyring
    from registry.store import Store
    from signing.keyfile import passphrase

    with Store.open(node_dir(args)) as store:
        entry = keyring.rotate(store, passphrase())
    if args.json:
        emit_json(_key_json(entry))
    else:
        print(f"new record-signing key {entry.kid} for {entry.prefix}; the previous one is retired")
    return 0


def run_device_add(args: argparse.Namespace) -> int:
    from registry import devices
    from registry.store import Store
    from signing.keyfile import device_passphrase, passphrase

    with Store.open(node_dir(args)) as store:
        entry = devices.add_device(
            store, passphrase(), args.name, device_passphrase=device_passphrase()
        )
    if args.json:
        emit_json(_key_json(entry))
    else:
        print(f"device {args.name}: key {entry.kid}, certified for {entry.prefix}")
        print(f"provision {Path(store.directory, str(entry.key_file))} onto the terminal")
    return 0


def run_device_sign(args: argparse.Namespace) -> int:
    import sys

    import orjson

    from glid_core.errors import GlidError
    from registry import devices
    from signing.keyfile import device_passphrase

    if (args.key is None) == (args.name is None):
        raise InputError("name the device key with exactly one of --name (with --dir) or --key")
    path = args.key if args.key is not None else devices.device_key_path(node_dir(args), args.name)
    key = devices.load_device_key(path, device_passphrase())
    for number, line in enumerate(read_text(args.file).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
            signed = devices.sign_reading(key, item["handle"], item["values"], version=args.version)
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(f'line {number}: not a {{"handle", "values"}} object: {exc}') from exc
        except GlidError as exc:
            raise InputError(f"line {number}: {exc}") from exc
        sys.stdout.write(orjson.dumps(signed).decode("utf-8") + "\n")
    return 0


# --- revoke ----------------------------------------------------------------------------


def run_revoke(args: argparse.Namespace) -> int:
    from datetime import datetime

    from registry import revocations
    from registry.store import Store
    from signing.keyfile import passphrase
    from signing.revocation import parse_revocation_list

    at = None
    if args.at is not None:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError as exc:
            raise InputError(f"--at {args.at!r} is not an RFC 3339 time: {exc}") from exc
    with Store.open(args.dir) as store:
        token = revocations.revoke(
            store, passphrase(), reason=args.reason, kid=args.key, prefix=args.prefix, at=at
        )
    published = parse_revocation_list(token)
    what = f"key {args.key}" if args.key else f"prefix {args.prefix}"
    print(
        f"revoked {what} as {args.reason}; revocation list {published.iss}#{published.seq}"
        f" now holds {len(published.entries)} entr{'y' if len(published.entries) == 1 else 'ies'}"
    )
    return 0


# --- log -------------------------------------------------------------------------------


def run_log_checkpoint(args: argparse.Namespace) -> int:
    from registry import keyring
    from registry.store import Store
    from signing.checkpoint import parse_checkpoint, verifier_key
    from signing.keys import VerifyKey

    with Store.open(node_dir(args)) as store:
        text = _checkpoint(store)
        signer = VerifyKey.from_jwk(keyring.active_key(store, store.node.prefix).jwk)
    checkpoint = parse_checkpoint(text)
    emit_json(
        {
            "origin": checkpoint.origin,
            "size": checkpoint.size,
            "root": text.split("\n")[2],
            "checkpoint": text,
            # the note verifier string other signed-note tools accept for this log
            "verifier_key": verifier_key(checkpoint.origin, signer),
        }
    )
    return 0


def run_log_prove(args: argparse.Namespace) -> int:
    from glid_core.identifiers import Identifier
    from registry.evidence import log_proof
    from registry.store import Store

    handle = Identifier.from_text(args.id).to_text()
    with Store.open(node_dir(args)) as store:
        version = args.version or store.versions.get(handle).version
        body = log_proof(store, handle, version, _checkpoint(store))
    emit_json({"handle": handle, "version": version, **body})
    return 0


def run_log_consistency(args: argparse.Namespace) -> int:
    from registry.log import NodeLog
    from registry.store import Store

    with Store.open(node_dir(args)) as store:
        emit_json(NodeLog(store).consistency(args.old_size, args.new_size))
    return 0


def _log_key(path: Path) -> VerifyKey:
    from signing.keys import VerifyKey

    document = read_json(path)
    jwk = document.get("jwk", document) if isinstance(document, dict) else None
    if not isinstance(jwk, dict):
        raise InputError(f"{path} holds neither a JWK nor a trust anchor {{prefix, jwk}}")
    return VerifyKey.from_jwk(jwk)


def _checkpoint_text(path: Path) -> str:
    """A checkpoint note, from the note itself or from `glid log checkpoint` JSON output."""
    text = read_text(path)
    if not text.lstrip().startswith("{"):
        return text
    document = read_json(path)
    note_text = document.get("checkpoint") if isinstance(document, dict) else None
    if not isinstance(note_text, str):
        raise InputError(f"{path} is JSON without a checkpoint member")
    return note_text


def run_log_audit(args: argparse.Namespace) -> int:
    from glid_core.errors import GlidError
    from signing.b64 import b64_decode
    from signing.checkpoint import audit, parse_checkpoint

    proof_document = read_json(args.proof)
    hashes = proof_document.get("consistency") if isinstance(proof_document, dict) else None
    if not isinstance(hashes, list):
        raise InputError(f"{args.proof} has no consistency list (`glid log consistency` output)")
    old, new = _checkpoint_text(args.old), _checkpoint_text(args.new)
    key = _log_key(args.key)
    try:
        proof = [b64_decode(h, "consistency hash") for h in hashes]
        size, _ = audit(old, new, proof, key, args.origin)
    except GlidError as exc:
        print(f"INCONSISTENT: {exc}")
        return 1
    print(
        f"consistent: log {args.origin} grew append-only from {parse_checkpoint(old).size}"
        f" to {size} entries"
    )
    return 0
