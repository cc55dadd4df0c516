"""Bundle verification: record → key → certificates → trust anchor, revocation, log.

:func:`verify_bundle` never raises on bad data: it returns a :class:`Verdict` listing
each step it took, so an operator sees *which* link failed and why. Everything that does
not depend on the record (certificate signatures and links, revocation-list signatures)
is a function of the chain tokens, the anchor and the revocation lists alone, and is
kept in a :class:`ChainCache`; with it, verifying many records under one chain costs
about one Ed25519 verification per record.
"""

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple, NoReturn

from glid_core.errors import GlidError
from glid_core.identifiers import is_within, prefix_of
from signing.b64 import b64_decode
from signing.certificates import (
    DELEGATE,
    SIGN,
    Certificate,
    TrustAnchor,
    parse_certificate,
    parse_trust_anchor,
)
from signing.checkpoint import Checkpoint, key_id, parse_checkpoint
from signing.jws import check_signature
from signing.keys import VerifyKey
from signing.merkle import leaf_hash, log_leaf, record_digest, verify_inclusion
from signing.record_signature import (
    RecordClaims,
    check_digests,
    parse_record_signature,
    template_id,
)
from signing.revocation import COMPROMISED, RevocationEntry, parse_revocation_list
from signing.timestamps import iso, now, numeric_date

MAX_CHAIN_LENGTH = 8
_ALWAYS = (-(2**63), 2**63)  # the validity window of a chain with no certificates
CLOCK_SKEW = 300


