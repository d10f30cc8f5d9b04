"""Two-step sign-in: a time-based one-time password (TOTP, RFC 6238) from an authenticator
app, with one-time recovery codes for a lost phone."""

from __future__ import annotations

import re
import secrets

import pyotp
from markupsafe import Markup

from finder import clock, links
from finder.models import User
from finder.passwords import hash_password, verify

ISSUER = "Diabetes Education Finder"
RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()


def qr_svg(secret: str, email: str, label: str) -> Markup:
    """The QR code an authenticator app scans to add the account (named ``label``)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    return links.qr_svg(uri, label=label)


def _step(code: str, secret: str) -> int | None:
    """The time step the code belongs to (now, or one step either side), or None."""
    totp = pyotp.TOTP(secret)
    now = totp.timecode(clock.now())
    for step in (now, now - 1, now + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_code(user: User, code: str) -> bool:
    """A current code not used before (a replayed code is refused)."""
    code = code.replace(" ", "")
    if not user.totp_secret or not code.isdigit() or len(code) != 6:
        return False
    step = _step(code, user.totp_secret)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def check_enrolment(secret: str, code: str) -> bool:
    code = code.replace(" ", "")
    return code.isdigit() and len(code) == 6 and _step(code, secret) is not None


_RECOVERY_CODE = re.compile(r"^[0-9a-f]{12}$")


def _plain(code: str) -> str:
    return code.replace("-", "").replace(" ", "").lower()


def new_recovery_codes(user: User) -> list[str]:
    """Ten one-time codes, kept only as password hashes (argon2): shown once, here."""
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    user.recovery_codes = [hash_password(_plain(c)) for c in codes]
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    plain = _plain(code)
    if not user.recovery_codes or not _RECOVERY_CODE.match(plain):
        return False
    for stored in user.recovery_codes:
        if verify(stored, plain):
            user.recovery_codes = [c for c in user.recovery_codes if c != stored]
            return True
    return False
