"""A real Chromium (Debian's /usr/bin/chromium) driven by Playwright for Python, and a real
server whose database holds the /account page's client and a user.

The test skips only where the browser tools are missing (a developer machine without them);
with AUTHSERVER_BROWSER_TESTS=required (set by .ci/run) a missing tool fails instead.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from authserver.clients import ensure_account_client
from authserver.extensions import db
from tests.e2e.conftest import LiveServer, free_port, start_server, stop_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"
#: short enough to wait past in a test, long enough for a few clicks within one token's life
ACCESS_TOKEN_TTL = 3

_saved: list[Path] = []


def _missing_tools() -> list[str]:
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("playwright for Python (pip install -e '.[test]')")
    return missing


@pytest.fixture(scope="session")
def browser() -> Iterator:
    missing = _missing_tools()
    if missing:
        reason = f"browser tests need {' and '.join(missing)}"
        if os.environ.get("AUTHSERVER_BROWSER_TESTS") == "required":
            pytest.fail(f"{reason}; AUTHSERVER_BROWSER_TESTS=required", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def account_server(app: Flask, settings: dict, make_user, tmp_path: Path) -> Iterator[LiveServer]:
    """A gunicorn server with ACCESS_TOKEN_TTL-second access tokens, the account client
    allowed from the server's own origin (as `authserver init` leaves it), and alice."""
    port = free_port()
    with app.app_context():
        ensure_account_client(f"http://127.0.0.1:{port}", app.config["AUTHSERVER_SCOPES"].split())
        db.session.commit()
    make_user()
    server = start_server(settings, tmp_path / "server.log", workers=2, port=port,
                          AUTHSERVER_ACCESS_TOKEN_TTL=ACCESS_TOKEN_TTL)
    yield server
    stop_server(server)


class Screenshots:
    """Numbered full-page screenshots in tests/browser/artifacts/<test>/ (git-ignored)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Screenshots:
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    _saved.append(folder)
    print(f"screenshots: {folder}")
    return Screenshots(folder)


def pytest_terminal_summary(terminalreporter) -> None:
    for folder in _saved:
        if any(folder.glob("*.png")):
            terminalreporter.write_line(f"browser screenshots: {folder}")
