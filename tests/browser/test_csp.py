"""The page template's inline script runs under our Content-Security-Policy, allowed by its
hash (no nonce): the body is marked as having JavaScript, and the browser reports no
violation (the open_page fixture fails a test on any). Kept pages arrive gzipped."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_the_inline_script_runs_on_a_kept_page_served_gzipped(open_page):
    for _ in range(2):  # the second visit is the kept page
        page = open_page("/en/programmes/desmond")
        expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
        response = page.request.get(page.url, headers={"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip"
