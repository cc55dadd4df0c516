"""Template commands: ``glid template --dir DIR list | show | propose | approve | reject |
export-schema``.

Each command opens the node's template catalog, makes one call and prints the result;
the rules (inheritance, review, immutability) are the catalog's and templates_meta's.
"""

import argparse
from pathlib import Path

from registry.store import Store
from registry.template_catalog import CatalogEntry, TemplateCatalog
from resolver.cli.node import ADMIN_ACTOR
from resolver.cli.output import InputError, emit_json
from templates_meta.json_schema import export_json_schema
from templates_meta.model import Field, parse_template
from templates_meta.review import ReviewState


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    group = subparsers.add_parser("template", help="list, propose and review metadata templates")
    group.add_argument("--dir", required=True, type=Path, help="the node directory")
    _add_json(group, default=False)
    commands = group.add_subparsers(dest="template_command", required=True, metavar="ACTION")

    listing = commands.add_parser("list", help="the templates this node holds")
    listing.add_argument("--state", choices=[str(state) for state in ReviewState])
    _add_json(listing)
    listing.set_defaults(run=run_list)

    show = commands.add_parser("show", help="a template with its inherited fields")
    show.add_argument("id", help="ID@VERSION, or an ID for its highest version")
    _add_json(show)
    show.set_defaults(run=run_show)

    propose = commands.add_parser("propose", help="propose a template from a JSON file")
    propose.add_argument("file", type=Path, help="the template document (JSON)")
    _add_json(propose)
    propose.set_defaults(run=run_propose)

    approve = commands.add_parser("approve", help="approve a proposed template as this node")
    approve.add_argument("id", help="ID@VERSION, or an ID for its highest version")
    _add_json(approve)
    approve.set_defaults(run=run_approve)

    reject = commands.add_parser("reject", help="reject a proposed template, saying why")
    reject.add_argument("id", help="ID@VERSION, or an ID for its highest version")
    reject.add_argument("--reason", required=True, help="what the proposer should change")
    _add_json(reject)
    reject.set_defaults(run=run_reject)

    schema = commands.add_parser(
        "export-schema", help="print the JSON Schema (2020-12) of a template's record items"
    )
    schema.add_argument("id", help="ID@VERSION, or an ID for its highest version")
    schema.set_defaults(run=run_export_schema)


def _add_json(parser: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    # Accepted before or after the action; SUPPRESS keeps the action's parser from
    # overwriting a --json given to the group.
    parser.add_argument("--json", action="store_true", default=default, help="print JSON")


def _catalog(args: argparse.Namespace) -> TemplateCatalog:
    return TemplateCatalog.open(Store.open(args.dir))


def run_list(args: argparse.Namespace) -> int:
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


def run_propose(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read template file {args.file}: {exc}") from exc
    entry = _catalog(args).propose(parse_template(text), ADMIN_ACTOR)
    return _report(args, entry)


def run_approve(args: argparse.Namespace) -> int:
    return _report(args, _catalog(args).approve(args.id, ADMIN_ACTOR))


def run_reject(args: argparse.Namespace) -> int:
    return _report(args, _catalog(args).reject(args.id, args.reason, ADMIN_ACTOR))


def _report(args: argparse.Namespace, entry: CatalogEntry) -> int:
    if args.json:
        emit_json(entry.to_json())
        return 0
    why = f": {entry.review.reason}" if entry.review.reason else ""
    waiting = (
        f"; node {entry.review.reviewer} decides"
        if entry.review.state is ReviewState.PROPOSED
        else ""
    )
    print(f"{entry.ref} {entry.review.state}{why}{waiting}")
    return 0


def run_export_schema(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    schema = export_json_schema(catalog.effective_of(catalog.get(args.id).template))
    emit_json(schema)
    return 0
