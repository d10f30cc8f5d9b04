"""Browser fixtures: Debian's Chromium driven by Playwright against a live server.

Nothing may leave the machine: every request to a host other than the live server is
blocked and recorded, and a test fails if its page tried one.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from babel.support import Translations
from flask import Flask
from playwright.sync_api import Browser, Page, Route
from werkzeug.serving import make_server

from tests.conftest import ROOT, skip_or_fail

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # The live server answers from its own threads: the rows must be committed.
            item.add_marker(pytest.mark.commits)
            # The development server leaves a file unclosed when the browser drops a request
            # as it navigates away; that is the test server's business, not the app's.
            item.add_marker(
                pytest.mark.filterwarnings(
                    "ignore:Exception ignored in. <_io.FileIO"
                    ":pytest.PytestUnraisableExceptionWarning"
                )
            )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        skip_or_fail("Debian's chromium is not installed (make test installs it as root)")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def words() -> Callable[[str], Callable[[str], str]]:
    """The site's own catalogues, so a test can find "Continue" in any language."""

    def for_language(lang: str) -> Callable[[str], str]:
        return Translations.load(str(ROOT / "translations"), [lang]).gettext

    return for_language


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def open_page(browser: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    """Open a page in a new context (JavaScript on or off), blocking every other host."""
    contexts = []
    blocked: list[str] = []
    csp_violations: list[str] = []
    own_host = urlsplit(live_server).netloc

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own_host:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    def open_(path: str = "/", javascript: bool = True, **context_args: Any) -> Page:
        context = browser.new_context(java_script_enabled=javascript, **context_args)
        context.route("**/*", guard)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                csp_violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.goto(live_server + path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not blocked, f"requests to other hosts: {blocked}"
    assert not csp_violations, f"Content-Security-Policy violations: {csp_violations}"
