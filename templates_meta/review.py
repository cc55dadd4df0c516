"""Who may decide on a template, and which steps its review may take: pure rules, no I/O.

An enterprise proposes an extension; the node one level up (its secondary node) approves
or rejects it; an approved template is registered upward and the top node publishes it.
Industry and public templates are decided by the top node. Keeping the rules here lets
the catalog, the CLI and the daemon apply the same ones and refuse with the same words.

    proposed --approve--> approved --publish--> published
    proposed --reject (with a reason)--> rejected
"""

from dataclasses import dataclass, replace
from enum import StrEnum

from templates_meta.errors import (
    AlreadyDecided,
    InvalidTransition,
    NotReviewer,
    ReasonRequired,
    WrongLayerPrefix,
)
from templates_meta.model import Layer, Template


class ReviewState(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class Review:
    """Where a template's review stands, and which node decides it."""

    ref: str
    layer: Layer
    proposer: str
    """The prefix the template id lies under: the node that proposed it."""
    reviewer: str
    """The prefix of the node that approves or rejects it."""
    top: str
    """The top node's prefix: it publishes approved templates."""
    state: ReviewState = ReviewState.PROPOSED
    decided_by: str | None = None
    reason: str | None = None


def _parent(prefix: str) -> str | None:
    head, dot, _ = prefix.rpartition(".")
    return head if dot else None


def _is_under(prefix: str, ancestor: str) -> bool:
    return prefix == ancestor or prefix.startswith(ancestor + ".")


def reviewer_of(template: Template, top: str) -> str:
    """The prefix of the node that decides on ``template`` in the network rooted at ``top``."""
    top = top.lower()
    owner = template.prefix
    if not _is_under(owner, top):
        raise WrongLayerPrefix(
            f"{template.ref} lies under prefix {owner}, outside the network of top node {top}"
        )
    if template.layer is Layer.PUBLIC:
        if owner != top:
            raise WrongLayerPrefix(
                f"{template.ref} is a public template; public templates have ids under the "
                f"top node's prefix {top}/, not {owner}/"
            )
        return top
    if owner == top:
        raise WrongLayerPrefix(
            f"{template.ref} is an {template.layer} template under the top node's own prefix "
            f"{top}; give it an id under the prefix of the node that owns it"
        )
    if template.layer is Layer.INDUSTRY:
        return top
    return _parent(owner) or top


def propose(template: Template, top: str) -> Review:
    """Open the review of a template: state proposed, reviewer fixed by the hierarchy."""
    reviewer = reviewer_of(template, top)
    return Review(template.ref, template.layer, template.prefix, reviewer, top.lower())


def approve(review: Review, by: str) -> Review:
    _require_reviewer(review, by, "approve")
    _require_undecided(review)
    return replace(review, state=ReviewState.APPROVED, decided_by=by.lower(), reason=None)


def reject(review: Review, by: str, reason: str) -> Review:
    _require_reviewer(review, by, "reject")
    if not reason.strip():
        raise ReasonRequired(
            f"rejecting {review.ref} needs a reason, so {review.proposer} can fix the template"
        )
    _require_undecided(review)
    return replace(review, state=ReviewState.REJECTED, decided_by=by.lower(), reason=reason)


def publish(review: Review, by: str) -> Review:
    """The top node registers an approved template, after which it never changes."""
    if by.lower() != review.top:
        raise NotReviewer(
            f"node {by} may not publish {review.ref}: only the top node {review.top} publishes"
        )
    if review.state is not ReviewState.APPROVED:
        raise InvalidTransition(
            f"{review.ref} is {review.state}; only an approved template can be published"
        )
    return replace(review, state=ReviewState.PUBLISHED)


def _require_reviewer(review: Review, by: str, verb: str) -> None:
    if by.lower() != review.reviewer:
        raise NotReviewer(
            f"node {by} may not {verb} {review.ref}: the {review.layer} template of "
            f"{review.proposer} is decided by node {review.reviewer}"
        )


def _require_undecided(review: Review) -> None:
    if review.state is not ReviewState.PROPOSED:
        by = f" by {review.decided_by}" if review.decided_by else ""
        raise AlreadyDecided(f"{review.ref} was already {review.state}{by}; it is decided once")
