"""The resolution core driven by blocking HTTP (the standard library): for the CLI and
for accounting's roll-up, which asks for one level of a supply chain at a time and needs
the answers before it goes on. No event loop, no thread: each request is sent and read
in turn, with the same decisions and caches as the async resolver.
"""

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from resolver.http_client import unreachable
from resolver.resolution import (
    DEFAULT_TIMEOUT,
    BatchQuery,
    Request,
    Resolution,
    ResolverCore,
    ResolverStats,
    UpstreamError,
    run,
)
from signing.certificates import TrustAnchor
from signing.chain import HARD_FAIL


class SyncResolver:
    """A blocking resolver: one lookup at a time, caches kept across lookups."""

    def __init__(
        self,
        root: str,
        anchor: TrustAnchor,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        policy: str = HARD_FAIL,
    ) -> None:
        self.core = ResolverCore(root, anchor, policy=policy)
        self.timeout = timeout

    @property
    def stats(self) -> ResolverStats:
        return self.core.stats

    def resolve(self, text: str, *, bundle: bool = False) -> Resolution:
        return run(self.core.resolve(text, bundle), self._send)

    def resolve_many(self, texts: list[str], *, bundle: bool = False) -> list[Resolution]:
        """Resolve many identifiers with as few requests as the referral cache allows."""
        return run(self.core.resolve_many(texts, bundle), self._send)

    def _send(self, request: Request) -> Any:
        if isinstance(request, BatchQuery):
            http = urllib.request.Request(
                request.url,
                data=json.dumps(request.body).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            what = "a batch"
        else:
            query = f"?{urlencode(request.params)}" if request.params else ""
            http = urllib.request.Request(request.url + query)
            what = request.handle
        try:
            with urllib.request.urlopen(http, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:  # a 4xx answer still carries the JSON body
            if exc.code >= 500 or isinstance(request, BatchQuery):
                raise UpstreamError(f"{request.node} answered HTTP {exc.code} for {what}") from exc
            raw = exc.read()
        except (OSError, ValueError) as exc:
            raise UpstreamError(f"{unreachable(request.node, exc)} (resolving {what})") from exc
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise UpstreamError(f"{request.node} answered {what} with malformed JSON") from exc
        if not isinstance(body, dict):
            raise UpstreamError(f"{request.node} answered {what} with something not an object")
        return body
