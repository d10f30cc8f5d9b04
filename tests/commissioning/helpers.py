"""Forms sent back as a browser would: each field as the page shows it, with some changed."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import check_page


def shown_fields(client: FlaskClient, path: str) -> dict[str, Any]:
    """The fields of the page's main form (the one with the most) as a browser sends them:
    text as shown, the ticked boxes and chosen options only, as lists."""
    page = check_page(client.get(path).get_data(as_text=True))
    forms = page.find_all("form", method="post")  # the header has sign-out's
    form = max(forms, key=lambda f: len(f.find_all(["input", "textarea", "select"])))
    fields: dict[str, Any] = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = str(field.get("name") or "")
        if not name:
            continue
        if field.name == "textarea":
            fields[name] = field.get_text()
        elif field.name == "select":
            chosen = field.find("option", selected=True)
            if chosen is not None:
                fields[name] = chosen.get("value", "")
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                fields.setdefault(name, []).append(field["value"])
        else:
            fields[name] = field.get("value", "")
    return fields
