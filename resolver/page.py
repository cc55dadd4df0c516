"""The buyer's page and its downloads, served by a recursive node (``glid serve --recursive``).

``/`` and ``/?q=CODE`` and ``/id/{code}`` show one identifier of any scheme, resolved
through the network and verified against the node's trust anchor; ``/bundle/{id}``,
``/footprint/{id}``, ``/report/{id}`` (and ``/pact/{id}`` on a node serving PACT) are the
page's downloads. Input the node cannot
use gets a page that says what was wrong, with the status a client expects (400 for a
malformed code, 404 for an unknown one, 414 for an over-long one, 502 when the network
cannot be reached), never a traceback.
"""

import json
from urllib.parse import quote

from aiohttp import web

from accounting.report_html import render_html
from glid_core.errors import GlidError
from glid_core.identifiers import MAX_IDENTIFIER_BYTES
from registry.errors import NotFound
from resolver.lookup import Lookup, lookup
from resolver.pact.export import export_footprint
from resolver.page_html import CONTENT_SECURITY_POLICY, home_page, problem_page, product_page
from resolver.page_view import FOOTPRINT_FIELD, PageView, gather, values_by_type
from resolver.state import RESOLVER, ROLLUPS, SETTINGS

routes = web.RouteTableDef()
pact_routes = web.RouteTableDef()  # added only on a node that serves PACT

# A code longer than this is refused before any lookup: the longest identifier plus room
# for a URL around it (a Digital Link host and path, a Handle proxy) is well below it.
MAX_CODE_CHARS = 2 * MAX_IDENTIFIER_BYTES
STATUS = {"ok": 200, "bad_identifier": 400, "not_found": 404, "deleted": 410, "error": 502}
HINTS = {
    "bad_identifier": "检查编码是否输入完整、校验位是否正确。Check the code is complete and its "
    "check digit right; accepted: a glid handle (PREFIX/SUFFIX), hdl:, a Handle proxy URL, a "
    "GTIN, urn:gtin:, urn:epc:, GS1 element strings, a GS1 Digital Link, an OID, an Ecode, "
    "private:PREFIX:CODE.",
    "not_found": "该编码未在标识网络中注册，请向产品供应商核实。"
    "No record is registered for this code in the identifier network; ask the supplier.",
    "deleted": "该记录已被其所有者撤销。The record was withdrawn by its owner.",
    "error": "标识网络暂时无法访问，请稍后再试。The identifier network could not be reached; try "
    "again shortly.",
}


def html(body: str, status: int = 200) -> web.Response:
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def refusal(found: Lookup) -> web.Response | None:
    """The problem page for a lookup that found no record, or None when it found one."""
    for step in (found.alias, found.resolution):
        if step is not None and step.status != "ok":
            title = {
                "bad_identifier": "无法识别的编码 Code not understood",
                "not_found": "未找到 Not found",
                "deleted": "已撤销 Withdrawn",
            }.get(step.status, "解析失败 Resolution failed")
            detail = f"{found.asked}: {step.error or step.status}"
            body = problem_page(title, detail, HINTS.get(step.status, HINTS["error"]), found.asked)
            return html(body, STATUS.get(step.status, 502))
    return None


def too_long(code: str) -> web.Response | None:
    if len(code) <= MAX_CODE_CHARS:
        return None
    body = problem_page(
        "编码过长 Code too long",
        f"the code is {len(code)} characters long; no identifier is longer than {MAX_CODE_CHARS}",
        "请只粘贴产品上的编码或其链接。Paste only the code on the product, or its link.",
    )
    return html(body, 414)


async def resolve_or_refuse(
    request: web.Request, code: str, *, bundle: bool = False
) -> Lookup | web.Response:
    """``code`` looked up through the node's resolver, or the problem page to answer
    instead: an over-long code is refused before any lookup, a code that found no record
    gets the page that says why. Every door that shows one record starts here."""
    refused = too_long(code)
    if refused is not None:
        return refused
    found = await lookup(request.app[RESOLVER], code, bundle=bundle)
    return refusal(found) or found


async def view_or_refuse(request: web.Request, code: str) -> PageView | web.Response:
    """Like :func:`resolve_or_refuse`, with everything the page shows (:func:`gather`)."""
    found = await resolve_or_refuse(request, code, bundle=True)
    if isinstance(found, web.Response):
        return found
    return await gather(request.app[RESOLVER], request.app[ROLLUPS], found)


async def show(request: web.Request, code: str) -> web.Response:
    view = await view_or_refuse(request, code)
    if isinstance(view, web.Response):
        return view
    return html(product_page(view, pact=request.app[SETTINGS].pact))


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    code = request.query.get("q", "").strip()
    if not code:
        return html(home_page())
    return await show(request, code)


@routes.get("/id/{code:.+}")
async def page(request: web.Request) -> web.Response:
    return await show(request, request.match_info["code"])


@routes.get("/bundle/{code:.+}")
async def bundle(request: web.Request) -> web.Response:
    """The evidence bundle: the answer with signatures, chains and log proofs, as served."""
    found = await resolve_or_refuse(request, request.match_info["code"], bundle=True)
    if isinstance(found, web.Response):
        return found
    return _json_download(found.to_json(), found.handle, "bundle")


@routes.get("/footprint/{code:.+}")
async def footprint(request: web.Request) -> web.Response:
    view = await view_or_refuse(request, request.match_info["code"])
    if isinstance(view, web.Response):
        return view
    if view.footprint is None:
        return html(_no("footprint", view), 404)
    return _json_download(view.footprint.to_json(), view.lookup.handle, "footprint")


@routes.get("/report/{code:.+}")
async def report(request: web.Request) -> web.Response:
    view = await view_or_refuse(request, request.match_info["code"])
    if isinstance(view, web.Response):
        return view
    body = view.report()
    if body is None:
        return html(_no("carbon-efficiency report", view), 404)
    return html(render_html(body))


@pact_routes.get("/pact/{code:.+}")
async def pact(request: web.Request) -> web.Response:
    """The PACT v3 ProductFootprint of the verified record, as ``glid pact export`` writes it
    (served, and linked from the page, only on a node that serves PACT)."""
    found = await resolve_or_refuse(request, request.match_info["code"])
    if isinstance(found, web.Response):
        return found
    try:
        if FOOTPRINT_FIELD not in values_by_type(found):
            raise NotFound(f"the record has no {FOOTPRINT_FIELD}: it is not a product footprint")
        body = export_footprint(found.resolution, allow_unverified=False)
    except GlidError as exc:
        page = problem_page(
            "无 PACT 数据 No PACT footprint",
            f"{found.handle}: {exc}",
            "只有已验证的产品碳足迹记录才能导出为 PACT。Only a verified product footprint record "
            "exports to PACT.",
            found.asked,
        )
        return html(page, 404 if found.verified else 409)
    return _json_download(body, found.handle, "pact")


def _no(what: str, view: PageView) -> str:
    why = view.footprint_error or view.grade_error
    return problem_page(
        f"无{what} No {what}",
        f"{view.lookup.handle} has no {what}" + (f": {why}" if why else ""),
        "该记录不含所需数据。The record does not carry the data this needs.",
        view.lookup.asked,
    )


def _json_download(body: object, handle: str, kind: str) -> web.Response:
    name = quote(handle.replace("/", "_"), safe="")
    response = web.Response(
        text=json.dumps(body, ensure_ascii=False, indent=1),
        content_type="application/json",
        charset="utf-8",
    )
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}.{kind}.json"
    return response
