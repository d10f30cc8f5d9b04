"""The rules live in finder/policy.py: no template states one of them as a literal."""

from __future__ import annotations

from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Written out by hand: how each rule in policy.py would look if a template restated it.
RESTATED = ["<5", "&lt;5", "9 months", "nine months", "15 minutes", "30 minutes", "12 hours"]


@pytest.mark.parametrize("literal", RESTATED)
def test_no_template_restates_a_rule(literal: str) -> None:
    found = [
        str(path.relative_to(TEMPLATES))
        for path in sorted(TEMPLATES.rglob("*.jinja"))
        if literal in path.read_text(encoding="utf-8")
    ]
    assert found == []
