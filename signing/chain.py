"""Certificate chains: links from the trust anchor down, revocation lists, and freshness.

Everything here depends on the chain tokens, the anchor and the revocation lists alone,
never on a record, so :func:`check_chain` is computed once per chain and cached; what
depends on a moment (is each certificate valid then, is each issuer's list current then)
is answered from the cached verdict by :func:`validity_failure` and
:func:`freshness_problems` in a few comparisons.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from glid_core.errors import GlidError
from glid_core.identifiers import is_within
from signing.certificates import DELEGATE, SIGN, Certificate, TrustAnchor, parse_certificate
from signing.keys import VerifyKey
from signing.revocation import COMPROMISED, RevocationEntry, RevocationList, parse_revocation_list
from signing.timestamps import iso

MAX_CHAIN_LENGTH = 8
CLOCK_SKEW = 300
"""Seconds two honest clocks may disagree by."""
HARD_FAIL = "hard-fail"
SOFT_FAIL = "soft-fail"
POLICIES = (HARD_FAIL, SOFT_FAIL)
"""Revocation policies: hard-fail (the default) refuses a chain unless every issuer's list
is current; soft-fail reports the gap and goes on, for operators who accept the risk."""
_ALWAYS = (-(2**63), 2**63)  # the validity window of a chain with no certificates


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
class Signer:
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

    @property
    def is_authority(self) -> bool:
        """A node's authority key (the anchor, or certified with ``delegate``): the only
        keys that issue certificates, revocation lists and log checkpoints."""
        return DELEGATE in self.perms


Revocation = tuple[RevocationEntry, int, str]  # entry, list iat, list issuer


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    """What a chain and its revocation lists establish, independent of any record."""

    steps: tuple[Step, ...]
    failure: Step | None
    # A refused chain has no certificates and no signers: nothing in it can be trusted.
    certificates: tuple[Certificate, ...] = ()
    signers: tuple[Signer, ...] = ()
    revocations: tuple[tuple[Revocation, ...], ...] = ()
    revocation_note: str = ""
    revocation_failure: Step | None = None
    # When every certificate is valid at once: a moment inside needs no per-certificate check.
    window: tuple[int, int] = _ALWAYS
    # The newest verified list of each issuer prefix, to judge freshness at any moment.
    newest: tuple[tuple[str, RevocationList | None], ...] = ()


def check_chain(
    anchor: TrustAnchor, chain: Sequence[str], revocations: Sequence[str]
) -> ChainVerdict:
    """Check every certificate link from ``anchor`` down, then the revocation lists."""
    root = Signer(anchor.prefix, anchor.prefix, anchor.key, frozenset({DELEGATE, SIGN}), None)
    if len(chain) > MAX_CHAIN_LENGTH:
        failure = Step(
            "chain", False, f"{len(chain)} certificates; at most {MAX_CHAIN_LENGTH} are allowed"
        )
        return ChainVerdict((), failure)
    steps = [Step("chain", True, f"{len(chain)} certificate(s) below trust anchor {anchor.prefix}")]
    certificates: list[Certificate] = []
    signers = [root]
    for i, token in enumerate(chain):
        name = f"certificate[{i}]"
        try:
            certificate = parse_certificate(token)
        except GlidError as exc:
            return ChainVerdict(tuple(steps), Step(name, False, f"unreadable: {exc}"))
        issuer = signers[-1]
        problem = _link_problem(issuer, certificate)
        if problem is None:
            try:
                certificate.verify_signature(issuer.key)
            except GlidError as exc:
                problem = f"not signed by {issuer.description}: {exc}"
        if problem is not None:
            return ChainVerdict(tuple(steps), Step(name, False, f"{certificate.sub}: {problem}"))
        certificates.append(certificate)
        signers.append(
            Signer(
                certificate.sub, certificate.pfx, certificate.key, certificate.perms, certificate
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


def _link_problem(issuer: Signer, certificate: Certificate) -> str | None:
    if certificate.iss != issuer.prefix:
        return f"issued in the name of {certificate.iss}, but the link above is {issuer.prefix}"
    if DELEGATE not in issuer.perms:
        return f"issuer {issuer.description} has no 'delegate' permission"
    if not is_within(certificate.sub, issuer.pfx):
        return f"subject lies outside the issuer's permitted subtree {issuer.pfx}"
    if not is_within(certificate.pfx, issuer.pfx):
        return f"permitted subtree {certificate.pfx} exceeds the issuer's {issuer.pfx}"
    parent = issuer.certificate
    if parent is not None and (certificate.nbf < parent.nbf or certificate.exp > parent.exp):
        return (
            f"valid {iso(certificate.nbf)} to {iso(certificate.exp)}, outside its issuer's"
            f" {iso(parent.nbf)} to {iso(parent.exp)}: a certificate cannot outlive the one"
            " that vouches for its issuer"
        )
    return None


def issuers(verdict: ChainVerdict) -> tuple[str, ...]:
    """The prefixes whose keys issued the chain's certificates, top-down, each once."""
    return tuple(dict.fromkeys(s.prefix for s in verdict.signers[: len(verdict.certificates)]))


