"""Network commands: ``glid serve``, ``resolve``, ``delegate``, ``accept``, ``host``, ``site``."""

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from resolver.cli.options import (
    add_dir,
    add_json,
    add_limits,
    add_revocation_policy,
    add_root,
    limit_settings,
    read_json,
    read_trust_anchor,
    sync_resolver,
)
from resolver.cli.output import UsageError, emit_json, note

if TYPE_CHECKING:
    from registry.store.postgres_replica import ReplicaSettings


def _listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT such as 127.0.0.1:8080, got {text!r}")
    return host or "127.0.0.1", int(port)


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    srv = subparsers.add_parser("serve", help="run the node daemon")
    add_dir(srv)
    srv.add_argument("--listen", type=_listen, default=("127.0.0.1", 8080), help="HOST:PORT")
    srv.add_argument("--workers", type=int, default=1, help="worker processes (SO_REUSEPORT)")
    srv.add_argument("--recursive", action="store_true", help="resolve other nodes' ids too")
    add_root(srv, required=False)
    srv.add_argument(
        "--read-only", action="store_true", help="open the store read-only: serve reads only"
    )
    srv.add_argument(
        "--read-replica",
        metavar="URL",
        help="a PostgreSQL node: read from this streaming standby while it is fresh enough",
    )
    srv.add_argument(
        "--max-staleness",
        type=float,
        metavar="SECONDS",
        help="with --read-replica: the most a read may lag the primary (default 1)",
    )
    srv.add_argument("--tls-cert", type=Path, help="PEM certificate (chain): serve HTTPS")
    srv.add_argument("--tls-key", type=Path, help="the certificate's PEM private key")
    srv.add_argument(
        "--pact", action="store_true", help="serve the PACT v3 API (needs --tls-cert/--tls-key)"
    )
    add_limits(srv)
    srv.set_defaults(run=run_serve)

    res = subparsers.add_parser(
        "resolve", help="resolve and verify identifiers of any scheme (handle, GS1, OID, Ecode…)"
    )
    res.add_argument("ids", nargs="+", metavar="ID")
    add_root(res)
    res.add_argument(
        "--bundle", action="store_true", help="ask for log proofs too (`glid verify` reads --json)"
    )
    add_revocation_policy(res)
    add_json(res)
    res.set_defaults(run=run_resolve)

    dlg = subparsers.add_parser(
        "delegate", help="certify a child node: from its request file, or one it submitted"
    )
    add_dir(dlg)
    which = dlg.add_mutually_exclusive_group(required=True)
    which.add_argument("--request", type=Path, help="a delegation-request.json received offline")
    which.add_argument("--pending", action="store_true", help="list requests children submitted")
    which.add_argument("--approve", metavar="PREFIX", help="approve a submitted request")
    which.add_argument("--reject", metavar="PREFIX", help="reject a submitted request")
    dlg.add_argument("--reason", help="with --reject: what the requester should fix")
    dlg.add_argument("--site", help="the child node's URL, for referrals")
    dlg.add_argument("--valid-days", type=int, default=365)
    dlg.add_argument("--out", type=Path, help="where to write the certificate chain")
    add_json(dlg)
    dlg.set_defaults(run=run_delegate)

    enr = subparsers.add_parser("enrol", help="send this node's delegation request to its parent")
    add_dir(enr)
    enr.add_argument("--parent", required=True, help="the parent node's URL")
    enr.add_argument("--site", help="this node's URL, for the parent's referrals")
    enr.add_argument(
        "--fetch", action="store_true", help="fetch and install the chain once approved"
    )
    enr.set_defaults(run=run_enrol)

    acc = subparsers.add_parser("accept", help="install the certificate a parent issued")
    add_dir(acc)
    acc.add_argument("--cert", required=True, type=Path)
    acc.set_defaults(run=run_accept)

    hst = subparsers.add_parser("host", help="host an enterprise prefix on this node")
    add_dir(hst)
    hst.add_argument("--prefix", required=True, help="a prefix directly under this node's")
    add_json(hst)
    hst.set_defaults(run=run_host)

    fp = subparsers.add_parser("footprint", help="roll a product footprint up its supply chain")
    fp.add_argument("id", metavar="ID")
    add_root(fp)
    fp.add_argument(
        "--verified-only", action="store_true", help="fail on any unresolved or unverified input"
    )
    add_json(fp)
    fp.set_defaults(run=run_footprint)

    dm = subparsers.add_parser("demo", help="run a local network of nodes with sample data")
    add_dir(dm, default=Path("glid-demo"), help="where the nodes live (default glid-demo)")
    dm.add_argument(
        "--exit",
        action="store_true",
        help="stop the network once the walk-through is printed (default: serve until Ctrl-C)",
    )
    dm.set_defaults(run=run_demo)

    sit = subparsers.add_parser("site", help="set where a delegated child node is reached")
    add_dir(sit)
    sit.add_argument("--prefix", required=True)
    sit.add_argument("--url", required=True)
    sit.set_defaults(run=run_site)


def run_serve(args: argparse.Namespace) -> int:
    import os

    from registry.keyring import require_unlockable
    from registry.store import Store
    from resolver.serve import serve
    from resolver.settings import Settings
    from signing.keyfile import PASSPHRASE_ENV, passphrase

    if args.recursive and (args.root is None or args.trust_anchor is None):
        raise UsageError("--recursive needs --root URL and --trust-anchor FILE")
    secret = passphrase() if os.environ.get(PASSPHRASE_ENV) is not None else None
    replica = _replica(args)
    # Fail now, with a clear message, if DIR is not a node, its key will not open or its
    # replica is no standby.
    with Store.open(args.dir, replica=replica) as store:
        if secret is not None:
            require_unlockable(store, secret)
    if secret is None:
        note(f"{PASSPHRASE_ENV} is not set: serving read-only (writes are refused)")
    host, port = args.listen
    settings = Settings(
        args.dir,
        host=host,
        port=port,
        passphrase=secret,
        recursive=args.recursive,
        root_url=args.root,
        trust_anchor=args.trust_anchor,
        read_only=args.read_only,
        read_replica=replica,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        pact=args.pact,
        **limit_settings(args),
    )
    serve(settings, workers=args.workers)
    return 0


