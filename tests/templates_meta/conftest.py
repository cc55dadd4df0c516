"""Every test here compiles the templates it checks records against.

validate.py keeps each compiled template for the life of the process, and the value checks
(bounds, units, patterns) are closures made while compiling. Without a fresh start a test
would check records with models an earlier test built, and a change to the compiling code
would go unnoticed by every test that ran after the first: mutation testing runs the tests
of each mutant in a process forked after a clean run, where every model is already built.
"""

import pytest

from templates_meta import validate


@pytest.fixture(autouse=True)
def compile_afresh() -> None:
    validate._MODELS.clear()
    validate._LAST[0] = None
    validate._normalised_ref.cache_clear()
