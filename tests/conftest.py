"""Fixtures shared by every test package."""

import os
from collections.abc import Callable
from pathlib import Path

import pytest

# Keys are encrypted at rest; every node a test makes uses this passphrase.
os.environ.setdefault("GLID_PASSPHRASE", "test passphrase")
PASSPHRASE = os.environ["GLID_PASSPHRASE"].encode()
os.environ.setdefault("GLID_DEVICE_PASSPHRASE", "terminal passphrase")
DEVICE_PASSPHRASE = os.environ["GLID_DEVICE_PASSPHRASE"].encode()


@pytest.fixture
def make_node(tmp_path: Path) -> Callable[..., Path]:
    """Create a node directory with `glid init`'s library call; returns its path."""
    from registry.node import init_node

    def make(prefix: str = "88.101.7", role: str = "enterprise", name: str | None = None) -> Path:
        directory = tmp_path / (name or prefix)
        init_node(directory, role=role, prefix=prefix, passphrase=PASSPHRASE).store.close()
        return directory

    return make
