"""The staff menu in the page header."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user


def staff_navigation() -> list[dict[str, Any]]:
    """The staff menu for the signed-in user's role (empty for patients)."""
    if not current_user.is_authenticated:
        return []
    items = [("staff.home", _("Home"))]
    if current_user.role in ("clinician", "support"):
        items += [
            ("staff.consult", _("Consultation")),
            ("staff.referrals", _("Referrals")),
            ("staff.follow_up", _("Follow-up")),
            ("staff.register", _("Not yet referred")),
            ("staff.register_online", _("Register online")),
            ("staff.attendance", _("Attendance")),
        ]
    if current_user.role == "commissioner":
        items += [
            ("commissioning.directory", _("Directory")),
            ("commissioning.feedback", _("Feedback")),
            ("commissioning.provider_links", _("Provider links")),
        ]
    if current_user.role == "provider":
        items.append(("staff.inbox", _("Inbox")))
    if current_user.role in ("commissioner", "clinician"):
        items.append(("commissioning.uptake", _("Uptake")))
    if current_user.role == "admin":
        items.append(("admin.users", _("Accounts")))
    items.append(("public.explainers", _("Explainers")))
    items.append(("staff.account", _("Your account")))
    return [
        {"href": url_for(endpoint), "text": text, "current": request.endpoint == endpoint}
        for endpoint, text in items
    ]


def staff_search() -> dict[str, Any] | None:
    """The header's search box (nhsuk-frontend header ``search``) for practice staff."""
    if not current_user.is_authenticated or current_user.role not in ("clinician", "support"):
        return None
    return {
        "action": url_for("staff.search"),
        "name": "q",
        "placeholder": _("Reference, NHS number or name"),
        "visuallyHiddenLabel": _("Search your practice's referrals"),
        "visuallyHiddenButton": _("Search"),
    }
