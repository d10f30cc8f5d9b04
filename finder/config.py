"""Configuration from the environment.

Every setting can be given as an environment variable of the same name (prefix ``FINDER_`` for
our own settings). ``create_app(config)`` may override any of them, which is how tests run.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from gunicorn.util import parse_address

from finder.policy import LANGUAGES, LONG_WAIT_DAYS, NOT_BOOKED_DAYS, RETENTION_FLOOR_DAYS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - the value production refuses to run with
# Addresses only the host, or its private network, can reach (loopback, RFC 1918, IPv6 ULA).
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                    "fc00::/7")
)  # fmt: skip


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None) -> list[str] | None:
    return [item.strip() for item in value.split(",") if item.strip()] if value else None


def from_environment() -> dict[str, object]:
    env = os.environ.get("FINDER_ENV", "development")
    return {
        "FINDER_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'finder.db'}"
        ),
        "FINDER_DEMO": _bool("FINDER_DEMO", env != "production"),
        # Two-step sign-in for every staff account; only demo mode may turn it off.
        # None: decided by create_app as "not demo mode".
        "FINDER_REQUIRE_MFA": (
            _bool("FINDER_REQUIRE_MFA", True) if "FINDER_REQUIRE_MFA" in os.environ else None
        ),
        "FINDER_DEMO_PASSWORD": os.environ.get("FINDER_DEMO_PASSWORD", "demo-password"),
        "FINDER_SEEDS_DIR": os.environ.get("FINDER_SEEDS_DIR", str(ROOT / "seeds")),
        "FINDER_ASSETS_DIR": os.environ.get("FINDER_ASSETS_DIR", str(ROOT / "build" / "assets")),
        "FINDER_LONG_WAIT_DAYS": int(os.environ.get("FINDER_LONG_WAIT_DAYS", LONG_WAIT_DAYS)),
        "FINDER_NOT_BOOKED_DAYS": int(os.environ.get("FINDER_NOT_BOOKED_DAYS", NOT_BOOKED_DAYS)),
        # Self-referrals one client may submit in an hour.
        "FINDER_SELF_REFERRAL_LIMIT": int(os.environ.get("FINDER_SELF_REFERRAL_LIMIT", "5")),
        # Directory entries not checked for this many months are flagged as possibly stale.
        "FINDER_STALE_MONTHS": int(os.environ.get("FINDER_STALE_MONTHS", "6")),
        # Closed referrals are deleted this many days after their last change (flask purge).
        "FINDER_RETENTION_DAYS": int(
            os.environ.get("FINDER_RETENTION_DAYS", str(RETENTION_FLOOR_DAYS))
        ),
        # The uptake dashboard is recomputed at most this often (seconds).
        "FINDER_UPTAKE_CACHE_SECONDS": int(os.environ.get("FINDER_UPTAKE_CACHE_SECONDS", "300")),
        # Trusted proxies in front of gunicorn (nginx: 1); their X-Forwarded-For gives the client.
        "FINDER_PROXIES": int(os.environ.get("FINDER_PROXIES", "0")),
        # Rendered public pages kept per worker (pagecache.py); 0 keeps none.
        "FINDER_PAGE_CACHE_BYTES": int(os.environ.get("FINDER_PAGE_CACHE_BYTES", str(16 * 2**20))),
        # How stale a kept page may be after a directory change (a read of one row per check).
        "FINDER_DIRECTORY_CHECK_SECONDS": float(
            os.environ.get("FINDER_DIRECTORY_CHECK_SECONDS", "1")
        ),
        # Where this site is, for absolute links (QR codes, messages): never the Host header.
        "FINDER_BASE_URL": os.environ.get("FINDER_BASE_URL"),
        # Host names this site answers to (comma-separated); in production, by default, the
        # host of FINDER_BASE_URL. Any other Host header gets 400.
        "TRUSTED_HOSTS": _list(os.environ.get("FINDER_TRUSTED_HOSTS")),
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": "en",
        # Two domains in one folder: "messages" (patients) and "staff" (may fall back to English).
        "BABEL_TRANSLATION_DIRECTORIES": f"{ROOT / 'translations'};{ROOT / 'translations'}",
        "BABEL_DOMAIN": "messages;staff",
        # Statement values stay out of logs and error messages: they are patients' details.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # Requests larger than this get 413 (a directory import is the largest upload).
        "MAX_CONTENT_LENGTH": int(os.environ.get("FINDER_MAX_REQUEST_BYTES", str(1024 * 1024))),
        # Pages and API answers are compressed as served; assets are compressed at build time.
        "COMPRESS_MIMETYPES": ["text/html", "application/json", "text/csv"],
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_MIN_SIZE": 500,
        "COMPRESS_REGISTER": False,  # finder.security decides which responses to compress
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
    }


class ConfigurationError(RuntimeError):
    """The app refuses to start with this configuration."""


def settle(config: dict[str, object]) -> None:
    """Settings that follow from others once the environment and overrides are in."""
    if config.get("FINDER_REQUIRE_MFA") is None:
        config["FINDER_REQUIRE_MFA"] = not config["FINDER_DEMO"]
    production = config["FINDER_ENV"] == "production"
    if not config.get("FINDER_BASE_URL") and not production:
        config["FINDER_BASE_URL"] = "http://127.0.0.1:8000"
    base = urlsplit(str(config.get("FINDER_BASE_URL") or ""))
    if production and not config.get("TRUSTED_HOSTS") and base.hostname:
        config["TRUSTED_HOSTS"] = [base.hostname]


def check_retention(days: int) -> None:
    if days < RETENTION_FLOOR_DAYS:
        raise ConfigurationError(
            f"FINDER_RETENTION_DAYS={days} is under the floor of {RETENTION_FLOOR_DAYS} days "
            "(8 years, the NHS Records Management Code of Practice's retention for adult health "
            "records)."
        )


def check(config: dict[str, object]) -> None:
    check_retention(int(config["FINDER_RETENTION_DAYS"]))  # type: ignore[call-overload]
    if config["FINDER_ENV"] == "production":
        key = config.get("SECRET_KEY")
        if not key or key == DEFAULT_SECRET_KEY or len(str(key)) < 32:
            raise ConfigurationError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production."
            )
        if config.get("FINDER_DEMO"):
            raise ConfigurationError("Demo mode cannot be used in production.")
        if not config.get("FINDER_REQUIRE_MFA"):
            raise ConfigurationError("Two-step sign-in cannot be turned off in production.")
        base = urlsplit(str(config.get("FINDER_BASE_URL") or ""))
        if base.scheme != "https" or not base.hostname:
            raise ConfigurationError(
                "FINDER_BASE_URL must be set to the site's https address in production "
                "(links in handouts and messages start from it)."
            )


def _reachable_from_outside(bind: str) -> bool:
    """Whether clients beyond the host's private network could reach gunicorn on ``bind``
    (a gunicorn bind: ``HOST:PORT``, ``[IPv6]:PORT``, ``unix:PATH`` or ``fd://N``)."""
    address = parse_address(bind)  # gunicorn's own reading of it
    if isinstance(address, str):
        return False  # a unix socket: only processes on this host can connect
    if isinstance(address, int):
        return True  # a socket made elsewhere (systemd): its address cannot be checked here
    try:
        # A name counts by every address it stands for ("localhost": 127.0.0.1 and ::1).
        found = {info[4][0] for info in socket.getaddrinfo(address[0], None)}
    except OSError:
        return True
    for text in found:
        ip = ipaddress.ip_address(str(text).split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not any(ip in network for network in PRIVATE_NETWORKS):
            return True
    return False


def check_proxy_binds(proxies: int, binds: Iterable[str]) -> None:
    """With FINDER_PROXIES set, the app believes X-Forwarded-For; that is safe only when no
    client can reach gunicorn except through the proxy. Called by gunicorn.conf.py at start."""
    if proxies <= 0:
        return
    exposed = [bind for bind in binds if _reachable_from_outside(bind)]
    if exposed:
        raise ConfigurationError(
            f"FINDER_PROXIES={proxies} trusts the X-Forwarded-For header, but gunicorn listens on "
            f"{', '.join(exposed)}, where clients can reach it directly and forge that header. "
            "Bind gunicorn to a loopback or private address, or a unix socket, that only the "
            "proxy reaches (GUNICORN_BIND=127.0.0.1:8000), or set FINDER_PROXIES=0."
        )
