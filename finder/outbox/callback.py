"""Delivery receipts from GOV.UK Notify: ``POST /notify/callback`` with the bearer token set in
NOTIFY_CALLBACK_TOKEN (Notify's "callbacks for delivery receipts"). Bad token: 401; a body
without what a receipt holds: 400 naming the field; a receipt for no message of ours: 404."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from finder.access import bearer
from finder.extensions import csrf
from finder.outbox.sending import receipt

bp = Blueprint("outbox", __name__)
csrf.exempt(bp)

# A receipt's fields we read, and the longest each may be.
FIELDS = {"id": 40, "status": 40}


def _problem(status: int, field: str | None, message: str) -> ResponseReturnValue:
    body: dict[str, Any] = {"error": message}
    if field:
        body["field"] = field
    return jsonify(body), status


@bp.post("/notify/callback")
@bearer("NOTIFY_CALLBACK_TOKEN")
def callback() -> ResponseReturnValue:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _problem(400, "body", "the body must be a JSON object")
    for field, longest in FIELDS.items():
        value = body.get(field)
        if not isinstance(value, str) or not value or len(value) > longest:
            return _problem(400, field, f"{field} must be a string of 1 to {longest} characters")
    reference = body.get("reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 120):
        return _problem(400, "reference", "reference must be a string of up to 120 characters")
    message = receipt(body["id"], reference, body["status"])
    if message is None:
        return _problem(404, "id", "no message has this id or reference")
    return jsonify({"status": message.status}), 200