def _with_revocations(verdict: ChainVerdict, tokens: Sequence[str]) -> ChainVerdict:
    applicable: list[list[Revocation]] = [[] for _ in verdict.certificates]
    newest: dict[str, RevocationList | None] = dict.fromkeys(issuers(verdict))
    used: list[str] = []
    ignored: list[str] = []
    for j, token in enumerate(tokens):
        try:
            crl = parse_revocation_list(token)
        except GlidError as exc:
            failure = Step("revocation", False, f"revocation list [{j}] is unreadable: {exc}")
            return replace(verdict, revocation_failure=failure)
        label = f"{crl.iss}#{crl.seq}"
        issuer = next(
            (
                s
                for s in verdict.signers
                if s.prefix == crl.iss and s.key.kid == crl.issuer_kid and s.is_authority
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
            return replace(verdict, revocation_failure=failure)
        used.append(label)
        known = newest.get(crl.iss)
        if known is None or (crl.seq, crl.iat) > (known.seq, known.iat):
            newest[crl.iss] = crl
        for entry in crl.entries:
            for i, certificate in enumerate(verdict.certificates):
                if is_within(certificate.sub, crl.iss) and entry.covers(
                    certificate.key.kid, certificate.sub
                ):
                    applicable[i].append((entry, crl.iat, crl.iss))
    note = f"lists checked: {', '.join(used) or 'none'}"
    if ignored:
        note += f"; ignored (issuer not in this chain): {', '.join(ignored)}"
    return replace(
        verdict,
        revocations=tuple(map(tuple, applicable)),
        revocation_note=note,
        newest=tuple(newest.items()),
    )


def validity_failure(verdict: ChainVerdict, moments: Sequence[tuple[int, int, str]]) -> Step | None:
    """The first certificate not valid at a moment it must be valid at, else None.

    Each moment is ``(time, count, why)``: the first ``count`` certificates must be valid
    at ``time``; ``why`` says what the time is, for the operator.
    """
    earliest, latest = verdict.window
    if all(earliest <= moment < latest for moment, _, _ in moments):
        return None
    for i, certificate in enumerate(verdict.certificates):
        for moment, count, why in moments:
            if i < count and not certificate.valid_at(moment):
                when = "not yet valid" if moment < certificate.nbf else "expired"
                return Step(
                    f"certificate[{i}]",
                    False,
                    f"{certificate.sub}: {when} at {iso(moment)}, {why} (valid"
                    f" {iso(certificate.nbf)} to {iso(certificate.exp)})",
                )
    return None


def revocation_failure(verdict: ChainVerdict, signed_at: int, at: int) -> Step | None:
    """The first certificate whose key a list revoked for a signature it made, else None.

    "The signature by a certified key" is the next certificate (its ``iat``) or, for the
    last one, the record's signature at ``signed_at``. Lists issued after ``at`` do not
    count.
    """
    if verdict.revocation_failure is not None:
        return verdict.revocation_failure
    certificates = verdict.certificates
    for i, applicable in enumerate(verdict.revocations):
        key_signed_at = certificates[i + 1].iat if i + 1 < len(certificates) else signed_at
        for entry, listed_at, issuer in applicable:
            if listed_at <= at and entry.voids(key_signed_at):
                consequence = (
                    "every signature by it is void"
                    if entry.reason == COMPROMISED
                    else f"its signature at {iso(key_signed_at)} came after that"
                )
                return Step(
                    "revocation",
                    False,
                    f"certificate[{i}] for {certificates[i].sub}: {entry.describe()} by"
                    f" {issuer}; {consequence}",
                )
    return None


def freshness_problems(verdict: ChainVerdict, at: int, exempt: str | None = None) -> list[str]:
    """Each issuer in the chain without a current revocation list at ``at``, explained;
    ``exempt`` is an issuer the caller knows first-hand (a node reading its own store)."""
    problems = []
    for issuer, crl in verdict.newest:
        if issuer == exempt:
            continue
        if crl is None:
            problems.append(f"no revocation list from {issuer}")
        elif not crl.is_current(at, CLOCK_SKEW):
            problems.append(f"the newest list from {issuer}, {crl.label}, is not current")
    return problems


def revocation_step(verdict: ChainVerdict, at: int, policy: str) -> Step:
    """The revocation step's outcome under ``policy`` once no entry voids the chain.

    Every chain that gets here had its lists read, so its revocation note is never empty.
    """
    problems = freshness_problems(verdict, at)
    if not problems:
        return Step("revocation", True, f"{policy}: {verdict.revocation_note}")
    gap = "; ".join(problems)
    if policy == SOFT_FAIL:
        return Step(
            "revocation",
            True,
            f"{SOFT_FAIL}, accepted without proof that no key was revoked: {gap}"
            f" ({verdict.revocation_note})",
        )
    return Step(
        "revocation",
        False,
        f"{HARD_FAIL}: {gap} at {iso(at)}; every issuer in the chain must vouch with a"
        " current list (a resolver fetches them with each referral)",
    )
