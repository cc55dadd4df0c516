"""The resolution core: every decision of iterative resolution, and no I/O.

As dnspython's ``_Resolution`` holds the business logic its sync and async resolvers
share, :class:`ResolverCore` and :class:`Walk` decide everything here: where a lookup
starts (the deepest fresh referral cached), which query comes next, whether a referral may
be followed (strictly deeper, covering the identifier, certified to the trust anchor for
exactly that prefix by a chain valid now, unrevoked, and with a current revocation list of
every issuer in it among those the referring nodes sent, under the resolver's policy),
what an answer concludes (verified up to the anchor, with the revocation lists the
parents published on the way down), and what is cached for how long (answers by TTL,
negative answers briefly, referrals by TTL, stale answers when an upstream fails). The
drivers (:mod:`resolver.client` over aiohttp, :mod:`resolver.sync_client` over the
standard library) only move bytes.
"""

from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import orjson

from glid_core.errors import GlidError, IdentifierError
from glid_core.identifiers import Identifier, Prefix
from resolver.cache import TtlCache
from resolver.settings import RESOLVER_CACHE_BYTES
from signing.certificates import TrustAnchor, parse_certificate
from signing.chain import (
    HARD_FAIL,
    Step,
    freshness_problems,
    revocation_failure,
    validity_failure,
)
from signing.timestamps import now
from signing.verify import ChainCache, Verdict, verify_bundle

MAX_REFERRALS = 8
NEGATIVE_TTL = 60.0
DEFAULT_TIMEOUT = 5.0
BATCH_SIZE = 1000
RESOLVE_PATH = "/glid/v1/resolve"

T = TypeVar("T")


class UpstreamError(GlidError):
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
class Referral:
    prefix: Prefix
    site: str
    revocations: tuple[str, ...] = ()  # the referring parent's own revocation lists


# A decoded answer takes about 2-2.3 times its JSON bytes in memory (tracemalloc, record
# answers with and without a bundle); 3 leaves room for the verdict and the dataclasses.
DECODED_FACTOR = 3
ENTRY_OVERHEAD = 300  # bytes of dict slot, key tuple and entry object


def answer_cost(key: tuple[str, bool], resolution: Resolution) -> int:
    """What a cached answer is charged: its JSON size times what decoding it takes."""
    return DECODED_FACTOR * len(orjson.dumps(resolution.to_json())) + ENTRY_OVERHEAD


def referral_cost(prefix: Prefix, referral: Referral) -> int:
    text = len(str(prefix)) + len(referral.site) + sum(map(len, referral.revocations))
    return DECODED_FACTOR * text + ENTRY_OVERHEAD


@dataclass
class ResolverStats:
    requests: int = 0
    cache_hits: int = 0
    stale_served: int = 0
    upstream_errors: int = 0
    referrals: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Query:
    """One request a driver sends: GET ``url`` (with ``params``) and hand back the body."""

    node: str
    handle: str
    bundle: bool

    @property
    def url(self) -> str:
        return f"{self.node}{RESOLVE_PATH}/{quote(self.handle, safe='/')}"

    @property
    def params(self) -> dict[str, str]:
        return {"bundle": "1"} if self.bundle else {}


@dataclass(frozen=True, slots=True)
class BatchQuery:
    """One batch request: POST ``{"ids": handles, "bundle": bundle}`` to ``url``."""

    node: str
    members: tuple[tuple[int, Identifier], ...]  # (position in the caller's list, id)
    bundle: bool

    @property
    def url(self) -> str:
        return f"{self.node}{RESOLVE_PATH}"

    @property
    def body(self) -> dict[str, Any]:
        return {"ids": [str(identifier) for _, identifier in self.members], "bundle": self.bundle}


class Walk:
    """One identifier's way down the tree: ask :meth:`next_query`, feed :meth:`answer`,
    until :attr:`result` is set. Raises UpstreamError on a referral it must not follow."""

    def __init__(self, core: "ResolverCore", identifier: Identifier, bundle: bool) -> None:
        self.core = core
        self.identifier = identifier
        self.handle = str(identifier)
        self.bundle = bundle
        self.node, self.zone = core.start(identifier.prefix)
        self.path: list[str] = []
        self.result: Resolution | None = None

    def next_query(self) -> Query | None:
        """The next request to send, or None once the walk has concluded."""
        if self.result is not None:
            return None
        if len(self.path) > MAX_REFERRALS:
            raise UpstreamError(
                f"{self.handle}: more than {MAX_REFERRALS} referrals; the delegation tree"
                " loops or is too deep"
            )
        self.path.append(self.node)
        self.core.stats.requests += 1
        return Query(self.node, self.handle, self.bundle)

    def answer(self, body: dict[str, Any]) -> None:
        """Take the node's answer: follow a referral or conclude."""
        if body.get("status") == "referral":
            referral = self.core.check_referral(body, self.identifier, self.zone)
            self.core.learn(referral, body.get("ttl", 0))
            self.node, self.zone = referral.site, referral.prefix
            return
        self.result = self.core.conclude(self.handle, body, tuple(self.path))
        self.core.remember(self.result, self.bundle)


