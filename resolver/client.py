"""The buyer's resolver: iterative resolution from the top node, cached and verified.

Resolution walks the delegation tree as a DNS resolver walks zones: ask the closest node
known for the identifier's prefix (the top node at first), follow referrals down, and
verify the final answer up to the trust anchor. Every referral is checked before it is
followed: it must point strictly deeper, cover the identifier, and carry a certificate
chain that verifies to the anchor for exactly the referred prefix, so a node cannot send
a client to an impostor: the chain must be valid now, unrevoked, and every issuer in it
must have a current revocation list among those the referring nodes sent. Answers,
referrals and negative answers are cached by TTL.
"""

import asyncio
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

from glid_core.errors import IdentifierError
from glid_core.identifiers import Identifier, Prefix
from resolver.cache import SingleFlight, TtlCache
from resolver.http_client import unreachable
from signing.certificates import TrustAnchor, parse_certificate, parse_trust_anchor
from signing.chain import (
    HARD_FAIL,
    Step,
    freshness_problems,
    revocation_failure,
    validity_failure,
)
from signing.errors import TrustAnchorError
from signing.timestamps import now
from signing.verify import ChainCache, Verdict, verify_bundle

MAX_REFERRALS = 8
NEGATIVE_TTL = 60.0
DEFAULT_TIMEOUT = 5.0
BATCH_SIZE = 1000


class UpstreamError(Exception):
    """A node could not be reached or answered nonsense."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a buyer gets: the answer, its verdict, and how it was obtained."""

    handle: str
    status: str  # ok | not_found | deleted | bad_identifier | error
    answer: dict[str, Any] | None = None
    verdict: Verdict | None = None
    stale: bool = False
    cached: bool = False
    path: tuple[str, ...] = ()
    error: str | None = None

    @property
    def verified(self) -> bool:
        """Signed up to the anchor *and* complete: a resolver asks for whole records, so an
        answer that leaves out signed values is reported partial, never verified."""
        return self.verdict is not None and self.verdict.complete

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"handle": self.handle, "status": self.status}
        if self.answer is not None:
            body["answer"] = self.answer
        if self.verdict is not None:
            body["verdict"] = self.verdict.to_json()
        if self.error is not None:
            body["error"] = self.error
        body.update({"stale": self.stale, "cached": self.cached, "path": list(self.path)})
        return body


@dataclass(frozen=True, slots=True)
class _Referral:
    prefix: Prefix
    site: str
    revocations: tuple[str, ...] = ()  # the referring parent's own revocation lists


@dataclass
class ResolverStats:
    requests: int = 0
    cache_hits: int = 0
    stale_served: int = 0
    upstream_errors: int = 0
    referrals: dict[str, int] = field(default_factory=dict)


