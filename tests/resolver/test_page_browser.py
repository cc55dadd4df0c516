"""The buyer's page in a real headless browser: what a person sees, on a phone-sized screen.

Screenshots go to test-output/screenshots/ and are checked not to be blank.
"""

import base64
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image, ImageStat
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from resolver.cli import main
from resolver.demo import BRACKET, BRACKET_CODES, COIL, PELLETS
from tests.resolver.live import Live
from tests.resolver.samples import HOSTILE, MARKUP, TAMPERED


def shoot(browser: WebDriver, folder: Path, name: str) -> None:
    """The whole page, not just the viewport, through the DevTools protocol."""
    path = folder / f"{name}.png"
    width, height = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot", {"captureBeyondViewport": True, "clip": clip}
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    with Image.open(path) as image:
        stats = ImageStat.Stat(image.convert("L"))
        assert image.width > 300 and image.height > 300
        assert stats.stddev[0] > 20, f"{path} looks blank"


def verdict(browser: WebDriver) -> str:
    return browser.find_element(By.ID, "verdict").text


def test_sample_product_shows_figure_grade_and_verified(
    live: Live, browser: WebDriver, screenshots: Path
) -> None:
    browser.get(f"{live.page}/id/{BRACKET}")
    assert "VERIFIED" in verdict(browser) and "NOT VERIFIED" not in verdict(browser)
    banner = browser.find_element(By.ID, "verdict")
    assert banner.value_of_css_property("border-top-color") == "rgba(20, 108, 46, 1)"  # green
    assert browser.find_element(By.ID, "pcf").text == "96.4 kgCO2e/piece"
    assert "grade 2" in browser.find_element(By.ID, "grade-value").text
    tree = browser.find_element(By.ID, "supply-chain").text
    assert BRACKET in tree and COIL in tree and PELLETS in tree
    assert tree.count("verified") == 3 and "NOT verified" not in tree
    steps = browser.find_element(By.ID, "verification").text
    assert "log" in steps and "certificate[0]" in steps
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 0, "the page scrolls sideways on a phone"
    shoot(browser, screenshots, "product-verified")


def test_tampered_product_is_not_verified(
    samples: Live, browser: WebDriver, screenshots: Path
) -> None:
    browser.get(f"{samples.page}/id/{TAMPERED}")
    text = verdict(browser)
    assert "NOT VERIFIED" in text and "digests" in text
    assert "unverified" in browser.find_element(By.ID, "pcf").get_attribute("class")
    banner = browser.find_element(By.ID, "verdict")
    assert banner.value_of_css_property("border-top-color") == "rgba(179, 38, 30, 1)"  # red
    shoot(browser, screenshots, "product-tampered")


def test_markup_in_a_value_is_shown_not_run(samples: Live, browser: WebDriver) -> None:
    browser.get(f"{samples.page}/id/{MARKUP}")
    assert browser.find_element(By.TAG_NAME, "h1").text == HOSTILE
    assert browser.execute_script("return window.__pwned === undefined")


@pytest.mark.parametrize("scheme", ["gtin", "oid", "ecode", "private", "link", "urn"])
def test_every_scheme_typed_into_the_page(live: Live, browser: WebDriver, scheme: str) -> None:
    code = {
        "link": f"https://id.example.com/01/{BRACKET_CODES['gtin']}/10/LOT-7",
        "urn": f"urn:oid:{BRACKET_CODES['oid']}",
    }.get(scheme) or BRACKET_CODES[scheme]
    browser.get(live.page)
    field = browser.find_element(By.ID, "q")
    field.send_keys(code)
    field.submit()
    assert "VERIFIED" in verdict(browser) and "NOT VERIFIED" not in verdict(browser)
    product = browser.find_element(By.ID, "product").text
    assert BRACKET in product and code in product
    assert browser.find_element(By.ID, "pcf").text == "96.4 kgCO2e/piece"


def test_bad_input_page(live: Live, browser: WebDriver, screenshots: Path) -> None:
    browser.get(f"{live.page}/id/{quote('06901234567893')}")
    assert "check digit" in verdict(browser)
    shoot(browser, screenshots, "bad-check-digit")


@pytest.mark.parametrize("code", [BRACKET_CODES["gtin"], COIL])
def test_label_qr_decodes_to_a_url_the_page_resolves(
    live: Live, browser: WebDriver, tmp_path: Path, code: str
) -> None:
    out = tmp_path / "label.png"
    args = ["--root", live.root, "--trust-anchor", str(live.demo.anchor), "--base", live.page]
    assert main(["label", code, *args, "--out", str(out)]) == 0
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(out)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert decoded.startswith(live.page)
    browser.get(decoded)
    assert "VERIFIED" in verdict(browser) and "NOT VERIFIED" not in verdict(browser)
    handle = BRACKET if code == BRACKET_CODES["gtin"] else COIL
    assert handle in browser.find_element(By.ID, "product").text


def test_the_page_script_runs_under_its_content_security_policy(
    live: Live, browser: WebDriver
) -> None:
    """The scan button is wired by the page's one inline script, allowed by its hash: where
    the browser has no BarcodeDetector (desktop Linux) the script disables the button and
    says why; had the policy blocked the script, the button would still be enabled."""
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(live.page)
    button = browser.find_element(By.ID, "scan")
    has_detector = browser.execute_script("return 'BarcodeDetector' in window")
    if has_detector:
        assert button.is_enabled()
    else:
        assert not button.is_enabled() and "cannot scan" in (button.get_attribute("title") or "")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
