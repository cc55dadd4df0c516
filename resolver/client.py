"""The buyer's resolver over aiohttp: the async driver of the resolution core.

Resolution walks the delegation tree as a DNS resolver walks zones; every decision (where
to start, whether a referral may be followed, what an answer concludes, what is cached)
is :mod:`resolver.resolution`'s, with no I/O. This driver sends the requests the core
asks for on one keep-alive session, and coalesces identical lookups in flight (single
flight), which only an event loop running many lookups at once needs. The checks a
referral passes (certified for exactly its prefix by a chain valid now, unrevoked, with
current revocation lists under the resolver's policy) are the core's too.
"""

import json
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from resolver.cache import SingleFlight
from resolver.http_client import unreachable
from resolver.resolution import (
    DEFAULT_TIMEOUT,
    NEGATIVE_TTL,
    BatchQuery,
    Progress,
    Request,
    Resolution,
    ResolverCore,
    ResolverStats,
    Steps,
    UpstreamError,
)
from resolver.settings import RESOLVER_CACHE_BYTES
from signing.certificates import TrustAnchor, parse_trust_anchor
from signing.chain import HARD_FAIL
from signing.errors import TrustAnchorError

T = TypeVar("T")


class Resolver:
    """One resolver, shared by many lookups (its caches are the point)."""

    def __init__(
        self,
        root: str,
        anchor: TrustAnchor,
        *,
        session: aiohttp.ClientSession | None = None,
        cache_bytes: int = RESOLVER_CACHE_BYTES,
        max_ttl: float = 86_400,
        negative_ttl: float = NEGATIVE_TTL,
        timeout: float = DEFAULT_TIMEOUT,
        policy: str = HARD_FAIL,
    ) -> None:
        self.core = ResolverCore(
            root,
            anchor,
            cache_bytes=cache_bytes,
            max_ttl=max_ttl,
            negative_ttl=negative_ttl,
            policy=policy,
        )
        self._session = session
        self._own_session = session is None
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.flights: SingleFlight[tuple[str, bool], Resolution] = SingleFlight()

    @property
    def stats(self) -> ResolverStats:
        return self.core.stats

    async def __aenter__(self) -> "Resolver":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def resolve(self, text: str, *, bundle: bool = False) -> Resolution:
        begun = self.core.begin(text, bundle)
        if isinstance(begun, Resolution):
            return begun
        key = (str(begun), bundle)
        return await self.flights.run(key, lambda: self._run(self.core.refresh(begun, bundle)))

    async def resolve_many(self, texts: list[str], *, bundle: bool = False) -> list[Resolution]:
        """Resolve many identifiers with as few requests as the referral cache allows."""
        return await self._run(self.core.resolve_many(texts, bundle))

    async def _run(self, steps: Steps[T]) -> T:
        """resolver.resolution.run, awaiting each request."""
        progress = Progress(steps)
        while progress.request is not None:
            progress.feed(await self._outcome(progress.request))
        return progress.result

    async def _outcome(self, request: Request) -> Any:
        """The decoded body, or the UpstreamError, that the lookup is fed."""
        try:
            return await self._send(request)
        except UpstreamError as exc:
            return exc

    async def _send(self, request: Request) -> Any:
        try:
            if isinstance(request, BatchQuery):
                async with self.session.post(request.url, json=request.body) as response:
                    return await response.json(content_type=None)
            async with self.session.get(
                request.url, params=request.params, timeout=self.timeout
            ) as response:
                if response.status >= 500:
                    raise UpstreamError(
                        f"{request.node} answered HTTP {response.status} for {request.handle}"
                    )
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise UpstreamError(
                f"{unreachable(request.node, exc)} (resolving {_what(request)})"
            ) from exc
        if not isinstance(body, dict):
            raise UpstreamError(
                f"{request.node} answered {request.handle} with something that is not an object"
            )
        return body


def _what(request: Request) -> str:
    return "a batch" if isinstance(request, BatchQuery) else request.handle


def load_trust_anchor(path: Path) -> TrustAnchor:
    """Read the top node's trust-anchor.json, handed out of band like the DNSSEC root key."""
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise TrustAnchorError(f"cannot read trust anchor {path}: {exc}") from exc
    return parse_trust_anchor(document)