def _replica(args: argparse.Namespace) -> "ReplicaSettings | None":
    from registry.store.postgres_replica import ReplicaSettings

    if args.read_replica is None:
        if args.max_staleness is not None:
            raise UsageError("--max-staleness bounds reads from a --read-replica; name one")
        return None
    if args.max_staleness is None:
        return ReplicaSettings(args.read_replica)
    if args.max_staleness <= 0:
        raise UsageError("--max-staleness must be a positive number of seconds")
    return ReplicaSettings(args.read_replica, max_staleness=args.max_staleness)


def run_resolve(args: argparse.Namespace) -> int:
    from resolver.lookup import lookup_sync
    from resolver.text import describe_lookup

    anchor = read_trust_anchor(args.trust_anchor)
    results = lookup_sync(
        args.root, anchor, args.ids, bundle=args.bundle, policy=args.revocation_policy
    )
    if args.json:
        emit_json([result.to_json() for result in results])
    else:
        for result in results:
            print("\n".join(describe_lookup(result)))
    return 0 if all(result.verified for result in results) else 1


def run_delegate(args: argparse.Namespace) -> int:
    from registry import delegation, enrolment, revocations
    from registry.node import write_json
    from registry.store import Store
    from signing.keyfile import passphrase

    with Store.open(args.dir) as store:
        if args.pending:
            requests = enrolment.pending(store)
            if args.json:
                emit_json([request.to_json() for request in requests])
            for request in [] if args.json else requests:
                print(
                    f"{request.prefix:16} {request.state:9} key {request.kid} site {request.site}"
                )
            return 0
        if args.reject is not None:
            enrolment.reject(store, args.reject, args.reason or "")
            print(f"rejected the request for {args.reject}")
            return 0
        if args.out is None:
            raise UsageError("--out FILE is needed to write the certificate chain")
        secret = passphrase()
        if args.approve is not None:
            prefix = args.approve
            chain = enrolment.approve(store, secret, prefix, valid_days=args.valid_days)
        else:
            request = read_json(args.request, "delegation request")
            prefix = request.get("prefix") if isinstance(request, dict) else None
            chain = delegation.delegate(
                store, secret, request, site=args.site, valid_days=args.valid_days
            )
        revocations.refresh(store, secret)
        lists = revocations.carried_lists(store)
    write_json(args.out, delegation.chain_document(chain, lists))
    print(f"delegated {prefix}; certificate chain written to {args.out}")
    return 0


def run_enrol(args: argparse.Namespace) -> int:
    import asyncio

    from registry import delegation
    from registry.node import REQUEST_FILE
    from registry.store import Store
    from resolver import enrolment_client

    request_file = args.dir / REQUEST_FILE
    with Store.open(args.dir) as store:
        prefix = store.node.prefix
        if args.fetch:
            state = asyncio.run(enrolment_client.fetch(args.parent, prefix))
            if state["state"] != "approved":
                note(f"the request for {prefix} is {state['state']}: {state.get('reason') or ''}")
                return 1
            kid = delegation.accept(store, delegation.chain_document(state["chain"]))
            print(f"installed the certificate chain for key {kid} of {prefix}")
            return 0
    request = read_json(request_file, "delegation request")
    state = asyncio.run(enrolment_client.submit(args.parent, request, args.site))
    print(f"request for {prefix} sent to {args.parent}: {state['state']}")
    return 0


def run_accept(args: argparse.Namespace) -> int:
    from registry import delegation
    from registry.store import Store

    with Store.open(args.dir) as store:
        kid = delegation.accept(store, read_json(args.cert, "certificate chain"))
        print(f"installed the certificate chain for key {kid} of {store.node.prefix}")
    return 0


def run_host(args: argparse.Namespace) -> int:
    from registry import delegation
    from registry.store import Store
    from signing.keyfile import passphrase

    with Store.open(args.dir) as store:
        hosted = delegation.host(store, passphrase(), args.prefix)
    if args.json:
        emit_json(
            {
                "prefix": hosted.prefix,
                "kid": hosted.kid,
                "admin_identity": hosted.admin_identity,
                "admin_secret": hosted.admin_secret,
            }
        )
    else:
        print(f"hosting {hosted.prefix} (key {hosted.kid})")
        print(f"admin identity {hosted.admin_identity} secret {hosted.admin_secret}")
    return 0


def run_site(args: argparse.Namespace) -> int:
    from registry import delegation
    from registry.store import Store

    with Store.open(args.dir) as store:
        delegation.set_site(store, args.prefix, args.url)
    print(f"referrals for {args.prefix} now point to {args.url}")
    return 0


def run_footprint(args: argparse.Namespace) -> int:
    from resolver.footprint import network_footprint
    from resolver.text import footprint_lines

    resolver = sync_resolver(args)
    result = network_footprint(resolver, [args.id], verified_only=args.verified_only)
    body = result.to_json()
    body["requests"] = resolver.stats.requests
    if args.json:
        emit_json(body)
    else:
        print(f"footprint of {args.id} ({body['unit']} per declared unit):")
        print("\n".join(footprint_lines(body["roots"][0])))
        for warning in body["warnings"]:
            note(f"warning: {warning}")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    import asyncio

    from resolver import demo

    asyncio.run(demo.run(args.dir, keep_running=not args.exit))
    return 0
