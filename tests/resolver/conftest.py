"""The loopback networks the resolver tests run against (tests/resolver/network.py, live.py)
and the one headless browser the page tests drive."""

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver

from tests.resolver.live import Live, live_network
from tests.resolver.network import Network, build_network
from tests.resolver.samples import add_samples


@pytest.fixture
async def network(tmp_path: Path) -> AsyncIterator[Network]:
    net = await build_network(tmp_path)
    yield net
    await net.stop()


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The demo network and a buyer's recursive node serving the page, once per session."""
    with live_network(tmp_path_factory.mktemp("live")) as running:
        yield running


@pytest.fixture(scope="session")
def samples(live: Live) -> Live:
    """The live network with a tampered record and one whose values hold markup."""
    add_samples(live)
    return live


@pytest.fixture(scope="session")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium (Debian's chromium and chromium-driver) for the whole session,
    sized like a phone."""
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=412,915",
        "--lang=zh-CN",
    ):
        options.add_argument(argument)
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the browser tests leave their screenshots, for a person to look at."""
    folder = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
