"""Shared helpers of the browser tests: Chromium (Debian's /usr/bin/chromium) through
Playwright, skipped where the browser is absent and CI is not set (under CI=true a missing
browser fails), and accessibility checks with axe-core, the script bundled by the PyPI package
``axe-playwright-python`` evaluated in the page (nothing fetched, nothing vendored here)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
DESKTOP = {"width": 900, "height": 1000}
NARROW = {"width": 360, "height": 740}  # the narrowest phone the pages are made for
# WCAG 2.1 A and AA, the rules the pages are held to
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# the citizen pages also meet WCAG 2.2 AA (target size 2.5.8) and axe's best practices
CITIZEN_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": [*AXE_OPTIONS["runOnly"]["values"], "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def browser_or_skip():
    """Playwright's ``sync_playwright``, or a skip (a failure under CI) without Chromium."""
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"CI=true but {CHROMIUM} is missing: .ci/run installs chromium")
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium fonts-noto-cjk); CI unset")
    if IN_CI:
        from playwright.sync_api import sync_playwright
    else:
        sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    return sync_playwright


@contextlib.contextmanager
def open_page(viewport: dict | None = None, javascript: bool = True) -> Iterator:
    """One tab of a fresh Chromium (zh-CN, ``viewport`` or ``DESKTOP``; ``javascript=False``:
    as a browser without script), closed afterwards."""
    sync_playwright = browser_or_skip()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(
                locale="zh-CN", viewport=viewport or DESKTOP, java_script_enabled=javascript
            )
            tab = context.new_page()
            tab.set_default_timeout(10_000)
            yield tab
            context.close()
        finally:
            browser.close()


def axe_violations(page, options: dict = AXE_OPTIONS) -> list[dict]:
    """The axe-core violations of the page as it is now (WCAG 2.1 A/AA rules, or
    ``options``)."""
    if IN_CI:
        from axe_playwright_python.sync_playwright import Axe
    else:
        Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe
    return Axe().run(page, options=options).response["violations"]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
        for v in violations
    )


def assert_accessible(page, where: str = "", options: dict = AXE_OPTIONS) -> None:
    """No axe-core violation on the page, at its current viewport."""
    violations = axe_violations(page, options)
    assert not violations, f"{where or page.url}:\n{describe(violations)}"


def accessible_at_both_widths(page, where: str) -> None:
    """No axe-core violation at the desktop width nor at 360 px, where the page also fits
    without scrolling sideways; the desktop width afterwards."""
    assert_accessible(page, where)
    page.set_viewport_size(NARROW)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), where
    assert_accessible(page, f"{where} at 360 px")
    page.set_viewport_size(DESKTOP)
