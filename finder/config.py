"""Configuration from the environment, read once into typed, checked settings.

Every setting is an environment variable (prefix ``FINDER_`` for our own settings; see the
README's table). ``create_app(config)`` may override any of them by its Flask key, which is
how tests run; overrides are checked exactly as the environment is. A wrong value stops the
app at start with a ConfigurationError naming the variable and what is wrong with it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from gunicorn.util import parse_address
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from finder.policy import (
    BASE_URL_MAX,
    LANGUAGES,
    LONG_WAIT_DAYS,
    NOT_BOOKED_DAYS,
    RETENTION_FLOOR_DAYS,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - the value production refuses to run with
# Addresses only the host, or its private network, can reach (loopback, RFC 1918, IPv6 ULA).
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                    "fc00::/7")
)  # fmt: skip

Count = Annotated[int, Field(ge=0)]


class ConfigurationError(RuntimeError):
    """The app refuses to start with this configuration."""


def _under_floor(days: int) -> str:
    return (
        f"{days} days is under the floor of {RETENTION_FLOOR_DAYS} days (8 years, the NHS "
        "Records Management Code of Practice's retention for adult health records)."
    )


def check_retention(days: int) -> None:
    if days < RETENTION_FLOOR_DAYS:
        raise ConfigurationError(f"FINDER_RETENTION_DAYS: {_under_floor(days)}")


class Settings(BaseSettings):
    """The settings, each named by its Flask config key; the environment variable is that
    name unless an alias says otherwise. Unknown booleans (``FINDER_DEMO=maybe``) are
    refused rather than read as off: a typo must not turn two-step sign-in off."""

    # Names as written (os.environ is case-sensitive), and only those: no .env file.
    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore")

    FINDER_ENV: Literal["development", "production"] = "development"
    # repr=False: secrets stay out of any printed settings.
    SECRET_KEY: str = Field(default=DEFAULT_SECRET_KEY, repr=False)
    SQLALCHEMY_DATABASE_URI: str = Field(
        default=f"sqlite:///{ROOT / 'instance' / 'finder.db'}", alias="DATABASE_URL", repr=False
    )  # it may hold the database password
    # None: on, except in production.
    FINDER_DEMO: bool | None = None
    # Two-step sign-in for every staff account; only demo mode may turn it off.
    # None: "not demo mode".
    FINDER_REQUIRE_MFA: bool | None = None
    FINDER_DEMO_PASSWORD: str = Field(default="demo-password", repr=False)
    FINDER_SEEDS_DIR: str = str(ROOT / "seeds")
    FINDER_ASSETS_DIR: str = str(ROOT / "build" / "assets")
    # A course more than this many days away is flagged: people lose impetus on a wait.
    FINDER_LONG_WAIT_DAYS: Count = LONG_WAIT_DAYS
    # A referral not booked after this many days is overdue (follow-up worklist).
    FINDER_NOT_BOOKED_DAYS: Count = NOT_BOOKED_DAYS
    # Self-referrals one client may submit in an hour.
    FINDER_SELF_REFERRAL_LIMIT: Count = 5
    # Directory entries not checked for this many months are flagged as possibly stale.
    FINDER_STALE_MONTHS: Count = 6
    # Closed referrals are deleted this many days after their last change (flask purge).
    FINDER_RETENTION_DAYS: int = RETENTION_FLOOR_DAYS
    # The uptake dashboard is recomputed at most this often (seconds).
    FINDER_UPTAKE_CACHE_SECONDS: Count = 300
    # Trusted proxies in front of gunicorn (nginx: 1); their X-Forwarded-For gives the client.
    FINDER_PROXIES: Count = 0
    # Rendered public pages kept per worker (pagecache.py); 0 keeps none.
    FINDER_PAGE_CACHE_BYTES: Count = 16 * 2**20
    # How stale a kept page may be after a directory change (a read of one row per check).
    FINDER_DIRECTORY_CHECK_SECONDS: float = Field(default=1, ge=0)
    # Where this site is, for absolute links (QR codes, messages): never the Host header.
    FINDER_BASE_URL: str | None = None
    # Host names this site answers to (comma-separated); in production, by default, the
    # host of FINDER_BASE_URL. Any other Host header gets 400.
    TRUSTED_HOSTS: Annotated[list[str] | None, NoDecode] = Field(
        default=None, alias="FINDER_TRUSTED_HOSTS"
    )
    # Requests larger than this get 413 (a directory import is the largest upload).
    MAX_CONTENT_LENGTH: Count = Field(default=1024 * 1024, alias="FINDER_MAX_REQUEST_BYTES")

    # The job queue (jobs.py): Redis when this is set (several nodes), else a SQLite file
    # beside the database (one node). The URL may hold a password.
    FINDER_REDIS_URL: str | None = Field(default=None, repr=False)
    FINDER_JOBS_FILE: str = str(ROOT / "instance" / "jobs.db")
    # Run each job at once in the process that queued it, after its commit (tests; a demo
    # without a worker). Production runs workers (`flask worker`).
    FINDER_JOBS_IMMEDIATE: bool = False
    # A message queued or being sent for longer than this is taken to have lost its job (a
    # worker killed mid-send) and is queued again by the sweep; longer than NOTIFY_TIMEOUT.
    FINDER_JOBS_STUCK_SECONDS: float = Field(default=300, gt=0)
    # GOV.UK Notify (outbox/): without a key every message is recorded as not sent.
    NOTIFY_API_KEY: str | None = Field(default=None, repr=False)
    NOTIFY_BASE_URL: str = "https://api.notifications.service.gov.uk"
    # The generic templates our own text is sent through: "((subject))" and "((body))" for
    # email, "((body))" for text messages. Letters are our own PDFs (no template).
    NOTIFY_EMAIL_TEMPLATE_ID: str | None = None
    NOTIFY_SMS_TEMPLATE_ID: str | None = None
    # Seconds to wait for Notify's answer before the send is tried again later.
    NOTIFY_TIMEOUT: float = Field(default=20, gt=0)
    # The bearer token Notify's delivery receipts carry (/notify/callback); unset: refused.
    NOTIFY_CALLBACK_TOKEN: str | None = Field(default=None, repr=False)

    @field_validator("TRUSTED_HOSTS", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()] or None
        return value

    @field_validator("FINDER_RETENTION_DAYS")
    @classmethod
    def _retention_floor(cls, days: int) -> int:
        if days < RETENTION_FLOOR_DAYS:
            raise PydanticCustomError("retention_floor", _under_floor(days))
        return days

    @model_validator(mode="after")
    def _notify(self) -> Self:
        if self.NOTIFY_API_KEY and not (
            self.NOTIFY_EMAIL_TEMPLATE_ID and self.NOTIFY_SMS_TEMPLATE_ID
        ):
            raise PydanticCustomError(
                "notify",
                "NOTIFY_EMAIL_TEMPLATE_ID and NOTIFY_SMS_TEMPLATE_ID must be set with "
                "NOTIFY_API_KEY (the generic templates our messages are sent through).",
            )
        if self.NOTIFY_API_KEY and len(self.NOTIFY_API_KEY) < 74:
            raise PydanticCustomError(
                "notify",
                "NOTIFY_API_KEY must be a whole Notify API key (name-serviceid-secret).",
            )
        if self.FINDER_JOBS_STUCK_SECONDS <= self.NOTIFY_TIMEOUT:
            raise PydanticCustomError(
                "notify",
                "FINDER_JOBS_STUCK_SECONDS must be longer than NOTIFY_TIMEOUT: a message still "
                "being sent must not be taken for a lost one.",
            )
        if self.NOTIFY_CALLBACK_TOKEN is not None and len(self.NOTIFY_CALLBACK_TOKEN) < 32:
            raise PydanticCustomError(
                "notify", "NOTIFY_CALLBACK_TOKEN must be at least 32 characters."
            )
        return self

    @property
    def production(self) -> bool:
        return self.FINDER_ENV == "production"

    @model_validator(mode="after")
    def _settle(self) -> Self:
        """Settings that follow from others once the environment and overrides are in."""
        if self.FINDER_DEMO is None:
            self.FINDER_DEMO = not self.production
        if self.FINDER_REQUIRE_MFA is None:
            self.FINDER_REQUIRE_MFA = not self.FINDER_DEMO
        if not self.FINDER_BASE_URL and not self.production:
            self.FINDER_BASE_URL = "http://127.0.0.1:8000"
        if len((self.FINDER_BASE_URL or "").rstrip("/")) > BASE_URL_MAX:
            raise PydanticCustomError(
                "base_url",
                "FINDER_BASE_URL must be at most {most} characters: a personal link in a text "
                "message starts with it.",
                {"most": BASE_URL_MAX},
            )
        host = urlsplit(self.FINDER_BASE_URL or "").hostname
        if self.production and not self.TRUSTED_HOSTS and host:
            self.TRUSTED_HOSTS = [host]
        return self

    @model_validator(mode="after")
    def _production(self) -> Self:
        if not self.production:
            return self
        if self.SECRET_KEY == DEFAULT_SECRET_KEY or len(self.SECRET_KEY) < 32:
            raise PydanticCustomError(
                "production",
                "SECRET_KEY must be set to a random value of at least 32 characters in production.",
            )
        if self.FINDER_DEMO:
            raise PydanticCustomError("production", "Demo mode cannot be used in production.")
        if not self.FINDER_REQUIRE_MFA:
            raise PydanticCustomError(
                "production", "Two-step sign-in cannot be turned off in production."
            )
        base = urlsplit(self.FINDER_BASE_URL or "")
        if base.scheme != "https" or not base.hostname:
            raise PydanticCustomError(
                "production",
                "FINDER_BASE_URL must be set to the site's https address in production "
                "(links in handouts and messages start from it).",
            )
        return self


def settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The settings from the environment, with ``overrides`` (by Flask key) winning."""
    overrides = overrides or {}
    # By the variable's name (DATABASE_URL), so that an override wins over the environment.
    given = {
        field.alias or name: overrides[name]
        for name, field in Settings.model_fields.items()
        if name in overrides
    }
    try:
        return Settings(**given)
    except ValidationError as error:
        # The variable and the problem, never the value: it may be a secret or a password.
        raise ConfigurationError(
            "; ".join(
                f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}"
                if problem["loc"]
                else problem["msg"]
                for problem in error.errors(include_url=False, include_input=False)
            )
        ) from None


def flask_config(overrides: Mapping[str, Any] | None = None) -> dict[str, object]:
    """The app's whole Flask config: the checked settings, fixed values, then ``overrides``
    (tests set Flask's own keys, e.g. TESTING, this way)."""
    read = settings(overrides)
    return {
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": "en",
        # Two domains in one folder: "messages" (patients) and "staff" (may fall back to English).
        "BABEL_TRANSLATION_DIRECTORIES": f"{ROOT / 'translations'};{ROOT / 'translations'}",
        "BABEL_DOMAIN": "messages;staff",
        # Statement values stay out of logs and error messages: they are patients' details.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # Pages and API answers are compressed as served; assets are compressed at build time.
        "COMPRESS_MIMETYPES": ["text/html", "application/json", "text/csv"],
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_MIN_SIZE": 500,
        # Most pages are made for one response (a person's own answers): level 3 takes half
        # the time of the default 6 (0.05 ms for a results page), for 10% more bytes (4.9 KB).
        "COMPRESS_LEVEL": 3,
        "COMPRESS_REGISTER": False,  # finder.security decides which responses to compress
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": read.production,
        **(overrides or {}),
        **read.model_dump(),
    }


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
