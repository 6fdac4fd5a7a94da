"""Real-browser fixtures: Playwright drives Debian's Chromium against the live server.

`make test` installs /usr/bin/chromium (`playwright install` would download browsers, which this network refuses).
Without Chromium the browser tests skip, unless POOL_REQUIRE_BROWSER=1 (CI), where they fail.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import DEMO_LOGINS, DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"
# The network here is closed: without these, Chromium waits on refused connections to Google's services.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
ROLES = list(DEMO_LOGINS)


def _unavailable(reason: str):
    if os.environ.get("POOL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (POOL_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session; each test gets its own context and page."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: run `make test` (it installs the test extra)")
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} is missing: `make test` installs Debian's chromium when run as root")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page (own cookies) on the live server, in Swedish at desktop width; `page.goto("/login")` works."""
    context = browser.new_context(base_url=live_server, locale="sv-SE", timezone_id="Europe/Stockholm",
                                  viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, role: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real login form as the demo user of ``role``; lands on the role's home page."""
    page.goto("/login")
    page.get_by_label("E-post").fill(DEMO_LOGINS[role])
    page.get_by_label("Lösenord").fill(password)
    page.locator("main").get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"sign-in as {role} failed"


def sign_out(page) -> None:
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state()


def phone(page) -> None:
    """A 375 px wide viewport, the narrowest phone the pages must work on."""
    page.set_viewport_size(PHONE)


def desktop(page) -> None:
    page.set_viewport_size(DESKTOP)


def menu_links(page) -> list[tuple[str, str]]:
    """(label, path) of every link in the main menu, as menu_for rendered it for the signed-in user."""
    links = page.get_by_role("navigation", name="Huvudmeny").get_by_role("link")
    return [(link.inner_text().strip(), link.get_attribute("href")) for link in links.all()]


def check_accessibility(page, context=None) -> None:
    """Run axe-core (WCAG 2.1 A and AA rules) and fail on serious or critical violations, listed readably."""
    from axe_playwright_python.sync_playwright import Axe
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, context=context, options=options)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"accessibility violations on {page.url} at {page.viewport_size['width']} px:\n" + \
        "\n".join(_describe(v) for v in blocking)


def _describe(violation: dict) -> str:
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"]
    for node in violation["nodes"][:5]:
        summary = " ".join(node.get("failureSummary", "").split())
        lines.append(f"    {' '.join(map(str, node['target']))}: {summary[:300]}")
    if len(violation["nodes"]) > 5:
        lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the viewport (0 when nothing needs sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshot_dir):
    """screenshot(page, "coordinator-plan") saves a full-page PNG (or only ``element``'s) under a tmp dir,
    and into $POOL_SCREENSHOTS if set."""
    def take(page, name: str, element=None) -> Path:
        path = screenshot_dir / f"{_slug(name)}-{page.viewport_size['width']}px.png"
        if element is None:
            page.screenshot(path=str(path), full_page=True)
        else:
            element.screenshot(path=str(path))
        return _share(path)
    return take


@pytest.fixture
def keep_file(screenshot_dir):
    """keep_file("week-grid.pdf", data) saves other output (a printed PDF) beside the screenshots."""
    def keep(name: str, data: bytes) -> Path:
        path = screenshot_dir / name
        path.write_bytes(data)
        return _share(path)
    return keep


def _share(path: Path) -> Path:
    if wanted := os.environ.get("POOL_SCREENSHOTS"):
        Path(wanted).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(wanted) / path.name)
    return path


def _slug(text: str) -> str:
    plain = text.lower().translate(str.maketrans("åäöé", "aaoe"))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "page"
