"""The GS1 Digital Link resolver face (ISO/IEC 18975), on a recursive node.

A code on a product carries ``https://HOST/01/{gtin}[/10/{lot}][/21/{serial}]``, or the
same compressed into one path segment (``https://HOST/AQyNo0UVqA``). Asked for that path,
the node answers as a GS1 conformant resolver: a 307 redirect to the default
link (the buyer's page), a redirect to the link of the type asked for with
``linkType=gs1:…``, or, with ``linkType=all`` or ``Accept: application/linkset+json``, the
linkset (RFC 9264) of every link it has for the item, with GS1 link types where they exist.
The GTIN is looked up like any other code: through its alias record under the GS1 home
prefix, verified, so the node only answers for items the network knows.
"""

import json
from typing import Any
from urllib.parse import quote

from aiohttp import web

from registry.gs1_compressed import SEGMENT_RE
from resolver.lookup import Lookup
from resolver.page import html, resolve_or_refuse
from resolver.page_html import problem_page

routes = web.RouteTableDef()

GS1_VOC = "https://gs1.org/voc/"
LINKSET_TYPE = "application/linkset+json"


def links(found: Lookup, base: str) -> dict[str, dict[str, Any]]:
    """Every link for the item by link type (GS1's as ``gs1:…``), the product page first."""
    handle = quote(found.handle, safe="/")
    return {
        "gs1:pip": {
            "href": f"{base}/id/{handle}",
            "title": "产品碳足迹 product carbon footprint page",
            "type": "text/html",
            "hreflang": ["zh", "en"],
        },
        "gs1:sustainabilityInfo": {
            "href": f"{base}/footprint/{handle}",
            "title": "碳足迹（供应链汇总）footprint rolled up the supply chain",
            "type": "application/json",
        },
        "gs1:certificationInfo": {
            "href": f"{base}/bundle/{handle}",
            "title": "证据包 evidence bundle: signatures, certificate chain, log proofs",
            "type": "application/json",
        },
        "describedby": {
            "href": f"{base}/report/{handle}",
            "title": "碳效评价报告 carbon evaluation report",
            "type": "text/html",
        },
    }


def linkset(anchor: str, found: Lookup, base: str) -> dict[str, Any]:
    """RFC 9264 JSON: one context object, link types as full URIs, targets as arrays."""
    context: dict[str, Any] = {"anchor": anchor}
    every = links(found, base)
    context[f"{GS1_VOC}defaultLink"] = [every["gs1:pip"]]
    for kind, target in every.items():
        context[f"{GS1_VOC}{kind[4:]}" if kind.startswith("gs1:") else kind] = [target]
    return {"linkset": [context]}


def _wants_linkset(request: web.Request) -> bool:
    return request.query.get("linkType") == "all" or LINKSET_TYPE in request.headers.get(
        "Accept", ""
    )


@routes.get(r"/01/{rest:.*}")
@routes.get(r"/{compressed:" + SEGMENT_RE.pattern + "}")
async def digital_link(request: web.Request) -> web.Response:
    base = f"{request.scheme}://{request.host}"
    uri = f"{base}{request.path}"
    found = await resolve_or_refuse(request, uri)
    if isinstance(found, web.Response):
        return found
    if _wants_linkset(request):
        body = json.dumps(linkset(uri, found, base), ensure_ascii=False)
        return web.Response(text=body, content_type=LINKSET_TYPE, charset="utf-8")
    kind = request.query.get("linkType", "gs1:pip")
    target = links(found, base).get(kind)
    if target is None:
        known = ", ".join(["all", *links(found, base)])
        page = problem_page(
            "无此类链接 No such link",
            f"{found.handle} has no link of type {kind}",
            f"known link types: {known}",
        )
        return html(page, 404)
    raise web.HTTPTemporaryRedirect(target["href"])
