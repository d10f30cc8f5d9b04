"""Password hashing with argon2 (argon2-cffi's recommended parameters)."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults: RFC 9106's second recommended option (argon2id, 64 MiB, 3 passes,
# 4 lanes). A stored hash carries its own parameters, so verifying one made at another cost
# works; the test suite hashes at the cheapest cost (tests/conftest.py).
hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify(stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _nobody() -> str:
    return hasher.hash("no account has this password")


def verify_nobody() -> bool:
    """As long as ``verify`` takes, for an account that does not exist: always False."""
    verify(_nobody(), "a password someone typed")
    return False