class ResolverCore:
    """The caches and decisions one resolver keeps across lookups."""

    def __init__(
        self,
        root: str,
        anchor: TrustAnchor,
        *,
        cache_bytes: int = RESOLVER_CACHE_BYTES,
        max_ttl: float = 86_400,
        negative_ttl: float = NEGATIVE_TTL,
        policy: str = HARD_FAIL,
    ) -> None:
        self.root = root.rstrip("/")
        self.anchor = anchor
        self.policy = policy
        self.max_ttl = max_ttl
        self.negative_ttl = negative_ttl
        # Referrals are few (one per delegated prefix) and small; answers take the rest.
        referral_bytes = cache_bytes // 8
        self.referrals: TtlCache[Prefix, Referral] = TtlCache(referral_bytes, referral_cost)
        self.answers: TtlCache[tuple[str, bool], Resolution] = TtlCache(
            cache_bytes - referral_bytes, answer_cost
        )
        self.chains = ChainCache()
        self.stats = ResolverStats()

    # --- starting --------------------------------------------------------------------

    def begin(self, text: str, bundle: bool) -> Identifier | Resolution:
        """The identifier to walk for ``text``, or the resolution already decided: a
        malformed identifier, or a fresh cached answer."""
        try:
            identifier = Identifier.from_text(text)
        except IdentifierError as exc:
            return Resolution(text, "bad_identifier", error=str(exc))
        cached = self.answers.get((str(identifier), bundle))
        if cached is not None and cached.fresh:
            self.stats.cache_hits += 1
            return replace(cached.value, cached=True)
        return identifier

    # --- the lookups, as steps a driver runs ----------------------------------------
    # Each is a generator: it yields the request to send (Query or BatchQuery), receives
    # the decoded body (or has UpstreamError thrown in when the transport failed) and
    # returns the result. :func:`run` drives one with blocking I/O; resolver.client
    # drives them with aiohttp.

    def resolve(self, text: str, bundle: bool) -> "Steps[Resolution]":
        """One identifier: the cache, else a walk down from the closest known node."""
        begun = self.begin(text, bundle)
        if isinstance(begun, Resolution):
            return begun
        return (yield from self.refresh(begun, bundle))

    def refresh(self, identifier: Identifier, bundle: bool) -> "Steps[Resolution]":
        """Walk down for ``identifier``; a stale cached answer if an upstream fails."""
        try:
            return (yield from self.walk(identifier, bundle))
        except UpstreamError as exc:
            return self.failed(str(identifier), bundle, exc)

    def walk(self, identifier: Identifier, bundle: bool) -> "Steps[Resolution]":
        """Walk down for ``identifier``; UpstreamError when a node on the way fails."""
        walk = Walk(self, identifier, bundle)
        while (query := walk.next_query()) is not None:
            walk.answer((yield query))
        assert walk.result is not None  # next_query returns None only once concluded
        return walk.result

    def resolve_many(self, texts: list[str], bundle: bool) -> "Steps[list[Resolution]]":
        """Many identifiers with as few requests as the referral cache allows: one per
        prefix is walked to learn where the prefix lives, the rest go there in batches."""
        done, groups = self.plan_many(texts, bundle)
        for (position, first), *rest in groups:
            done[position] = yield from self.refresh(first, bundle)
            queries = self.batches(rest, bundle)
            if not queries:
                for position, identifier in rest:
                    done[position] = yield from self.refresh(identifier, bundle)
            for query in queries:
                answered = yield from self.ask_batch(query)
                if answered is None:
                    done.update((yield from self.walk_each(query)))
                    continue
                for position, identifier, resolution in answered:
                    done[position] = (
                        resolution
                        if resolution is not None
                        else (yield from self.refresh(identifier, bundle))
                    )
        return [done[position] for position in range(len(texts))]

    def ask_batch(
        self, query: BatchQuery
    ) -> "Steps[list[tuple[int, Identifier, Resolution | None]] | None]":
        """Send one batch and read its answers; None when the batch fails as a whole (the
        node is down, refuses it, or answers nonsense)."""
        self.stats.requests += 1
        try:
            return self.batch_answered(query, (yield query))
        except UpstreamError:
            self.stats.upstream_errors += 1
            return None

    def walk_each(self, query: BatchQuery) -> "Steps[dict[int, Resolution]]":
        """The members of a failed batch, each walked alone, so one failed batch costs
        requests but never an identifier's answer. Once a lone walk fails as well, the node
        is taken to be down: the rest get their stale cached answer or the error without
        asking it again (a node that hangs would otherwise cost a timeout per member)."""
        done: dict[int, Resolution] = {}
        down: UpstreamError | None = None
        for position, identifier in query.members:
            if down is not None:
                done[position] = self.failed(str(identifier), query.bundle, down)
                continue
            try:
                done[position] = yield from self.walk(identifier, query.bundle)
            except UpstreamError as exc:
                down = UpstreamError(
                    f"not asked: {query.node} failed a batch and then a lookup alone ({exc})"
                )
                done[position] = self.failed(str(identifier), query.bundle, exc)
        return done

    def start(self, prefix: Prefix) -> tuple[str, Prefix | None]:
        """The deepest fresh cached referral covering ``prefix``, else the root."""
        for candidate in prefix.ancestors():
            cached = self.referrals.get(candidate)
            if cached is not None and cached.fresh:
                return cached.value.site, candidate
        return self.root, None

    # --- referrals ---------------------------------------------------------------------

    def check_referral(
        self, body: dict[str, Any], identifier: Identifier, zone: Prefix | None
    ) -> Referral:
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
        problem = self.chain_problem(chain, [*lists, *self._inherited_revocations(prefix)])
        if problem is not None:
            raise UpstreamError(
                f"{identifier}: referral to {prefix} has a bad certificate chain: {problem}"
            )
        leaf = parse_certificate(chain[-1])
        if leaf.sub != str(prefix):
            raise UpstreamError(
                f"{identifier}: referral to {prefix} is certified for {leaf.sub} instead"
            )
        return Referral(prefix, site.rstrip("/"), tuple(lists))

    def chain_problem(self, chain: list[str], lists: list[str]) -> str | None:
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

    def learn(self, referral: Referral, ttl: object) -> None:
        """Cache a checked referral for its TTL (capped)."""
        seconds = float(ttl) if isinstance(ttl, int | float) else 0.0
        self.referrals.put(referral.prefix, referral, min(self.max_ttl, seconds))
        name = str(referral.prefix)
        self.stats.referrals[name] = self.stats.referrals.get(name, 0) + 1

    # --- conclusions -------------------------------------------------------------------

    def conclude(self, handle: str, body: dict[str, Any], path: tuple[str, ...]) -> Resolution:
        """Turn an authoritative answer into a resolution, verifying a record up to the
        anchor with the parents' revocation lists added."""
        status = str(body.get("status"))
        if status != "ok":
            return Resolution(handle, status, error=body.get("error"), path=path)
        inherited = self._inherited_revocations(Identifier.from_text(handle).prefix)
        own = body.get("revocations", [])
        if inherited and isinstance(own, list):
            body = {**body, "revocations": list(dict.fromkeys([*own, *inherited]))}
        verdict = verify_bundle(
            body, self.anchor, cache=self.chains, policy=self.policy, require_latest=True
        )
        if body.get("handle") != handle:
            verdict = Verdict(False, [*verdict.steps, _wrong_handle(handle, body.get("handle"))])
        return Resolution(handle, "ok", answer=body, verdict=verdict, path=path)

    def _inherited_revocations(self, prefix: Prefix) -> list[str]:
        """The lists the parents on the way down published with their referrals: a node
        cannot hide that its parent revoked its key by leaving the list out."""
        lists: list[str] = []
        for candidate in prefix.ancestors():
            cached = self.referrals.get(candidate)
            if cached is not None:
                lists.extend(cached.value.revocations)
        return lists

    def remember(self, resolution: Resolution, bundle: bool) -> None:
        """Cache an answer by its TTL, a negative one briefly; errors are never cached."""
        if resolution.answer is not None:  # only an "ok" resolution carries an answer
            ttl = min(float(resolution.answer.get("ttl", self.max_ttl)), self.max_ttl)
        elif resolution.status in ("not_found", "deleted"):
            ttl = min(self.negative_ttl, self.max_ttl)
        else:
            return
        self.answers.put((resolution.handle, bundle), resolution, ttl)

    def failed(self, handle: str, bundle: bool, exc: UpstreamError) -> Resolution:
        """When the way down failed: the stale cached answer, marked, or the error."""
        self.stats.upstream_errors += 1
        cached = self.answers.get((handle, bundle))
        if cached is not None:
            self.stats.stale_served += 1
            return replace(cached.value, stale=True, cached=True, error=f"stale: {exc}")
        return Resolution(handle, "error", error=str(exc))

    # --- many identifiers --------------------------------------------------------------

    def plan_many(
        self, texts: list[str], bundle: bool
    ) -> tuple[dict[int, Resolution], list[list[tuple[int, Identifier]]]]:
        """Decide what a batch lookup already knows (bad ids, fresh cache hits) and group
        the rest by prefix: the first of each group is walked to learn where its prefix
        lives, the others then go to that node in batches (:meth:`batches`)."""
        done: dict[int, Resolution] = {}
        groups: dict[Prefix, list[tuple[int, Identifier]]] = {}
        for position, text in enumerate(texts):
            begun = self.begin(text, bundle)
            if isinstance(begun, Resolution):
                done[position] = begun
            else:
                groups.setdefault(begun.prefix, []).append((position, begun))
        return done, list(groups.values())

    def batches(self, members: list[tuple[int, Identifier]], bundle: bool) -> list[BatchQuery]:
        """Batch requests for a group whose prefix is now known; [] to walk each instead
        (no referral is cached for it: the root answered for it directly)."""
        if not members:
            return []
        node, zone = self.start(members[0][1].prefix)
        if zone is None:
            return []
        return [
            BatchQuery(node, tuple(members[start : start + BATCH_SIZE]), bundle)
            for start in range(0, len(members), BATCH_SIZE)
        ]

    def batch_answered(
        self, query: BatchQuery, body: object
    ) -> list[tuple[int, Identifier, Resolution | None]]:
        """Each member's resolution from a batch answer; None where the node referred the
        identifier elsewhere (walk it)."""
        answers = body.get("answers") if isinstance(body, dict) else None
        if not isinstance(answers, list) or len(answers) != len(query.members):
            raise UpstreamError(
                f"{query.node} answered a batch of {len(query.members)} with a malformed body"
            )
        out: list[tuple[int, Identifier, Resolution | None]] = []
        for (position, identifier), answer in zip(query.members, answers, strict=True):
            if not isinstance(answer, dict) or answer.get("status") == "referral":
                out.append((position, identifier, None))
                continue
            resolution = self.conclude(str(identifier), answer, (query.node,))
            self.remember(resolution, query.bundle)
            out.append((position, identifier, resolution))
        return out


