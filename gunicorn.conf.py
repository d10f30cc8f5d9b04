"""gunicorn settings, each from the environment (see README "Configuration")."""

import os

from gunicorn.glogging import Logger

# One address or several, comma-separated: e.g. a unix socket for nginx and 127.0.0.1:8000
# for the container's health check.
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}").split(",")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# A worker is replaced after this many requests (a guard against slow leaks). Not too often: a
# new worker starts with cold templates and no kept pages (at 5,000 the bench lost a third of
# its throughput and its p99 to restarts).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "5000"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The query string can hold a person's answers: log the path only.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class SecretPathsHidden(Logger):
    """A provider's link, /r/<token>, opens a referral without signing in: its token is never
    written to the access log (finder/providers/links.py)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        if atoms.get("U", "").startswith("/r/"):
            atoms["U"] = "/r/(token)"
        return atoms


logger_class = SecretPathsHidden


def on_starting(server):
    """Refuse to start if FINDER_PROXIES trusts X-Forwarded-For on an address clients reach."""
    from finder import config  # imported here: gunicorn has put the app's folder on the path

    config.check_proxy_binds(config.settings().FINDER_PROXIES, server.cfg.bind)
