"""Password hashing with argon2 (argon2-cffi's recommended parameters)."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _nobody() -> str:
    return _hasher.hash("no account has this password")


def verify_nobody() -> bool:
    """As long as ``verify`` takes, for an account that does not exist: always False."""
    verify(_nobody(), "a password someone typed")
    return False