Request = Query | BatchQuery
Steps = Generator[Request, Any, T]


class Progress(Generic[T]):
    """A resolution in progress: :attr:`request` to send next (None once done), then
    :meth:`feed` its outcome; :attr:`result` holds the answer at the end."""

    def __init__(self, steps: Steps[T]) -> None:
        self._steps = steps
        self.result: T
        self.request = self._advance(lambda: next(steps))

    def feed(self, outcome: Any) -> None:
        """The decoded body of :attr:`request`, or the UpstreamError sending it raised."""
        if isinstance(outcome, UpstreamError):
            self.request = self._advance(lambda: self._steps.throw(outcome))
        else:
            self.request = self._advance(lambda: self._steps.send(outcome))

    def _advance(self, step: Callable[[], Request]) -> Request | None:
        try:
            return step()
        except StopIteration as done:
            self.result = done.value
            return None


def run(steps: Steps[T], send: Callable[[Request], Any]) -> T:
    """Drive a lookup with a blocking ``send`` (request → decoded body, or UpstreamError)."""
    progress = Progress(steps)
    while progress.request is not None:
        progress.feed(outcome_of(send, progress.request))
    return progress.result


def outcome_of(send: Callable[[Request], Any], request: Request) -> Any:
    """The body ``send`` returns for ``request``, or the UpstreamError it raised."""
    try:
        return send(request)
    except UpstreamError as exc:
        return exc


def _wrong_handle(asked: str, got: object) -> Step:
    return Step("identifier", False, f"asked for {asked}, the answer is for {got}")
