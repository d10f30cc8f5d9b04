"""Fixtures of the security suites."""

from __future__ import annotations

import pytest

from tests.conftest import migrated_app


@pytest.fixture(scope="module")
def strict_app(tmp_path_factory):
    """An app that is not in demo mode: two-step sign-in is required."""
    app = migrated_app(f"sqlite:///{tmp_path_factory.mktemp('mfa') / 'm.db'}")
    app.config["FINDER_DEMO"] = False
    app.config["FINDER_REQUIRE_MFA"] = True
    return app
