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
# The app is loaded and warmed once in the master (when_ready), then forked: every worker,
# including one that replaces a dead one, starts with compiled templates, loaded catalogues,
# the directory snapshot and kept pages, shared copy-on-write. A deploy must therefore restart
# the master (a full restart: stop and start, or a new container); a HUP only re-forks workers
# from the old code.
preload_app = True
# Workers are not replaced after a number of requests: no leak has been measured (see the
# README, "Performance"). Set GUNICORN_MAX_REQUESTS if one is.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "0"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The query string can hold a person's answers: log the path only.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class SecretPathsHidden(Logger):
    """A provider's link (/r/<token>) and a person's personal link (/<lang>/my/<token>) open
    what they open without signing in: their tokens are never written to the access log
    (finder.links.hide_secrets)."""

    def atoms(self, resp, req, environ, request_time):
        from finder.links import hide_secrets  # imported here: the app's folder is on the path

        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = hide_secrets(atoms.get("U", ""))
        return atoms


logger_class = SecretPathsHidden


def on_starting(server):
    """Refuse to start if FINDER_PROXIES trusts X-Forwarded-For on an address clients reach."""
    from finder import config  # imported here: gunicorn has put the app's folder on the path

    config.check_proxy_binds(config.settings().FINDER_PROXIES, server.cfg.bind)


# `make run` (FINDER_RUN_WORKER=1): a job worker (`flask worker`) started with the web server
# and stopped with it, so one command and one Ctrl-C run both. Production runs workers apart.
_job_worker = None


def _is_finder(app):
    """This settings file also serves the bare Flask app `make bench` compares against."""
    return "finder_directory" in getattr(app, "extensions", {})


def when_ready(server):
    """Warm the preloaded app before the first fork, then freeze what is there for good; then
    (under `make run`) start the job worker.

    gc.freeze() moves every object made so far out of the collector's sight: the full
    collections (80-190 ms pauses) no longer walk the app's modules, templates and snapshot,
    and forked workers do not write to those pages (copy-on-write stays shared)."""
    global _job_worker
    import gc

    from finder import warmup

    app = server.app.wsgi()
    pages = warmup.warm(app) if _is_finder(app) else 0
    gc.collect()
    gc.freeze()
    server.log.info("warmed: %d pages rendered before forking", pages)
    if os.environ.get("FINDER_RUN_WORKER") != "1":
        return
    import subprocess
    import sys

    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    _job_worker = subprocess.Popen([flask, "worker"])  # noqa: S603 - our own command
    server.log.info("job worker started (pid %s)", _job_worker.pid)


def post_fork(server, worker):
    """No database connection crosses a fork: each worker opens its own."""
    from finder.extensions import db

    app = server.app.wsgi()
    if _is_finder(app):
        with app.app_context():
            db.engine.dispose(close=False)


def on_exit(server):
    if _job_worker is not None and _job_worker.poll() is None:
        _job_worker.terminate()  # the worker finishes the jobs in hand, then stops
        try:
            _job_worker.wait(timeout=graceful_timeout)
        except Exception:
            _job_worker.kill()
