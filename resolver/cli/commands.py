"""The list of command modules, in the order ``glid --help`` shows them."""

from types import ModuleType

from resolver.cli import accounting, admin, label, network, node, pact, store, templates, trust

MODULES: list[ModuleType] = [
    node,
    admin,
    network,
    templates,
    accounting,
    label,
    trust,
    pact,
    store,
]
