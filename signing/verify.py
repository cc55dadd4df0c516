"""Bundle verification: record → key → certificates → trust anchor, log time, revocation.

:func:`verify_bundle` never raises on bad data: it returns a :class:`Verdict` listing
each step it took, so an operator sees *which* link failed and why. It trusts nothing the
bundle says about itself: what was signed is what the signature's payload lists, the
trusted time is when the log of the record's own node took it (not the signer's ``iat``),
the log must be that node's, and every issuer in the chain must vouch with a current
revocation list. Chain checks that do not depend on the record are cached in a
:class:`ChainCache` (signing.chain); with it, verifying many records under one chain costs
about one Ed25519 verification per record.
"""

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from glid_core.errors import GlidError
from glid_core.identifiers import is_within, prefix_of
from glid_core.layout import TEMPLATE_INDEX
from signing.b64 import b64_decode
from signing.certificates import SIGN, TrustAnchor, parse_trust_anchor
from signing.chain import (
    CLOCK_SKEW,
    HARD_FAIL,
    POLICIES,
    ChainVerdict,
    Signer,
    Step,
    check_chain,
    revocation_failure,
    revocation_step,
    validity_failure,
)
from signing.checkpoint import Checkpoint, key_id, log_origin, parse_checkpoint
from signing.jws import check_signature
from signing.latest import LatestStatement, parse_latest
from signing.merkle import leaf_hash, log_leaf, record_digest, verify_inclusion
from signing.record_signature import (
    Coverage,
    RecordClaims,
    coverage,
    parse_record_signature,
    template_id,
)
from signing.timestamps import in_calendar, iso, now, numeric_date

MAX_PRESIGN = 30 * 24 * 3600
"""Seconds a signature may precede the log's acceptance of it: a terminal that buffers
readings offline signs them before the node logs them, but not months before."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of :func:`verify_bundle`.

    ``indexes`` are the value indexes checked against their signed digests; ``missing``
    the signed indexes the answer left out. A valid verdict with ``missing`` is a valid
    *partial* answer, never a complete one. ``version`` is the version verified and
    ``newest`` the newest one the node's signed statement names (None without one): a
    valid verdict with ``version < newest`` is a *historical* answer the buyer asked for.
    """

    valid: bool
    steps: list[Step]
    indexes: tuple[int, ...] = ()
    missing: tuple[int, ...] = ()
    version: int | None = None
    newest: int | None = None

    @property
    def historical(self) -> bool:
        return self.newest is not None and self.version is not None and self.version < self.newest

    @property
    def complete(self) -> bool:
        return self.valid and not self.missing

    @property
    def failed(self) -> Step | None:
        """The first failing step (verification stops there), or None when valid."""
        return next((step for step in self.steps if not step.ok), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "complete": self.complete,
            "indexes": list(self.indexes),
            "missing": list(self.missing),
            "version": self.version,
            "newest": self.newest,
            "steps": [step.to_json() for step in self.steps],
        }


_Opened = tuple[Checkpoint, int] | str  # the checkpoint and its log key's place, or why not


@dataclass
class ChainCache:
    """A bounded LRU of chain verdicts and checkpoint checks, shared across verifications."""

    maxsize: int = 4096
    hits: int = 0
    misses: int = 0
    _chains: OrderedDict[tuple[Any, ...], ChainVerdict] = field(default_factory=OrderedDict)
    _notes: OrderedDict[tuple[Any, ...], _Opened] = field(default_factory=OrderedDict)

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

    def checkpoint(self, note: str, signers: Sequence[Signer]) -> _Opened:
        key = (note, *(s.key.kid for s in signers))
        found = self._notes.get(key)
        if found is None:
            found = open_log_checkpoint(note, signers)
            self._remember(self._notes, key, found)
        return found

    def _remember(self, table: OrderedDict[Any, Any], key: Any, value: Any) -> None:
        table[key] = value
        if len(table) > self.maxsize:
            table.popitem(last=False)


