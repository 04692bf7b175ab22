"""Debian's headless Chromium, for the widget test."""

from __future__ import annotations

import os
from pathlib import Path

from bot import REPO_ROOT
from ops.stack import (
    StartupError,
)

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("E2E_CHROMEDRIVER", "/usr/bin/chromedriver"))
SCREENSHOTS = REPO_ROOT / "reports" / "screenshots"
WIDGET_PAGE_PATH = "/webhooks/webchat/chat"
BROWSER_WINDOW = (1000, 1100)


def start_chromium(profile_dir: Path):
    """Debian's headless Chromium through Debian's chromedriver (`make browser` installs both).

    The driver's path is given explicitly, so Selenium Manager never runs (it would try to
    download a driver or a browser); the profile is a fresh folder of the test's own.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        raise StartupError(
            f"{', '.join(missing)} not found: run `make browser` (Debian's chromium and chromium-driver)."
        )
    profile_dir.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={BROWSER_WINDOW[0]},{BROWSER_WINDOW[1]}",
        f"--user-data-dir={profile_dir}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(profile_dir.parent / "chromedriver.log"))
    return webdriver.Chrome(service=service, options=options)
