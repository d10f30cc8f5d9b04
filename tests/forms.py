"""Forms sent back as a browser would: each field as the page shows it, with some changed."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup, Tag
from flask.testing import FlaskClient

from tests.conftest import check_page


def main_form(page: BeautifulSoup) -> Tag:
    """The page's main form: the POST form with the most fields (the header has sign-out's)."""
    forms = page.find_all("form", method="post")
    assert forms, "no form on the page"
    return max(forms, key=lambda f: len(f.find_all(["input", "textarea", "select"])))


def hidden_fields(node: Tag, selector: str = "input[type=hidden]") -> dict[str, str]:
    """The hidden fields under ``node`` (a form, or a page), by name, as a browser sends them."""
    return {str(i["name"]): str(i.get("value", "")) for i in node.select(selector)}


def form_values(form: Tag) -> dict[str, Any]:
    """What a browser sends for ``form`` as shown: text as it stands, the chosen option (the
    first when none is marked), the ticked boxes and radios only, as lists."""
    values: dict[str, Any] = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = str(field.get("name") or "")
        if not name:
            continue
        if field.name == "textarea":
            values[name] = field.get_text()
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            values[name] = str(chosen.get("value", "")) if chosen else ""
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                values.setdefault(name, []).append(str(field.get("value", "on")))
        else:
            values[name] = str(field.get("value", ""))
    return values


def shown_fields(client: FlaskClient, path: str) -> dict[str, Any]:
    """The fields of the page's main form as a browser sends them."""
    return form_values(main_form(check_page(client.get(path).get_data(as_text=True))))
