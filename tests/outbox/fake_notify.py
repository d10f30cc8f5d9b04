"""A fake GOV.UK Notify API on a local port, for the real notifications-python-client.

It checks each request as Notify does: the JWT (HS256, signed with the API key's secret, the
service id as issuer, issued within 30 seconds), then the body against the fields Notify's API
documents for each endpoint. It records every notification it accepted, answers look-ups by
reference, writes the delivery receipts Notify would send (`receipt`), can fail the next
requests on demand (500, 429), and can hold each send for a while after recording it (a
worker killed mid-send: tests/outbox/test_workers.py).
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"finder_test-{SERVICE_ID}-{SECRET}"
EMAIL_TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"
SMS_TEMPLATE = "0f2b5e37-7b0c-4c4a-8f3e-0f7d1b0a5a11"

REQUIRED = {
    "/v2/notifications/email": {"email_address", "template_id"},
    "/v2/notifications/sms": {"phone_number", "template_id"},
    "/v2/notifications/letter": {"reference", "content"},
}


class FakeNotify:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.failures: list[int] = []  # statuses to answer the next sends with
        self.hold = 0.0  # seconds to wait after recording a send, before answering
        self.rejected: list[str] = []  # why requests were refused (401/400)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # The client may have been killed while the send was held.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def _authorised(self) -> bool:
                header = self.headers.get("Authorization", "")
                try:
                    claims = jwt.decode(
                        header.removeprefix("Bearer "),
                        SECRET,
                        algorithms=["HS256"],
                        options={"require": ["iss", "iat"], "verify_iat": True},
                    )
                except jwt.PyJWTError as error:
                    fake.rejected.append(f"jwt: {error}")
                    return False
                if claims["iss"] != SERVICE_ID or abs(time.time() - claims["iat"]) > 30:
                    fake.rejected.append("jwt: wrong issuer or time")
                    return False
                return True

            def do_GET(self) -> None:
                if not self._authorised():
                    return self._answer(403, {"errors": [{"error": "AuthError"}]})
                url = urlsplit(self.path)
                reference = parse_qs(url.query).get("reference", [None])[0]
                with fake.lock:
                    found = [n for n in fake.received if n["reference"] == reference]
                self._answer(200, {"notifications": found, "links": {}})

            def do_POST(self) -> None:
                if not self._authorised():
                    return self._answer(403, {"errors": [{"error": "AuthError"}]})
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                missing = REQUIRED.get(path, set()) - set(body)
                if path not in REQUIRED or missing:
                    fake.rejected.append(f"{path}: missing {missing}")
                    return self._answer(400, {"errors": [{"error": "ValidationError"}]})
                with fake.lock:
                    if fake.failures:
                        status = fake.failures.pop(0)
                        return self._answer(status, {"errors": [{"error": "Failure"}]})
                    notification = {
                        "id": str(uuid.uuid4()),
                        "reference": body.get("reference"),
                        "type": path.rsplit("/", 1)[1],
                        "status": "created",
                        "body": body,
                    }
                    if notification["type"] == "letter":
                        pdf = base64.b64decode(body["content"])
                        notification["pdf"] = pdf[:5].decode("latin-1")
                    fake.received.append(notification)
                time.sleep(fake.hold)
                self._answer(201, {"id": notification["id"], "reference": body.get("reference")})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def receipt(self, notification: dict[str, Any], status: str) -> dict[str, Any]:
        """The delivery receipt Notify would send to our callback for ``notification``
        (the fields its documentation lists for email and text message callbacks)."""
        body = notification["body"]
        return {
            "id": notification["id"],
            "reference": notification["reference"],
            "to": body.get("email_address") or body.get("phone_number"),
            "status": status,
            "created_at": "2027-01-04T10:30:00.000000Z",
            "completed_at": "2027-01-04T10:30:05.000000Z",
            "sent_at": "2027-01-04T10:30:01.000000Z",
            "notification_type": notification["type"],
            "template_id": body.get("template_id"),
            "template_version": 1,
        }

    def start(self) -> FakeNotify:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.failures.clear()
            self.rejected.clear()
            self.hold = 0.0


def to_patients(fake: FakeNotify) -> list[dict[str, Any]]:
    """What the fake received, less the emails to course teams (a referral's link: in demo
    mode every group programme has a referral contact)."""
    return [n for n in fake.received if not n["reference"].endswith(":provider-link")]


def settings(fake: FakeNotify, **more: Any) -> dict[str, Any]:
    """An app's settings to send through ``fake`` with the real client."""
    return {
        "NOTIFY_API_KEY": API_KEY,
        "NOTIFY_BASE_URL": fake.url,
        "NOTIFY_EMAIL_TEMPLATE_ID": EMAIL_TEMPLATE,
        "NOTIFY_SMS_TEMPLATE_ID": SMS_TEMPLATE,
        "NOTIFY_TIMEOUT": 5,
        **more,
    }


def confirmation(reference: str) -> dict[str, str]:
    """A self-referral confirmation's personalisation, for tests that send one directly."""
    return {
        "reference": reference,
        "next_steps": "Your GP practice has your referral.",
        "date": "Monday 18 January",
    }
