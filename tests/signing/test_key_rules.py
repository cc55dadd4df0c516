"""What a certified key may sign: a device key only records of its templates, and it must
be able to see which template a record follows."""

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
