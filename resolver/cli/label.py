"""``glid label``: a printable carbon label (SVG or PNG) for a verified record."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from resolver.cli.options import add_root, read_trust_anchor
from resolver.cli.output import InputError

if TYPE_CHECKING:
    from resolver.page_view import PageView

LANGUAGES = ("both", "zh", "en")  # resolver.label.LANGUAGES; a test keeps them equal


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lbl = subparsers.add_parser(
        "label", help="print a product carbon label or carbon-efficiency code with its QR code"
    )
    lbl.add_argument("id", metavar="ID", help="the record, in any identifier scheme")
    add_root(lbl)
    lbl.add_argument(
        "--base", required=True, help="the public URL of the node serving the buyer's page"
    )
    lbl.add_argument("--out", required=True, type=Path, help="FILE.svg or FILE.png")
    lbl.add_argument("--lang", choices=LANGUAGES, default="both", help="label language")
    lbl.set_defaults(run=run_label)


def run_label(args: argparse.Namespace) -> int:
    import asyncio

    from resolver import label
    from resolver.client import Resolver
    from resolver.footprint import Rollups
    from resolver.lookup import lookup
    from resolver.page_view import EFFICIENCY_FIELD, gather

    anchor = read_trust_anchor(args.trust_anchor)

    async def look() -> PageView:
        rollups = Rollups(args.root, anchor)
        try:
            async with Resolver(args.root, anchor) as resolver:
                found = await lookup(resolver, args.id, bundle=True)
                return await gather(resolver, rollups, found)
        finally:
            rollups.close()

    view = asyncio.run(look())
    found = view.lookup
    if not found.verified:
        raise InputError(f"{args.id} did not verify ({found.problem}); no label is printed")
    efficiency = view.grade.efficiency if view.grade and view.grade.verified else None
    if efficiency is not None and EFFICIENCY_FIELD in view.values:
        made = label.efficiency_label(found, args.base, args.lang, efficiency)
    else:
        made = label.product_label(found, args.base, args.lang, efficiency)
    label.write(made, args.out)
    print(f"label for {found.handle} written to {args.out} (QR: {label.qr_url(found, args.base)})")
    return 0
