"""The proposer's and registrar's side of template review over the network.

Three calls, one per exchange of docs/formats/templates.md §5.2: propose a template to its
reviewer as an admin identity (Basic credentials), register one at the top node with a
signed registration document, and read a template's state (and body) from another node.
"""

from typing import Any
from urllib.parse import quote

import aiohttp

from glid_core.errors import GlidError
from resolver.http_client import basic_credentials, unreachable


class TemplateExchangeFailed(GlidError):
    """The other node could not be reached, or it refused the template."""


async def _call(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, url, json=body, headers=headers) as response,
        ):
            answer = await response.json(content_type=None)
            status = response.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise TemplateExchangeFailed(unreachable(url, exc)) from exc
    if not isinstance(answer, dict):
        raise TemplateExchangeFailed(f"{url} answered with something that is not an object")
    if status >= 400:
        raise TemplateExchangeFailed(f"{url} refused ({status}): {answer.get('error', status)}")
    return answer


def _templates(base: str) -> str:
    return f"{base.rstrip('/')}/glid/v1/templates"


async def propose(base: str, template: Any, identity: str, secret: str) -> dict[str, Any]:
    """POST a template document to its reviewer; answers the stored entry."""
    auth = {"Authorization": basic_credentials(identity, secret)}
    return await _call("POST", _templates(base), template, auth)


async def register(base: str, document: dict[str, Any]) -> dict[str, Any]:
    """POST a signed registration document to the top node; answers the top's entry."""
    return await _call("POST", f"{_templates(base)}/registrations", document)


async def fetch(base: str, ref: str) -> dict[str, Any]:
    """GET a template entry in any state, with its body."""
    return await _call("GET", f"{_templates(base)}/{quote(ref, safe='/@')}?state=any")
