"""The accessibility check of the browser tests can fail: axe-core (bundled by
``axe-playwright-python``, evaluated in the page) reports a known violation, and
``assert_accessible`` names it. Skipped like the other browser tests where Chromium is absent
and CI is not set."""

from __future__ import annotations

import pytest
from browserkit import assert_accessible, axe_violations, open_page

BROKEN = """<!doctype html><html lang="zh-CN"><head><title>t</title></head><body><main>
<h1>表单</h1><input type="text" id="nameless">
<p style="color:#777;background:#888">灰底灰字</p></main></body></html>"""


def test_axe_reports_a_missing_label_and_a_low_contrast():
    with open_page() as page:
        page.set_content(BROKEN)
        found = {v["id"] for v in axe_violations(page)}
        assert {"label", "color-contrast"} <= found
        with pytest.raises(AssertionError, match="color-contrast"):
            assert_accessible(page, "broken page")
        page.set_content(
            BROKEN.replace('<input type="text" id="nameless">', "").replace(
                "color:#777;background:#888", "color:#1f2933;background:#fff"
            )
        )
        assert_accessible(page, "mended page")
