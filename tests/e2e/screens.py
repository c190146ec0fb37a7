"""Screenshots of the main journeys (issue 13, ``scripts/screenshots``): the browser tests call
``snap(page, name)`` at the steps worth seeing; it writes ``<SCREENSHOTS_DIR>/<name>.png``
(full page) only when that variable names a folder, so an ordinary test run writes nothing."""

from __future__ import annotations

import os
import re
from pathlib import Path


def snap(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if not folder:
        return
    width = page.viewport_size["width"] if page.viewport_size else 0
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    target = Path(folder) / f"{safe}-{width}px.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