def open_log_checkpoint(note: str, signers: Sequence[Signer]) -> _Opened:
    """Find the authority key in ``signers`` whose node's log the checkpoint is from.

    Only a node's authority key signs its log, under the origin ``glid.<prefix>/log`` of
    that key's own prefix: a working key, a device key, or a key signing for another
    origin proves nothing about the log.
    """
    try:
        checkpoint = parse_checkpoint(note)
    except GlidError as exc:
        return f"checkpoint unreadable: {exc}"
    for place, signer in enumerate(signers):
        origin = log_origin(signer.prefix)
        if not signer.is_authority or checkpoint.origin != origin:
            continue
        wanted = key_id(origin, signer.key)
        if any(s.name == origin and s.key_id == wanted for s in checkpoint.signatures):
            try:
                checkpoint.verify(signer.key)
            except GlidError as exc:
                return str(exc)
            return checkpoint, place
    origins = ", ".join(log_origin(s.prefix) for s in signers if s.is_authority)
    return (
        f"checkpoint of {checkpoint.origin!r} is not signed by the log key of a node in this"
        f" chain (the authority key of {origins}): it comes from a different log"
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
    policy: str = HARD_FAIL,
    require_latest: bool = False,
    asked_version: int | None = None,
) -> Verdict:
    """Verify a record bundle against ``anchor`` as of ``at`` (default: now).

    ``policy`` is the revocation policy (signing.chain.POLICIES). Pass one
    :class:`ChainCache` to every call in a bulk verification. A bundle's statement of the
    newest version (``latest``) is always checked when present; ``require_latest`` makes
    it mandatory, as every buyer-facing verification does, so that an older version never
    verifies as the current one. ``asked_version`` is the version the buyer asked for:
    that version verifies as historical even when the statement names a newer one.
    """
    if policy not in POLICIES:
        raise ValueError(f"revocation policy {policy!r} is not one of {', '.join(POLICIES)}")
    run = _Run()
    try:
        checked, newest = _verify(
            run, bundle, anchor, at, cache, policy, _Asked(require_latest, asked_version)
        )
    except _Stop:
        return Verdict(False, run.steps)
    except (TypeError, ValueError, KeyError, AttributeError, GlidError) as exc:
        # A shape no explicit check anticipated: still a verdict, never an exception.
        step = run.steps[-1].name if run.steps else "parse"
        run.steps.append(Step(step, False, f"malformed bundle: {type(exc).__name__}: {exc}"))
        return Verdict(False, run.steps)
    # Every step passed: a failure raises _Stop.
    return Verdict(True, run.steps, checked.present, checked.missing, bundle["version"], newest)


@dataclass(frozen=True, slots=True)
class _Asked:
    """What the buyer asked about the version: whether a newest-version statement must be
    present, and which version they asked for (None: the current one)."""

    require_latest: bool
    version: int | None


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
    policy: str,
    asked: _Asked,
) -> tuple[Coverage, int | None]:
    handle, version, values, token, chain, revocation_tokens = _fields(run, bundle)
    at = numeric_date(at_in) if at_in is not None else now()
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
        checked = coverage(claims, values, token)
    except GlidError as exc:
        run.fail("digests", str(exc))
    run.ok("digests", _coverage_detail(checked))

    verdict = (cache.chain if cache is not None else check_chain)(anchor, chain, revocation_tokens)
    if verdict.failure is not None:  # no trustworthy key to check the record with
        for step in verdict.steps:
            run.add(step)
        run.add(verdict.failure)
    signer = verdict.signers[-1]
    try:
        check_signature(parsed, signer.key)
    except GlidError as exc:
        run.fail("signature", f"{handle}: {exc} (the chain certifies {signer.description})")
    run.ok("signature", f"verified with {signer.description}")

    _check_key(run, signer, record_prefix, values, checked)
    logged = _check_log(run, bundle.get("log"), claims, values, verdict, cache, checked)
    signed_at = _check_time(run, claims, logged, at, len(verdict.certificates))
    run.steps.extend(verdict.steps)
    failure = validity_failure(verdict, signed_at.moments)
    if failure is not None:
        run.add(failure)
    failure = revocation_failure(verdict, signed_at.time, at)
    if failure is not None:
        run.add(failure)
    run.add(revocation_step(verdict, at, policy))
    # Last: whether this is the newest version matters only for an authentic answer.
    newest = _check_latest(run, bundle.get("latest"), claims, logged, verdict, at, asked)
    return checked, newest


def _coverage_detail(checked: Coverage) -> str:
    present = ", ".join(map(str, checked.present)) or "none"
    if not checked.missing:
        return f"complete: every signed value present (indexes {present}) and matching"
    missing = ", ".join(map(str, checked.missing))
    return (
        f"partial answer: indexes {present} match; signed value(s) at index {missing} are"
        " not in this answer, so it is not the complete record"
    )


