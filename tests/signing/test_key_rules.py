"""What a certified key may sign: a device key only records of its templates, and it must
be able to see which template a record follows."""

from signing.certificates import parse_certificate
from signing.verify import verify_bundle
from tests.signing.builders import World, footprint_values, reading_values
from tests.signing.test_adversarial import device_chain
from tests.signing.test_verify import AT, failed

TEMPLATES = "88/tpl.activity-data, 88/tpl.device-reading"


def test_a_device_key_signs_its_templates_only() -> None:
    world = World()
    bundle = world.bundle(footprint_values(), signer=world.device, chain=device_chain(world))
    name, detail = failed(verify_bundle(bundle, world.anchor, at=AT))
    assert name == "key"
    assert detail.endswith(
        f"may sign only records of templates {TEMPLATES}; this record follows"
        " 88/tpl.product-footprint"
    )


def test_a_device_record_that_hides_its_template_fails() -> None:
    world = World()
    bundle = world.bundle(reading_values(), signer=world.device, chain=device_chain(world))
    bundle["values"] = [v for v in bundle["values"] if v["type"] != "TEMPLATE"]
    verdict = verify_bundle(bundle, world.anchor, at=AT)
    name, detail = failed(verdict)
    assert name == "key"
    assert detail.startswith(f"key {world.device.kid} of 88.118.8 (certificate ")
    assert detail.endswith(
        f"may sign only records of templates {TEMPLATES}, and this answer leaves out the"
        " TEMPLATE value at index 1001 that shows which one"
    )


def test_the_digest_and_key_steps_say_what_was_checked() -> None:
    world = World()
    bundle = world.bundle()
    steps = {step.name: step.detail for step in verify_bundle(bundle, world.anchor, at=AT).steps}
    assert steps["digests"] == (
        "complete: every signed value present (indexes 1001, 2000, 2001, 2002) and matching"
    )
    jti = parse_certificate(bundle["chain"][-1]).jti
    assert steps["key"] == (
        f"key {world.signer.kid} of 88.118.8 (certificate {jti}) may sign records under 88.118.8"
    )
    partial = {**bundle, "values": bundle["values"][1:3]}
    steps = {s.name: s.detail for s in verify_bundle(partial, world.anchor, at=AT).steps}
    assert steps["digests"] == (
        "partial answer: indexes 2000, 2001 match; signed value(s) at index 1001, 2002 are"
        " not in this answer, so it is not the complete record"
    )
    empty = {**bundle, "values": []}
    steps = {s.name: s.detail for s in verify_bundle(empty, world.anchor, at=AT).steps}
    assert steps["digests"].startswith("partial answer: indexes none match; ")
