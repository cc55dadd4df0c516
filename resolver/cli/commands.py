"""The list of command modules, in the order ``glid --help`` shows them."""

from types import ModuleType

MODULES: list[ModuleType] = []
