import re

import pytest

from templates_meta.errors import (
    AlreadyDecided,
    InvalidTransition,
    NotReviewer,
    ReasonRequired,
    WrongLayerPrefix,
)
from templates_meta.review import (
    Review,
    ReviewState,
    approve,
    propose,
    publish,
    reject,
    reviewer_of,
)
from tests.templates_meta.builders import field, template

EXTENSION = template(
    "88.101.8/tpl.coil",
    [field("coil_width", 3000, "decimal")],
    layer="enterprise",
    extends="88.101/tpl.steel@1.0.0",
)


def proposed() -> Review:
    return propose(EXTENSION, "88")


def test_an_enterprise_extension_is_decided_by_its_parent_node() -> None:
    review = proposed()
    assert review == Review("88.101.8/tpl.coil@1.0.0", EXTENSION.layer, "88.101.8", "88.101", "88")
    assert review.state is ReviewState.PROPOSED


@pytest.mark.parametrize(
    ("template_id", "layer", "reviewer"),
    [
        ("88/tpl.base", "public", "88"),
        ("88.101/tpl.steel", "industry", "88"),
        ("88.101.8/tpl.x", "industry", "88"),
        ("88.101.8/tpl.x", "enterprise", "88.101"),
        ("88.101.8.2/tpl.x", "enterprise", "88.101.8"),
        ("88.7/tpl.x", "enterprise", "88"),
    ],
)
def test_the_reviewer_follows_the_layer_and_the_hierarchy(
    template_id: str, layer: str, reviewer: str
) -> None:
    assert reviewer_of(template(template_id, [], layer=layer), "88") == reviewer


@pytest.mark.parametrize(
    ("template_id", "layer", "message"),
    [
        ("89.1/tpl.x", "enterprise", "lies under prefix 89.1, outside the network of top node 88"),
        ("88.101/tpl.x", "public", "public templates have ids under the top node's prefix 88/"),
        ("88/tpl.x", "industry", "is an industry template under the top node's own prefix 88"),
        ("88/tpl.x", "enterprise", "is an enterprise template under the top node's own prefix"),
    ],
)
def test_an_id_that_does_not_fit_its_layer_is_refused(
    template_id: str, layer: str, message: str
) -> None:
    with pytest.raises(WrongLayerPrefix) as caught:
        propose(template(template_id, [], layer=layer), "88")
    assert message in str(caught.value)


def test_the_parent_node_approves_then_the_top_node_publishes() -> None:
    approved = approve(proposed(), "88.101")
    assert (approved.state, approved.decided_by, approved.reason) == (
        ReviewState.APPROVED,
        "88.101",
        None,
    )
    published = publish(approved, "88")
    assert published.state is ReviewState.PUBLISHED
    assert published.decided_by == "88.101"


def test_approving_a_template_one_does_not_own_is_refused() -> None:
    with pytest.raises(NotReviewer) as caught:
        approve(proposed(), "88.102")
    assert str(caught.value) == (
        "node 88.102 may not approve 88.101.8/tpl.coil@1.0.0: the enterprise template of "
        "88.101.8 is decided by node 88.101"
    )
    with pytest.raises(NotReviewer, match=re.escape("node 88 may not approve")):
        approve(proposed(), "88")
    with pytest.raises(NotReviewer, match=re.escape("node 88.101.8 may not reject")):
        reject(proposed(), "88.101.8", "self-review")


def test_deciding_twice_is_refused() -> None:
    approved = approve(proposed(), "88.101")
    with pytest.raises(AlreadyDecided) as caught:
        approve(approved, "88.101")
    assert str(caught.value) == (
        "88.101.8/tpl.coil@1.0.0 was already approved by 88.101; it is decided once"
    )
    rejected = reject(proposed(), "88.101", "index 3000 clashes with our plan")
    with pytest.raises(AlreadyDecided, match=re.escape("was already rejected by 88.101")):
        approve(rejected, "88.101")
    with pytest.raises(AlreadyDecided, match=re.escape("was already published by 88.101")):
        reject(publish(approved, "88"), "88.101", "too late")


def test_a_rejection_needs_a_reason_and_keeps_it() -> None:
    with pytest.raises(ReasonRequired) as caught:
        reject(proposed(), "88.101", "  ")
    assert str(caught.value) == (
        "rejecting 88.101.8/tpl.coil@1.0.0 needs a reason, so 88.101.8 can fix the template"
    )
    rejected = reject(proposed(), "88.101", "use the steel template's coil fields")
    assert (rejected.state, rejected.reason) == (
        ReviewState.REJECTED,
        "use the steel template's coil fields",
    )


def test_only_an_approved_template_is_published_and_only_by_the_top_node() -> None:
    with pytest.raises(InvalidTransition) as caught:
        publish(proposed(), "88")
    assert str(caught.value) == (
        "88.101.8/tpl.coil@1.0.0 is proposed; only an approved template can be published"
    )
    with pytest.raises(NotReviewer, match=re.escape("only the top node 88 publishes")):
        publish(approve(proposed(), "88.101"), "88.101")


def test_prefixes_are_compared_without_case() -> None:
    lettered = template("88.ab.c/tpl.x", [], layer="enterprise")
    review = propose(lettered, "88")
    assert review.reviewer == "88.ab"
    assert approve(review, "88.AB").decided_by == "88.ab"