class Resolver:
    """One resolver, shared by many lookups (its caches are the point)."""

    def __init__(
        self,
        root: str,
        anchor: TrustAnchor,
        *,
        session: aiohttp.ClientSession | None = None,
        cache_size: int = 10_000,
        max_ttl: float = 86_400,
        negative_ttl: float = NEGATIVE_TTL,
        timeout: float = DEFAULT_TIMEOUT,
        policy: str = HARD_FAIL,
    ) -> None:
        self.root = root.rstrip("/")
        self.anchor = anchor
        self.policy = policy
        self._session = session
        self._own_session = session is None
        self.max_ttl = max_ttl
        self.negative_ttl = negative_ttl
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.answers: TtlCache[tuple[str, bool], Resolution] = TtlCache(cache_size)
        self.referrals: TtlCache[Prefix, _Referral] = TtlCache(cache_size)
        self.chains = ChainCache()
        self.flights: SingleFlight[tuple[str, bool], Resolution] = SingleFlight()
        self.stats = ResolverStats()

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

    # --- one identifier -------------------------------------------------------------

    async def resolve(self, text: str, *, bundle: bool = False) -> Resolution:
        try:
            handle = str(Identifier.from_text(text))
        except IdentifierError as exc:
            return Resolution(text, "bad_identifier", error=str(exc))
        key = (handle, bundle)
        cached = self.answers.get(key)
        if cached is not None and cached.fresh:
            self.stats.cache_hits += 1
            return replace(cached.value, cached=True)
        return await self.flights.run(key, lambda: self._refresh(handle, bundle))

    async def _refresh(self, handle: str, bundle: bool) -> Resolution:
        try:
            resolution = await self._iterate(handle, bundle)
        except UpstreamError as exc:
            self.stats.upstream_errors += 1
            cached = self.answers.get((handle, bundle))
            if cached is not None:
                self.stats.stale_served += 1
                return replace(cached.value, stale=True, cached=True, error=f"stale: {exc}")
            return Resolution(handle, "error", error=str(exc))
        self._remember(resolution, bundle)
        return resolution

    def _remember(self, resolution: Resolution, bundle: bool) -> None:
        if resolution.status == "ok" and resolution.answer is not None:
            ttl = min(float(resolution.answer.get("ttl", self.max_ttl)), self.max_ttl)
        elif resolution.status in ("not_found", "deleted"):
            ttl = min(self.negative_ttl, self.max_ttl)
        else:
            return
        self.answers.put((resolution.handle, bundle), resolution, ttl)

    def _start(self, prefix: Prefix) -> tuple[str, Prefix | None]:
        """The deepest cached referral covering ``prefix`` (even stale ones), else the root."""
        for candidate in [prefix, *prefix.ancestors()]:
            cached = self.referrals.get(candidate)
            if cached is not None and cached.fresh:
                return cached.value.site, candidate
        return self.root, None

    async def _iterate(self, handle: str, bundle: bool) -> Resolution:
        identifier = Identifier.from_text(handle)
        url, zone = self._start(identifier.prefix)
        path: list[str] = []
        for _ in range(MAX_REFERRALS + 1):
            path.append(url)
            body = await self._get(url, handle, bundle)
            status = body.get("status")
            if status == "referral":
                referral = self._check_referral(body, identifier, zone)
                self.referrals.put(referral.prefix, referral, min(self.max_ttl, body.get("ttl", 0)))
                self.stats.referrals[str(referral.prefix)] = (
                    self.stats.referrals.get(str(referral.prefix), 0) + 1
                )
                url, zone = referral.site, referral.prefix
                continue
            return self._conclude(handle, body, tuple(path))
        raise UpstreamError(
            f"{handle}: more than {MAX_REFERRALS} referrals; the delegation tree loops or is"
            " too deep"
        )

    def _conclude(self, handle: str, body: dict[str, Any], path: tuple[str, ...]) -> Resolution:
        status = str(body.get("status"))
        if status != "ok":
            return Resolution(handle, status, error=body.get("error"), path=path)
        inherited = self._inherited_revocations(Identifier.from_text(handle).prefix)
        own = body.get("revocations", [])
        if inherited and isinstance(own, list):
            body = {**body, "revocations": list(dict.fromkeys([*own, *inherited]))}
        verdict = verify_bundle(body, self.anchor, cache=self.chains, policy=self.policy)
        if body.get("handle") != handle:
            verdict = Verdict(False, [*verdict.steps, _wrong_handle(handle, body.get("handle"))])
        return Resolution(handle, "ok", answer=body, verdict=verdict, path=path)

    def _inherited_revocations(self, prefix: Prefix) -> list[str]:
        """The lists the parents on the way down published with their referrals: a node
        cannot hide that its parent revoked its key by leaving the list out."""
        lists: list[str] = []
        for candidate in [prefix, *prefix.ancestors()]:
            cached = self.referrals.get(candidate)
            if cached is not None:
                lists.extend(cached.value.revocations)
        return lists

    def _check_referral(
        self, body: dict[str, Any], identifier: Identifier, zone: Prefix | None
    ) -> _Referral:
        """Refuse referrals that go sideways, upwards, or to a node not certified for them."""
        referral = body.get("referral")
        if not isinstance(referral, dict):
            raise UpstreamError(f"{identifier}: malformed referral")
        try:
            prefix = Prefix.from_text(str(referral.get("prefix")))
        except IdentifierError as exc:
            raise UpstreamError(f"{identifier}: referral names a bad prefix: {exc}") from exc
        site, chain = referral.get("site"), referral.get("chain")
        if not identifier.prefix.is_under(prefix):
            raise UpstreamError(f"{identifier}: referral to {prefix}, which does not cover it")
        if zone is not None and (prefix == zone or not prefix.is_under(zone)):
            raise UpstreamError(
                f"{identifier}: referral from {zone} to {prefix} does not go deeper (a loop)"
            )
        if not isinstance(site, str) or not site.startswith(("http://", "https://")):
            raise UpstreamError(f"{identifier}: referral to {prefix} has no usable site")
        if not isinstance(chain, list) or not chain:
            raise UpstreamError(f"{identifier}: referral to {prefix} carries no certificate")
        lists = body.get("revocations", [])
        if not isinstance(lists, list) or not all(isinstance(token, str) for token in lists):
            raise UpstreamError(f"{identifier}: referral to {prefix} has malformed revocations")
        problem = self._chain_problem(chain, [*lists, *self._inherited_revocations(prefix)])
        if problem is not None:
            raise UpstreamError(
                f"{identifier}: referral to {prefix} has a bad certificate chain: {problem}"
            )
        leaf = parse_certificate(chain[-1])
        if leaf.sub != str(prefix):
            raise UpstreamError(
                f"{identifier}: referral to {prefix} is certified for {leaf.sub} instead"
            )
        return _Referral(prefix, site.rstrip("/"), tuple(lists))

    def _chain_problem(self, chain: list[str], lists: list[str]) -> str | None:
        """Why a referral's chain cannot be followed now, under this resolver's policy."""
        verdict = self.chains.chain(self.anchor, chain, lists)
        moment = now()
        failure = (
            verdict.failure
            or validity_failure(verdict, ((moment, len(chain), "when the referral is followed"),))
            or revocation_failure(verdict, moment, moment)
        )
        if failure is not None:
            return f"{failure.name}: {failure.detail}"
        stale = freshness_problems(verdict, moment)
        if stale and self.policy == HARD_FAIL:
            return f"revocation: {HARD_FAIL}: {'; '.join(stale)}"
        return None

    async def _get(self, url: str, handle: str, bundle: bool) -> dict[str, Any]:
        self.stats.requests += 1
        target = f"{url}/glid/v1/resolve/{quote(handle, safe='/')}"
        try:
            async with self.session.get(
                target, params={"bundle": "1"} if bundle else None, timeout=self.timeout
            ) as response:
                if response.status >= 500:
                    raise UpstreamError(f"{url} answered HTTP {response.status} for {handle}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise UpstreamError(f"{unreachable(url, exc)} (resolving {handle})") from exc
        if not isinstance(body, dict):
            raise UpstreamError(f"{url} answered {handle} with something that is not an object")
        return body

    # --- many identifiers -----------------------------------------------------------

    async def resolve_many(self, texts: list[str], *, bundle: bool = False) -> list[Resolution]:
        """Resolve many identifiers with as few requests as the referral cache allows.

        One identifier per prefix is resolved iteratively to learn where that prefix
        lives; the rest go to their authoritative node in batches of BATCH_SIZE.
        """
        results: dict[int, Resolution] = {}
        groups: dict[Prefix, list[tuple[int, str]]] = {}
        for position, text in enumerate(texts):
            try:
                handle = str(Identifier.from_text(text))
            except IdentifierError as exc:
                results[position] = Resolution(text, "bad_identifier", error=str(exc))
                continue
            cached = self.answers.get((handle, bundle))
            if cached is not None and cached.fresh:
                self.stats.cache_hits += 1
                results[position] = replace(cached.value, cached=True)
                continue
            groups.setdefault(Identifier.from_text(handle).prefix, []).append((position, handle))
        for members in groups.values():
            first_position, first = members[0]
            results[first_position] = await self.resolve(first, bundle=bundle)
            for position, resolution in await self._batch(members[1:], bundle):
                results[position] = resolution
        return [results[position] for position in range(len(texts))]

    async def _batch(
        self, members: list[tuple[int, str]], bundle: bool
    ) -> list[tuple[int, Resolution]]:
        if not members:
            return []
        url, zone = self._start(Identifier.from_text(members[0][1]).prefix)
        if zone is None:
            return [(p, await self.resolve(h, bundle=bundle)) for p, h in members]
        out: list[tuple[int, Resolution]] = []
        for start in range(0, len(members), BATCH_SIZE):
            chunk = members[start : start + BATCH_SIZE]
            answers = await self._post_batch(url, [h for _, h in chunk], bundle)
            for (position, handle), body in zip(chunk, answers, strict=True):
                if body.get("status") == "referral":
                    resolution = await self.resolve(handle, bundle=bundle)
                else:
                    resolution = self._conclude(handle, body, (url,))
                    self._remember(resolution, bundle)
                out.append((position, resolution))
        return out

    async def _post_batch(self, url: str, handles: list[str], bundle: bool) -> list[Any]:
        self.stats.requests += 1
        try:
            async with self.session.post(
                f"{url}/glid/v1/resolve", json={"ids": handles, "bundle": bundle}
            ) as response:
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise UpstreamError(f"{unreachable(url, exc)} (resolving a batch)") from exc
        answers = body.get("answers") if isinstance(body, dict) else None
        if not isinstance(answers, list) or len(answers) != len(handles):
            raise UpstreamError(f"{url} answered a batch of {len(handles)} with a malformed body")
        return answers


def _wrong_handle(asked: str, got: object) -> Step:
    return Step("identifier", False, f"asked for {asked}, the answer is for {got}")


def load_trust_anchor(path: Path) -> TrustAnchor:
    """Read the top node's trust-anchor.json, handed out of band like the DNSSEC root key."""
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise TrustAnchorError(f"cannot read trust anchor {path}: {exc}") from exc
    return parse_trust_anchor(document)


def resolve_sync(
    root: str, anchor: TrustAnchor, texts: list[str], *, bundle: bool, policy: str = HARD_FAIL
) -> list[Resolution]:
    """For the CLI: resolve and close, in a fresh event loop."""

    async def run() -> list[Resolution]:
        async with Resolver(root, anchor, policy=policy) as resolver:
            return await resolver.resolve_many(texts, bundle=bundle)

    return asyncio.run(run())