class Step(NamedTuple):
    """One check and its outcome, worded for an operator.

    A NamedTuple rather than a frozen dataclass: every verification makes about ten, and a
    tuple is built several times faster, which shows in bulk verification.
    """

    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of :func:`verify_bundle`; ``indexes`` are the value indexes checked."""

    valid: bool
    steps: list[Step]
    indexes: tuple[int, ...] = ()

    @property
    def failed(self) -> Step | None:
        """The first failing step (verification stops there), or None when valid."""
        return next((step for step in self.steps if not step.ok), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "indexes": list(self.indexes),
            "steps": [step.to_json() for step in self.steps],
        }


@dataclass(frozen=True, slots=True)
class _Signer:
    """A key that may sign in some subtree: the trust anchor or a certified key."""

    prefix: str
    pfx: str
    key: VerifyKey
    perms: frozenset[str]
    certificate: Certificate | None
    # How verdicts name this key; written once per chain, read by every record under it.
    description: str = field(init=False)

    def __post_init__(self) -> None:
        kid, certificate = self.key.kid, self.certificate
        described = (
            f"trust anchor {self.prefix} (key {kid})"
            if certificate is None
            else f"key {kid} of {self.prefix} (certificate {certificate.jti})"
        )
        object.__setattr__(self, "description", described)


_Revocation = tuple[RevocationEntry, int, str]  # entry, list iat, list issuer


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    """What a chain and its revocation lists establish, independent of any record."""

    steps: tuple[Step, ...]
    failure: Step | None
    certificates: tuple[Certificate, ...]
    signers: tuple[_Signer, ...]
    revocations: tuple[tuple[_Revocation, ...], ...] = ()
    revocation_note: str = ""
    revocation_failure: Step | None = None
    # When every certificate is valid at once: a record signed inside this window needs no
    # per-certificate check.
    window: tuple[int, int] = _ALWAYS


@dataclass
class ChainCache:
    """A bounded LRU of chain verdicts and checkpoint checks, shared across verifications."""

    maxsize: int = 4096
    hits: int = 0
    misses: int = 0
    _chains: OrderedDict[tuple[Any, ...], ChainVerdict] = field(default_factory=OrderedDict)
    _notes: OrderedDict[tuple[Any, ...], tuple[Checkpoint, VerifyKey] | str] = field(
        default_factory=OrderedDict
    )

    def chain(
        self, anchor: TrustAnchor, chain: Sequence[str], revocations: Sequence[str]
    ) -> ChainVerdict:
        key = (anchor.prefix, anchor.key.kid, tuple(chain), tuple(revocations))
        verdict = self._chains.get(key)
        if verdict is not None:
            self.hits += 1
            self._chains.move_to_end(key)
            return verdict
        self.misses += 1
        verdict = check_chain(anchor, chain, revocations)
        self._remember(self._chains, key, verdict)
        return verdict

    def checkpoint(
        self, note: str, keys: Sequence[VerifyKey]
    ) -> tuple[Checkpoint, VerifyKey] | str:
        key = (note, *(k.kid for k in keys))
        found = self._notes.get(key)
        if found is None:
            found = _open_note(note, keys)
            self._remember(self._notes, key, found)
        return found

    def _remember(self, table: OrderedDict[Any, Any], key: Any, value: Any) -> None:
        table[key] = value
        if len(table) > self.maxsize:
            table.popitem(last=False)


def check_chain(
    anchor: TrustAnchor, chain: Sequence[str], revocations: Sequence[str]
) -> ChainVerdict:
    """Check every certificate link from ``anchor`` down, then the revocation lists."""
    root = _Signer(anchor.prefix, anchor.prefix, anchor.key, frozenset({DELEGATE, SIGN}), None)
    if len(chain) > MAX_CHAIN_LENGTH:
        failure = Step(
            "chain", False, f"{len(chain)} certificates; at most {MAX_CHAIN_LENGTH} are allowed"
        )
        return ChainVerdict((), failure, (), ())
    steps = [Step("chain", True, f"{len(chain)} certificate(s) below trust anchor {anchor.prefix}")]
    certificates: list[Certificate] = []
    signers = [root]
    for i, token in enumerate(chain):
        name = f"certificate[{i}]"
        try:
            certificate = parse_certificate(token)
        except GlidError as exc:
            return ChainVerdict(tuple(steps), Step(name, False, f"unreadable: {exc}"), (), ())
        issuer = signers[-1]
        problem = _link_problem(issuer, certificate)
        if problem is None:
            try:
                certificate.verify_signature(issuer.key)
            except GlidError as exc:
                problem = f"not signed by {issuer.description}: {exc}"
        if problem is not None:
            return ChainVerdict(
                tuple(steps), Step(name, False, f"{certificate.sub}: {problem}"), (), ()
            )
        certificates.append(certificate)
        signers.append(
            _Signer(
                certificate.sub,
                certificate.pfx,
                certificate.key,
                certificate.perms,
                certificate,
            )
        )
        steps.append(
            Step(
                name,
                True,
                f"{certificate.iss} certifies key {certificate.key.kid} for {certificate.sub}"
                f" (subtree {certificate.pfx}, perms {','.join(sorted(certificate.perms))}),"
                f" signed by {issuer.description}; valid {iso(certificate.nbf)} to"
                f" {iso(certificate.exp)}",
            )
        )
    window = (
        (max(c.nbf for c in certificates), min(c.exp for c in certificates))
        if certificates
        else _ALWAYS
    )
    verdict = ChainVerdict(tuple(steps), None, tuple(certificates), tuple(signers), window=window)
    return _with_revocations(verdict, revocations)


def _link_problem(issuer: _Signer, certificate: Certificate) -> str | None:
    if certificate.iss != issuer.prefix:
        return f"issued in the name of {certificate.iss}, but the link above is {issuer.prefix}"
    if DELEGATE not in issuer.perms:
        return f"issuer {issuer.description} has no 'delegate' permission"
    if not is_within(certificate.sub, issuer.pfx):
        return f"subject lies outside the issuer's permitted subtree {issuer.pfx}"
    if not is_within(certificate.pfx, issuer.pfx):
        return f"permitted subtree {certificate.pfx} exceeds the issuer's {issuer.pfx}"
    return None


def _with_revocations(verdict: ChainVerdict, tokens: Sequence[str]) -> ChainVerdict:
    applicable: list[list[_Revocation]] = [[] for _ in verdict.certificates]
    used: list[str] = []
    ignored: list[str] = []
    for j, token in enumerate(tokens):
        try:
            crl = parse_revocation_list(token)
        except GlidError as exc:
            failure = Step("revocation", False, f"revocation list [{j}] is unreadable: {exc}")
            return _replace_revocations(verdict, (), "", failure)
        label = f"{crl.iss}#{crl.seq}"
        issuer = next(
            (
                s
                for s in verdict.signers
                if s.prefix == crl.iss and s.key.kid == crl.issuer_kid and DELEGATE in s.perms
            ),
            None,
        )
        if issuer is None:
            ignored.append(label)
            continue
        try:
            crl.verify_signature(issuer.key)
        except GlidError as exc:
            failure = Step("revocation", False, f"revocation list {label} is forged: {exc}")
            return _replace_revocations(verdict, (), "", failure)
        used.append(label)
        for entry in crl.entries:
            for i, certificate in enumerate(verdict.certificates):
                if is_within(certificate.sub, crl.iss) and entry.covers(
                    certificate.key.kid, certificate.sub
                ):
                    applicable[i].append((entry, crl.iat, crl.iss))
    note = f"lists checked: {', '.join(used) or 'none'}"
    if ignored:
        note += f"; ignored (issuer not in this chain): {', '.join(ignored)}"
    return _replace_revocations(verdict, tuple(map(tuple, applicable)), note, None)


def _replace_revocations(
    verdict: ChainVerdict,
    revocations: tuple[tuple[_Revocation, ...], ...],
    note: str,
    failure: Step | None,
) -> ChainVerdict:
    return replace(
        verdict, revocations=revocations, revocation_note=note, revocation_failure=failure
    )


def _open_note(note: str, keys: Sequence[VerifyKey]) -> tuple[Checkpoint, VerifyKey] | str:
    try:
        checkpoint = parse_checkpoint(note)
    except GlidError as exc:
        return f"checkpoint unreadable: {exc}"
    for key in keys:
        wanted = key_id(checkpoint.origin, key)
        if any(s.name == checkpoint.origin and s.key_id == wanted for s in checkpoint.signatures):
            try:
                checkpoint.verify(key)
            except GlidError as exc:
                return str(exc)
            return checkpoint, key
    return (
        f"checkpoint of {checkpoint.origin!r} is not signed by any key in this chain:"
        " it comes from a different log"
    )


_NONE: list[str] = []  # an absent chain or revocation list; never modified


class _Stop(Exception):
    """Ends a verification at its first failing step."""


class _Run:
    def __init__(self) -> None:
        self.steps: list[Step] = []

    def ok(self, name: str, detail: str) -> None:
        self.steps.append(Step(name, True, detail))

    def fail(self, name: str, detail: str) -> NoReturn:
        self.steps.append(Step(name, False, detail))
        raise _Stop

    def add(self, step: Step) -> None:
        self.steps.append(step)
        if not step.ok:
            raise _Stop


def verify_bundle(
    bundle: Mapping[str, Any],
    anchor: TrustAnchor | Mapping[str, Any],
    *,
    at: int | datetime | None = None,
    cache: ChainCache | None = None,
) -> Verdict:
    """Verify a record bundle against ``anchor`` as of ``at`` (default: now).

    Pass one :class:`ChainCache` to every call in a bulk verification.
    """
    run = _Run()
    try:
        indexes = _verify(run, bundle, anchor, at, cache)
    except _Stop:
        return Verdict(False, run.steps)
    except (TypeError, ValueError, KeyError, AttributeError, GlidError) as exc:
        # A shape no explicit check anticipated: still a verdict, never an exception.
        step = run.steps[-1].name if run.steps else "parse"
        run.steps.append(Step(step, False, f"malformed bundle: {type(exc).__name__}: {exc}"))
        return Verdict(False, run.steps)
    return Verdict(True, run.steps, indexes)  # every step passed: a failure raises _Stop


def _fields(run: _Run, bundle: Any) -> tuple[str, int, list[Any], str, list[Any], list[Any]]:
    if not isinstance(bundle, Mapping):
        run.fail("parse", "a bundle must be a JSON object")
    get = bundle.get
    handle, version, values, signature = (
        get("handle"),
        get("version"),
        get("values"),
        get("signature"),
    )
    chain, revocations = get("chain", _NONE), get("revocations", _NONE)
    if not isinstance(handle, str) or type(version) is not int:
        run.fail("parse", "bundle needs a string handle and an integer version")
    if not isinstance(values, list) or not (
        _all_of_type(values, dict) or all(isinstance(v, Mapping) for v in values)
    ):
        run.fail("parse", f"{handle}: values must be a list of objects")
    if not isinstance(signature, str):
        run.fail("parse", f"{handle}: the bundle carries no record signature")
    for name, tokens in (("chain", chain), ("revocations", revocations)):
        if not isinstance(tokens, list) or not _all_of_type(tokens, str):
            run.fail("parse", f"{handle}: {name} must be a list of compact JWS strings")
    return handle, version, values, signature, chain, revocations


def _all_of_type(items: list[Any], kind: type) -> bool:
    # Exact types, checked in C: this runs on every bundle of a bulk verification.
    return not items or set(map(type, items)) == {kind}


def _verify(
    run: _Run,
    bundle: Mapping[str, Any],
    anchor_in: TrustAnchor | Mapping[str, Any],
    at_in: int | datetime | None,
    cache: ChainCache | None,
) -> tuple[int, ...]:
    handle, version, values, token, chain, revocation_tokens = _fields(run, bundle)
    at = numeric_date(at_in) if at_in is not None else now()
    asked = bundle.get("indexes")
    if asked is not None and (
        not isinstance(asked, list) or not all(type(i) is int for i in asked)
    ):
        run.fail("parse", f"{handle}: indexes must be a list of integers")
    try:
        anchor = anchor_in if isinstance(anchor_in, TrustAnchor) else parse_trust_anchor(anchor_in)
        parsed, claims = parse_record_signature(token)
        record_prefix = prefix_of(handle)
    except GlidError as exc:
        run.fail("parse", f"{handle}: {exc}")
    if claims.id != handle or claims.ver != version:
        run.fail(
            "parse",
            f"the signature is for {claims.id} version {claims.ver}, the bundle holds"
            f" {handle} version {version}",
        )
    if claims.iat > at + CLOCK_SKEW:
        run.fail("parse", f"{handle}: signed at {iso(claims.iat)}, after {iso(at)}")
    run.ok("parse", f"{handle} version {version}, signed by key {claims.kid} at {iso(claims.iat)}")

    try:
        checked = check_digests(claims, values, asked)
    except GlidError as exc:
        run.fail("digests", str(exc))
    scope = "all signed values" if asked is None else "filtered response"
    run.ok("digests", f"{scope}: indexes {', '.join(map(str, checked))} match")

    chain_verdict = (cache.chain if cache is not None else check_chain)(
        anchor, chain, revocation_tokens
    )
    if chain_verdict.failure is not None:  # no trustworthy key to check the record with
        for step in chain_verdict.steps:
            run.add(step)
        run.add(chain_verdict.failure)
    signer = chain_verdict.signers[-1]
    try:
        check_signature(parsed, signer.key)
    except GlidError as exc:
        run.fail("signature", f"{handle}: {exc} (the chain certifies {signer.description})")
    run.ok("signature", f"verified with {signer.description}")

    _check_key(run, signer, record_prefix, values)
    _check_certificates(run, chain_verdict, claims)
    _check_revocations(run, chain_verdict, claims, at)
    log = bundle.get("log")
    if log is not None:
        if asked is not None:
            run.ok("log", "not checked: a filtered response cannot be matched to its log entry")
        else:
            _check_log(run, log, claims, values, chain_verdict, cache)
    return checked


def _check_key(run: _Run, signer: _Signer, record_prefix: str, values: list[Any]) -> None:
    if SIGN not in signer.perms:
        run.fail("key", f"{signer.description} has no 'sign' permission")
    if not is_within(record_prefix, signer.pfx):
        run.fail(
            "key",
            f"{signer.description} may sign only under {signer.pfx}; the record is under"
            f" {record_prefix}",
        )
    restriction = signer.certificate.tpl if signer.certificate is not None else None
    if restriction is not None:
        template = template_id(values)
        if template is None or template not in restriction:
            run.fail(
                "key",
                f"{signer.description} may sign only records of templates"
                f" {', '.join(restriction)}; this record follows {template or 'no template'}",
            )
    run.ok("key", f"{signer.description} may sign records under {signer.pfx}")


def _check_certificates(run: _Run, verdict: ChainVerdict, claims: RecordClaims) -> None:
    earliest, latest = verdict.window
    if earliest <= claims.iat < latest:
        run.steps.extend(verdict.steps)
        return
    for step in verdict.steps[:1]:
        run.add(step)
    for i, certificate in enumerate(verdict.certificates):
        if not certificate.valid_at(claims.iat):
            when = "not yet valid" if claims.iat < certificate.nbf else "expired"
            run.fail(
                f"certificate[{i}]",
                f"{certificate.sub}: {when} when the record was signed at {iso(claims.iat)}"
                f" (valid {iso(certificate.nbf)} to {iso(certificate.exp)})",
            )
        run.add(verdict.steps[i + 1])


def _check_revocations(run: _Run, verdict: ChainVerdict, claims: RecordClaims, at: int) -> None:
    if verdict.revocation_failure is not None:
        run.add(verdict.revocation_failure)
    certificates = verdict.certificates
    for i, applicable in enumerate(verdict.revocations):
        # When the certified key signed: the next certificate, or the record itself.
        signed_at = certificates[i + 1].iat if i + 1 < len(certificates) else claims.iat
        for entry, listed_at, issuer in applicable:
            if listed_at <= at and entry.voids(signed_at):
                consequence = (
                    "every signature by it is void"
                    if entry.reason == COMPROMISED
                    else f"its signature at {iso(signed_at)} came after that"
                )
                run.fail(
                    "revocation",
                    f"certificate[{i}] for {certificates[i].sub}: {entry.describe()} by"
                    f" {issuer}; {consequence}",
                )
    run.ok("revocation", verdict.revocation_note or "no revocation lists")


def _check_log(
    run: _Run,
    log: Any,
    claims: RecordClaims,
    values: list[Any],
    verdict: ChainVerdict,
    cache: ChainCache | None,
) -> None:
    if not isinstance(log, Mapping):
        run.fail("log", "log proof must be an object")
    note, leaf_index, tree_size, inclusion = (
        log.get(k) for k in ("checkpoint", "leaf_index", "tree_size", "inclusion")
    )
    logged_at = log.get("at", claims.iat)
    if (
        not isinstance(note, str)
        or type(leaf_index) is not int
        or type(tree_size) is not int
        or type(logged_at) is not int
        or not isinstance(inclusion, list)
    ):
        run.fail("log", "log proof needs checkpoint, leaf_index, tree_size and inclusion")
    keys = [signer.key for signer in verdict.signers]
    opened = cache.checkpoint(note, keys) if cache is not None else _open_note(note, keys)
    if isinstance(opened, str):
        run.fail("log", opened)
    checkpoint, log_key = opened
    if checkpoint.size != tree_size:
        run.fail("log", f"proof is for tree size {tree_size}, checkpoint is {checkpoint.size}")
    try:
        proof = [b64_decode(h, "inclusion hash") for h in inclusion]
        leaf = log_leaf(claims.id, claims.ver, record_digest(values), logged_at)
        verify_inclusion(leaf_hash(leaf), leaf_index, tree_size, proof, checkpoint.root)
    except GlidError as exc:
        run.fail("log", f"log {checkpoint.origin}: {exc}")
    run.ok(
        "log",
        f"entry {leaf_index} of {tree_size} in log {checkpoint.origin}, checkpoint signed by"
        f" key {log_key.kid}",
    )
