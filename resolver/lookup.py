"""Any identifier a buyer holds, resolved to its verified record: the one entry point.

A buyer may hold a native handle, a Handle proxy URL, a GTIN, a GS1 Digital Link or element
string, an EPC URI, an OID, an Ecode, a private code, or the URL of a node's product page.
:func:`canonical` turns each into the canonical glid identifier
(:mod:`registry.schemes`); the resolver then resolves that identifier like any other.

A foreign code's canonical identifier lives under its scheme's home prefix (``88.gs1``,
``88.oid``, ``88.ecode``), a prefix delegated from the top node like any other. The node
holding it keeps one signed **alias record** per mapped code, whose ``HS_ALIAS`` value
names the product's native identifier; the resolver verifies that alias to the trust
anchor, then resolves and verifies its target. The answer is verified only if both are,
and it names every identifier on the way (docs/FORMATS.md, "Scheme mapping").
"""

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from glid_core.errors import IdentifierError
from glid_core.identifiers import Identifier
from registry.schemes import DEFAULT_SCHEMES, Canonical, SchemeMap, to_canonical
from resolver.client import Resolver
from resolver.resolution import Resolution
from signing.certificates import TrustAnchor
from signing.chain import HARD_FAIL

ALIAS_TYPE = "HS_ALIAS"
PAGE_PATH = "/id/"


@dataclass(frozen=True, slots=True)
class Lookup:
    """What an identifier of any scheme resolved to, and through which alias."""

    asked: str
    scheme: str
    canonical: str
    resolution: Resolution  # the product record's (the alias target's, when there is one)
    alias: Resolution | None = None  # the scheme home's signed alias record, if followed

    @property
    def verified(self) -> bool:
        return self.resolution.verified and (self.alias is None or self.alias.verified)

    @property
    def handle(self) -> str:
        """The native identifier of the record finally shown."""
        return self.resolution.handle

    @property
    def problem(self) -> str | None:
        """Why the lookup did not give a verified record, in a sentence; None if it did."""
        for step in (self.alias, self.resolution):
            if step is None:
                continue
            if step.status != "ok":
                return f"{step.handle}: {step.status}" + (f" ({step.error})" if step.error else "")
            if step.verdict is not None and not step.verdict.valid:
                failed = step.verdict.failed
                detail = "" if failed is None else f" at {failed.name}: {failed.detail}"
                return f"{step.handle} did not verify{detail}"
        return None

    def to_json(self) -> dict[str, Any]:
        body = self.resolution.to_json()
        body.update({"asked": self.asked, "scheme": self.scheme, "canonical": self.canonical})
        if self.alias is not None:
            body["alias"] = self.alias.to_json()
        body["verified"] = self.verified
        return body


def canonical(text: str, schemes: SchemeMap | None = None) -> Canonical:
    """The canonical identifier for ``text`` in any scheme; raise an IdentifierError naming
    what is wrong. A node's page URL (``…/id/{identifier}``) stands for that identifier."""
    text = text.strip()
    if text[:8].lower().startswith(("http://", "https://")):
        path = urlsplit(text).path
        if path.startswith(PAGE_PATH):
            inner = unquote(path[len(PAGE_PATH) :])
            found = canonical(inner, schemes)
            return Canonical(found.identifier, found.scheme, text)
    return to_canonical(text, schemes or DEFAULT_SCHEMES)


def alias_target(resolution: Resolution) -> str | None:
    """The identifier an alias record points to, or None for an ordinary record."""
    if resolution.answer is None:
        return None
    for value in resolution.answer.get("values", []):
        if value.get("type") == ALIAS_TYPE:
            data = value.get("data", {})
            target = data.get("value") if isinstance(data, dict) else None
            return target if isinstance(target, str) else ""
    return None


async def lookup(resolver: Resolver, text: str, *, bundle: bool = False) -> Lookup:
    """Resolve ``text`` in any scheme, following one verified alias."""
    return (await lookup_many(resolver, [text], bundle=bundle))[0]


