"""Template commands: ``glid template --dir DIR list | show | propose | approve | reject |
export-schema | submit | register-upward | fetch``.

Each command opens the node's template catalog, makes one call and prints the result;
the rules (inheritance, review, immutability) are the catalog's and templates_meta's.
``submit``, ``register-upward`` and ``fetch`` carry the review across the network
(docs/formats/templates.md §5.2): an enterprise proposes to its reviewer, a node
registers a template at the top node, and any node reads a template's state elsewhere.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resolver.cli.node import ADMIN_ACTOR
from resolver.cli.options import add_group_dir, add_json, node_dir, read_secret, read_text
from resolver.cli.output import InputError, emit_json, note

if TYPE_CHECKING:
    from registry.template_catalog import CatalogEntry, TemplateCatalog
    from templates_meta.model import Field

STATES = ("proposed", "approved", "rejected", "published")
"""templates_meta.review.ReviewState, listed here so the parser needs no import of it (a
test keeps them equal)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = subparsers.add_parser("template", help="list, propose and review metadata templates")
    add_json(group)
    commands = group.add_subparsers(dest="template_command", required=True, metavar="ACTION")

    listing = commands.add_parser("list", help="the templates this node holds")
    listing.add_argument("--state", choices=STATES)
    add_json(listing, under_group=True)
    listing.set_defaults(run=run_list)

    show = commands.add_parser("show", help="a template with its inherited fields")
    show.add_argument("id", help="ID@VERSION, or an ID for its highest version")
    add_json(show, under_group=True)
    show.set_defaults(run=run_show)

    propose = commands.add_parser("propose", help="propose a template from a JSON file")
    propose.add_argument("file", type=Path, help="the template document (JSON)")
    add_json(propose, under_group=True)
    propose.set_defaults(run=run_propose)

    approve = commands.add_parser("approve", help="approve a proposed template as this node")
    approve.add_argument("id", help="ID@VERSION, or an ID for its highest version")
    add_json(approve, under_group=True)
    approve.set_defaults(run=run_approve)

    reject = commands.add_parser("reject", help="reject a proposed template, saying why")
    reject.add_argument("id", help="ID@VERSION, or an ID for its highest version")
    reject.add_argument("--reason", required=True, help="what the proposer should change")
    add_json(reject, under_group=True)
    reject.set_defaults(run=run_reject)

    schema = commands.add_parser(
        "export-schema", help="print the JSON Schema (2020-12) of a template's record items"
    )
    schema.add_argument("id", help="ID@VERSION, or an ID for its highest version")
    schema.set_defaults(run=run_export_schema)

    submit = commands.add_parser(
        "submit", help="propose a template (JSON file) to its reviewer node over HTTP"
    )
    submit.add_argument("file", type=Path, help="the template document (JSON)")
    submit.add_argument("--to", required=True, metavar="URL", help="the reviewer node's URL")
    submit.add_argument(
        "--identity", help="an admin identity on that node (default: 300:PREFIX/admin of DIR)"
    )
    submit.add_argument(
        "--secret-file", type=Path, help="its secret (default: the admin.secret file of DIR)"
    )
    add_json(submit, under_group=True)
    submit.set_defaults(run=run_submit)

    upward = commands.add_parser(
        "register-upward", help="register a template at the top node, signed by this node"
    )
    upward.add_argument("id", help="ID@VERSION, or an ID for its highest version")
    upward.add_argument("--to", required=True, metavar="URL", help="the top node's URL")
    add_json(upward, under_group=True)
    upward.set_defaults(run=run_register_upward)

    fetch = commands.add_parser(
        "fetch", help="a template's state on another node; installs it here once published"
    )
    fetch.add_argument("id", help="ID@VERSION")
    fetch.add_argument("--from", required=True, dest="source", metavar="URL")
    add_json(fetch, under_group=True)
    fetch.set_defaults(run=run_fetch)
    add_group_dir(group, commands)


def _catalog(args: argparse.Namespace) -> TemplateCatalog:
    from registry.store import Store
    from registry.template_catalog import TemplateCatalog

    return TemplateCatalog.open(Store.open(node_dir(args)))


