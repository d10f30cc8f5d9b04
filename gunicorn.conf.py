"""gunicorn settings, each from the environment (see README "Configuration")."""

import os

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


def on_starting(server):
    """Refuse to start if FINDER_PROXIES trusts X-Forwarded-For on an address clients reach."""
    from finder import config  # imported here: gunicorn has put the app's folder on the path

    config.check_proxy_binds(config.settings().FINDER_PROXIES, server.cfg.bind)


# `make run` (FINDER_RUN_WORKER=1): a job worker (`flask worker`) started with the web server
# and stopped with it, so one command and one Ctrl-C run both. Production runs workers apart.
_job_worker = None


def when_ready(server):
    global _job_worker
    if os.environ.get("FINDER_RUN_WORKER") != "1":
        return
    import subprocess
    import sys

    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    _job_worker = subprocess.Popen([flask, "worker"])  # noqa: S603 - our own command
    server.log.info("job worker started (pid %s)", _job_worker.pid)


def on_exit(server):
    if _job_worker is not None and _job_worker.poll() is None:
        _job_worker.terminate()  # the worker finishes the jobs in hand, then stops
        try:
            _job_worker.wait(timeout=graceful_timeout)
        except Exception:
            _job_worker.kill()
