"""The README's pictures of the Mini App: `scripts/webapp-screenshots` (Debian's Chromium, no network).

The gallery in English, Chinese (360 px) and Russian, and a person's page in the dark theme, 360 px wide."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.webapp.browser_support import CHROMIUM, Site, open_page


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        site = Site(Path(scratch))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            shots = [
                ("webapp-en.png", "en", False, 390, ""),
                ("webapp-zh.png", "zh-hans", False, 360, ""),
                ("webapp-ru.png", "ru", False, 390, ""),
                ("webapp-dark.png", "en", True, 360, "?person=kin-phea"),
            ]
            for user_id, (name, language_code, dark, width, query) in enumerate(shots, start=7001):
                page = open_page(
                    browser, site, language_code, user_id=user_id, dark=dark, width=width, query=query
                )
                if query:
                    page.wait_for_selector(".profile")
                page.screenshot(path=str(folder / name))
                page.context.close()
                print(folder / name)
        finally:
            browser.close()
            site.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
