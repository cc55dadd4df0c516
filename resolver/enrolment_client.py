"""The child's side of network enrolment: send the request, later fetch the chain."""

from typing import Any

import aiohttp

from glid_core.errors import GlidError
from resolver.http_client import unreachable


class EnrolmentFailed(GlidError):
    """The parent node could not be reached or refused the request."""


async def _call(method: str, url: str, body: Any = None) -> dict[str, Any]:
    try:
        async with aiohttp.ClientSession() as http, http.request(method, url, json=body) as r:
            answer = await r.json(content_type=None)
            if r.status >= 400:
                raise EnrolmentFailed(f"{url} refused: {answer.get('error', r.status)}")
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise EnrolmentFailed(unreachable(url, exc)) from exc
    if not isinstance(answer, dict):
        raise EnrolmentFailed(f"{url} answered with something that is not an object")
    return answer


async def submit(parent: str, request: Any, site: str | None) -> dict[str, Any]:
    return await _call(
        "POST", f"{parent.rstrip('/')}/glid/v1/delegations", {"request": request, "site": site}
    )


async def fetch(parent: str, prefix: str) -> dict[str, Any]:
    return await _call("GET", f"{parent.rstrip('/')}/glid/v1/delegations/{prefix}")