def _check_key(
    run: _Run, signer: Signer, record_prefix: str, values: list[Any], checked: Coverage
) -> None:
    if SIGN not in signer.perms:
        run.fail("key", f"{signer.description} has no 'sign' permission")
    if record_prefix != signer.prefix or not is_within(record_prefix, signer.pfx):
        run.fail(
            "key",
            f"{signer.description} is certified for {signer.prefix} (subtree {signer.pfx});"
            f" the record lies under {record_prefix}, which only a key certified for"
            f" {record_prefix} itself may sign (one owner per name)",
        )
    restriction = signer.certificate.tpl if signer.certificate is not None else None
    if restriction is not None:
        if TEMPLATE_INDEX in checked.missing:
            run.fail(
                "key",
                f"{signer.description} may sign only records of templates"
                f" {', '.join(restriction)}, and this answer leaves out the TEMPLATE value"
                f" at index {TEMPLATE_INDEX} that shows which one",
            )
        template = template_id(values)
        if template is None or template not in restriction:
            run.fail(
                "key",
                f"{signer.description} may sign only records of templates"
                f" {', '.join(restriction)}; this record follows {template or 'no template'}",
            )
    run.ok("key", f"{signer.description} may sign records under {signer.prefix}")


@dataclass(frozen=True, slots=True)
class _Logged:
    """A log entry proved under a checkpoint of the record's node: when it took the record,
    and how many chain certificates lead to the log key."""

    at: int
    origin: str
    path: int
    checkpoint: Checkpoint


def _check_log(
    run: _Run,
    log: Any,
    claims: RecordClaims,
    values: list[Any],
    verdict: ChainVerdict,
    cache: ChainCache | None,
    checked: Coverage,
) -> _Logged | None:
    if log is None:
        return None
    if checked.missing:
        run.ok("log", "not checked: a partial answer cannot be matched to its log entry")
        return None
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
    signers = verdict.signers
    opened = (
        cache.checkpoint(note, signers) if cache is not None else open_log_checkpoint(note, signers)
    )
    if isinstance(opened, str):
        run.fail("log", opened)
    checkpoint, place = opened
    if checkpoint.size != tree_size:
        run.fail("log", f"proof is for tree size {tree_size}, checkpoint is {checkpoint.size}")
    if not in_calendar(logged_at):
        run.fail(
            "log",
            f"log {checkpoint.origin}: entry {leaf_index} is dated {logged_at} seconds after"
            " 1970, outside the years 1 to 9999: the log entry is corrupt or forged",
        )
    try:
        proof = [b64_decode(h, "inclusion hash") for h in inclusion]
        leaf = log_leaf(claims.id, claims.ver, record_digest(values), logged_at)
        verify_inclusion(leaf_hash(leaf), leaf_index, tree_size, proof, checkpoint.root)
    except GlidError as exc:
        run.fail("log", f"log {checkpoint.origin}: {exc}")
    run.ok(
        "log",
        f"entry {leaf_index} of {tree_size} in log {checkpoint.origin}, taken at"
        f" {iso(logged_at)}; checkpoint signed by {signers[place].description}",
    )
    return _Logged(logged_at, checkpoint.origin, place, checkpoint)