def run_list(args: argparse.Namespace) -> int:
    from templates_meta.review import ReviewState

    state = ReviewState(args.state) if args.state else None
    entries = _catalog(args).entries(state)
    if args.json:
        emit_json([entry.to_json() for entry in entries])
        return 0
    for entry in entries:
        print(
            f"{entry.ref:40} {entry.template.layer:10} {entry.review.state:9} "
            f"{entry.template.title.en} / {entry.template.title.zh}"
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    entry = catalog.get(args.id)
    merged = catalog.effective_of(entry.template)
    if args.json:
        emit_json(
            {
                **entry.to_json(),
                "template": entry.template.to_json(),
                "chain": list(merged.chain),
                "fields": [
                    {
                        **field.model_dump(mode="json", exclude_defaults=True),
                        "from": merged.origin[field.name],
                    }
                    for field in merged.fields
                ],
            }
        )
        return 0
    _print_entry(entry)
    print(f"chain      {' -> '.join(merged.chain)}")
    for field in merged.fields:
        inherited = (
            ""
            if merged.origin[field.name] == entry.ref
            else f"  (from {merged.origin[field.name]})"
        )
        print(f"  {field.index:>5}  {field.name:28} {_describe(field)}{inherited}")
    return 0


def _describe(field: Field) -> str:
    parts = [f"list of {field.item_type}" if field.item_type else str(field.type)]
    if field.unit:
        parts.append(field.unit)
    if field.required:
        parts.append("required")
    if field.min is not None:
        parts.append(f"{'>' if field.exclusive_min else '>='} {field.min}")
    if field.max is not None:
        parts.append(f"{'<' if field.exclusive_max else '<='} {field.max}")
    if field.enum:
        parts.append("{" + ", ".join(field.enum) + "}")
    if field.pattern:
        parts.append(f"/{field.pattern}/")
    return " ".join(parts) + f"  {field.labels.zh} / {field.labels.en}"


def _print_entry(entry: CatalogEntry) -> None:
    print(f"template   {entry.ref}  ({entry.template.layer}, {entry.review.state})")
    print(f"title      {entry.template.title.en} / {entry.template.title.zh}")
    print(f"owner      {entry.review.proposer}, reviewed by {entry.review.reviewer}")
    if entry.review.reason:
        print(f"reason     {entry.review.reason}")


def _read_template(path: Path) -> Any:
    from templates_meta.model import parse_template

    return parse_template(read_text(path, "template file"))


def run_propose(args: argparse.Namespace) -> int:
    entry = _catalog(args).propose(_read_template(args.file), ADMIN_ACTOR)
    return _report(args, entry)


def run_approve(args: argparse.Namespace) -> int:
    return _report(args, _catalog(args).approve(args.id, ADMIN_ACTOR))


def run_reject(args: argparse.Namespace) -> int:
    return _report(args, _catalog(args).reject(args.id, args.reason, ADMIN_ACTOR))


def _report(args: argparse.Namespace, entry: CatalogEntry) -> int:
    if args.json:
        emit_json(entry.to_json())
        return 0
    print(_state_line(entry.to_json()))
    return 0


def _state_line(entry: dict[str, Any], where: str = "") -> str:
    """``REF STATE[ at WHERE][: REASON][; node R decides]`` for a local or remote entry."""
    why = f": {entry['reason']}" if entry.get("reason") else ""
    waiting = f"; node {entry['reviewer']} decides" if entry["state"] == "proposed" else ""
    at = f" at {where}" if where else ""
    return f"{entry['ref']} {entry['state']}{at}{why}{waiting}"


def run_submit(args: argparse.Namespace) -> int:
    import asyncio

    from registry.node import ADMIN_SECRET_FILE
    from registry.store import Store
    from resolver import template_client

    template = _read_template(args.file)
    directory = node_dir(args)
    with Store.open(directory) as store:
        identity = args.identity or f"300:{store.node.prefix}/admin"
    secret = read_secret(args.secret_file or directory / ADMIN_SECRET_FILE)
    answer = asyncio.run(template_client.propose(args.to, template.to_json(), identity, secret))
    if args.json:
        emit_json(answer)
    else:
        print(_state_line(answer, args.to))
    return 0


def run_register_upward(args: argparse.Namespace) -> int:
    import asyncio

    from registry import template_exchange
    from registry.store import Store
    from registry.template_catalog import TemplateCatalog
    from resolver import template_client
    from signing.keyfile import passphrase
    from templates_meta.model import parse_template
    from templates_meta.review import ReviewState

    with Store.open(node_dir(args)) as store:
        catalog = TemplateCatalog.open(store)
        document = template_exchange.registration_for(store, catalog, passphrase(), args.id)
        answer = asyncio.run(template_client.register(args.to, document))
        local = template_exchange.record_answer(
            catalog, parse_template(document["template"]), answer
        )
    if args.json:
        emit_json(answer)
        return 0
    print(_state_line(answer, f"the top node {local.review.top}"))
    if local.review.state is not ReviewState.PUBLISHED:
        note(
            f"{local.ref} stays {local.review.state} here; run register-upward again once the"
            " top node has published it"
        )
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    import asyncio

    from registry.store import Store
    from registry.template_catalog import TemplateCatalog
    from resolver import template_client
    from templates_meta.model import parse_template
    from templates_meta.review import ReviewState

    answer = asyncio.run(template_client.fetch(args.source, args.id))
    installed = None
    if answer.get("state") == ReviewState.PUBLISHED:
        template = parse_template(answer.get("template") or {})
        if template.ref != answer.get("ref"):
            raise InputError(
                f"{args.source} answered {answer.get('ref')} with the body of {template.ref}"
            )
        with Store.open(node_dir(args)) as store:
            installed = TemplateCatalog.open(store).record_published(
                template, f"fetched from {args.source}"
            )
    if args.json:
        emit_json({**answer, "installed": installed is not None})
        return 0
    print(_state_line(answer, args.source))
    if installed is not None:
        print(f"{installed.ref} published here; records may follow it")
    return 0


def run_export_schema(args: argparse.Namespace) -> int:
    from templates_meta.json_schema import export_json_schema

    catalog = _catalog(args)
    schema = export_json_schema(catalog.effective_of(catalog.get(args.id).template))
    emit_json(schema)
    return 0