async def lookup_many(
    resolver: Resolver, texts: list[str], *, bundle: bool = False
) -> list[Lookup]:
    """Resolve many identifiers of any scheme: canonical ids in one batched pass, then the
    targets of the aliases found in a second."""
    found: list[Canonical | Resolution] = []
    for text in texts:
        try:
            found.append(canonical(text))
        except IdentifierError as exc:
            found.append(Resolution(text, "bad_identifier", error=str(exc)))
    wanted = [str(item.identifier) for item in found if isinstance(item, Canonical)]
    first = iter(await resolver.resolve_many(wanted, bundle=bundle))
    steps = [next(first) if isinstance(item, Canonical) else item for item in found]
    await _widen_gs1(resolver, steps, bundle)
    targets = [_target_of(step) for step in steps]
    second = iter(
        await resolver.resolve_many([t for t in targets if isinstance(t, str)], bundle=bundle)
    )
    lookups = []
    for text, item, step, target in zip(texts, found, steps, targets, strict=True):
        scheme, name = (
            (item.scheme, str(item.identifier)) if isinstance(item, Canonical) else ("", text)
        )
        if isinstance(target, str):
            lookups.append(Lookup(text, scheme, name, _not_alias(next(second)), alias=step))
        elif isinstance(target, Resolution):
            lookups.append(Lookup(text, scheme, name, target, alias=step))
        else:
            lookups.append(Lookup(text, scheme, name, step))
    return lookups


async def _widen_gs1(resolver: Resolver, steps: list[Resolution], bundle: bool) -> None:
    """A GS1 key with a serial or lot that is not mapped falls back to the less qualified
    key (serial, then lot, dropped), as GS1 resolvers walk up the qualifier path."""
    for _ in range(2):
        retry = [
            (position, broader)
            for position, step in enumerate(steps)
            if step.status == "not_found" and (broader := gs1_broader(step.handle)) is not None
        ]
        if not retry:
            return
        again = await resolver.resolve_many([broader for _, broader in retry], bundle=bundle)
        for (position, _), resolution in zip(retry, again, strict=True):
            steps[position] = resolution


def gs1_broader(handle: str) -> str | None:
    """``88.gs1/01/{gtin}/10/{lot}/21/{serial}`` without its last qualifier, or None."""
    identifier = Identifier.from_text(handle)
    if identifier.prefix != DEFAULT_SCHEMES.home("gs1"):
        return None
    head, separator, _ = identifier.suffix.rpartition("/")
    head, separator, _ = head.rpartition("/")
    if not separator or head.count("/") < 1:
        return None
    return f"{identifier.prefix}/{head}"


def _not_alias(final: Resolution) -> Resolution:
    if alias_target(final) is None:
        return final
    return Resolution(
        final.handle,
        "error",
        error=f"{final.handle} is itself an alias; aliases are followed one step only",
    )


def _target_of(step: Resolution) -> str | Resolution | None:
    """Where an alias leads: the target id to resolve, a refusal, or None (no alias).

    An alias that did not verify is not followed: its target is unproven. An alias to
    another alias is refused rather than chased, so a mapping cannot loop.
    """
    target = alias_target(step)
    if target is None:
        return None
    if not step.verified:
        return Resolution(step.handle, "error", error="the alias record did not verify")
    try:
        return str(Identifier.from_text(target))
    except IdentifierError as exc:
        return Resolution(target, "bad_identifier", error=f"alias {step.handle}: {exc}")


def lookup_sync(
    root: str, anchor: TrustAnchor, texts: list[str], *, bundle: bool, policy: str = HARD_FAIL
) -> list[Lookup]:
    """For the CLI: look up and close, in a fresh event loop."""

    async def run() -> list[Lookup]:
        async with Resolver(root, anchor, policy=policy) as resolver:
            return await lookup_many(resolver, texts, bundle=bundle)

    return asyncio.run(run())