def _check_latest(
    run: _Run,
    token: Any,
    claims: RecordClaims,
    logged: _Logged | None,
    verdict: ChainVerdict,
    at: int,
    asked: _Asked,
) -> int | None:
    """Check the node's statement of the newest version against the answer's version.

    The statement must come from the key that signed the checkpoint, for that very
    checkpoint (without a log proof: from the authority key in the chain of the node it
    names), and be current now; so an old statement, or one from another log, checkpoint
    or identifier, cannot vouch for an old answer. Returns the newest version.
    """
    handle, version = claims.id, claims.ver
    if token is None:
        if asked.require_latest:
            run.fail(
                "latest",
                f"the answer for {handle} carries no signed statement of its newest version,"
                " so a newer version may exist: the node may be stale or rolled back",
            )
        return None
    try:
        statement = parse_latest(token)
        log_key = _statement_key(run, statement, logged, verdict)
        statement.verify(log_key.key)
    except GlidError as exc:
        run.fail("latest", f"{handle}: {exc}")
    if statement.id != handle or statement.iss != log_key.prefix:
        run.fail(
            "latest",
            f"the statement is about {statement.id} in the log of {statement.iss}, not"
            f" {handle} in the log of {log_key.prefix}",
        )
    if logged is not None and (statement.size, statement.root) != (
        logged.checkpoint.size,
        logged.checkpoint.root,
    ):
        run.fail(
            "latest",
            f"the statement for {handle} speaks for the log at size {statement.size}, not the"
            f" checkpoint of size {logged.checkpoint.size} that proves the answer",
        )
    before_logged = logged is not None and statement.iat + CLOCK_SKEW < logged.at
    if not statement.is_current(at, CLOCK_SKEW) or before_logged:
        run.fail(
            "latest",
            f"the statement for {handle} was issued {iso(statement.iat)} and was current until"
            f" {iso(statement.nxt)}; at {iso(at)} it is not current (an old statement can hide"
            " a newer version), so ask the node again",
        )
    where = f"log {log_origin(statement.iss)} at size {statement.size} (statement current"
    where += f" until {iso(statement.nxt)})"
    if statement.ver < version:
        run.fail(
            "latest",
            f"the statement names version {statement.ver} of {handle} as the newest, older"
            f" than the version {version} it should cover",
        )
    if statement.ver == version:
        run.ok("latest", f"version {version} is the newest of {handle} in {where}")
    elif asked.version == version:
        run.ok("latest", f"historical version {version} of {statement.ver}, as asked, in {where}")
    else:
        run.fail(
            "latest",
            f"the answer is version {version} of {handle}, but version {statement.ver} is the"
            f" newest in {where}: the node served a stale or rolled-back answer",
        )
    return statement.ver


def _statement_key(
    run: _Run, statement: LatestStatement, logged: _Logged | None, verdict: ChainVerdict
) -> Signer:
    """The key a statement must be signed by: the one that signed the bundle's checkpoint,
    or, for an answer without a log proof, the authority key of the node it names."""
    if logged is not None:
        return verdict.signers[logged.path]
    for signer in verdict.signers:
        if signer.is_authority and signer.prefix == statement.iss:
            return signer
    run.fail(
        "latest",
        f"the statement for {statement.id} speaks for the log of {statement.iss}, and no"
        " authority key of that node is in this chain",
    )


@dataclass(frozen=True, slots=True)
class _SignedAt:
    """The record's trusted signing time, and the moments each certificate must hold at."""

    time: int
    moments: tuple[tuple[int, int, str], ...]


def _check_time(
    run: _Run, claims: RecordClaims, logged: _Logged | None, at: int, count: int
) -> _SignedAt:
    """Take the record's time from its log entry, not from the signer.

    With a log proof, the signer's certificates must hold when the log took the record,
    and the chain up to the log key must hold now, because the log key vouches for that
    time. Without one, the signer's ``iat`` is only a claim: every certificate must hold
    both then and now.
    """
    if logged is None:
        run.ok(
            "time",
            f"no log proof: the signer's time {iso(claims.iat)} is unproven, so the chain"
            f" must be valid both then and now ({iso(at)})",
        )
        return _SignedAt(
            claims.iat,
            (
                (claims.iat, count, "the signer's own claimed signing time"),
                (at, count, "the verification time (no log proof dates the record)"),
            ),
        )
    if logged.at > at + CLOCK_SKEW:
        run.fail(
            "time",
            f"log {logged.origin} took the record at {iso(logged.at)}, after the verification"
            f" time {iso(at)}: the node's clock is ahead or its log is forged",
        )
    if claims.iat > logged.at + CLOCK_SKEW:
        run.fail(
            "time",
            f"signed at {iso(claims.iat)}, after log {logged.origin} took it at {iso(logged.at)}",
        )
    if logged.at - claims.iat > MAX_PRESIGN:
        run.fail(
            "time",
            f"signed at {iso(claims.iat)}, {(logged.at - claims.iat) // 86400} days before log"
            f" {logged.origin} took it at {iso(logged.at)}; at most {MAX_PRESIGN // 86400} days"
            " are allowed (a backdated signature)",
        )
    run.ok(
        "time",
        f"trusted time {iso(logged.at)}, when log {logged.origin} took the record (signer's"
        f" time {iso(claims.iat)})",
    )
    return _SignedAt(
        logged.at,
        (
            (logged.at, count, f"when log {logged.origin} took the record"),
            (at, logged.path, "the verification time, at which the log key must be valid"),
        ),
    )
