"""What an operator deploys: gunicorn trusts X-Forwarded-For (FINDER_PROXIES) only where no
client can reach it but through the proxy; the shipped nginx config logs paths only."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from finder.config import ConfigurationError, check_proxy_binds
from tests.conftest import ROOT, skip_or_fail
from tests.security.servers import BIN

NGINX_CONF = ROOT / "deploy" / "nginx-finder.conf"

PUBLIC = ["0.0.0.0:8000", "[::]:8000", "81.2.69.160:8000", "8.8.8.8", "172.32.0.1:8000", "fd://3"]
PRIVATE = [
    "127.0.0.1:8000",
    "127.0.0.1",
    "[::1]:8000",
    "localhost:8000",
    "unix:/run/finder/gunicorn.sock",
    "10.0.0.5:8000",
    "172.16.0.1:8000",
    "172.31.255.254:8000",
    "192.168.1.20:8000",
    "[fd00::1]:8000",
]


@pytest.mark.parametrize("bind", PUBLIC)
def test_proxies_are_refused_on_an_address_clients_reach(bind):
    with pytest.raises(ConfigurationError) as refused:
        check_proxy_binds(1, ["127.0.0.1:9000", bind])
    assert "FINDER_PROXIES=1" in str(refused.value)
    assert bind in str(refused.value)
    assert "127.0.0.1:9000" not in str(refused.value)


@pytest.mark.parametrize("bind", PRIVATE)
def test_proxies_are_accepted_on_a_private_address(bind):
    check_proxy_binds(1, [bind])


def test_without_proxies_any_address_will_do():
    check_proxy_binds(0, PUBLIC)


@pytest.mark.stack
def test_gunicorn_refuses_to_start_with_proxies_on_a_public_address(tmp_path):
    result = subprocess.run(
        [
            BIN / "gunicorn",
            "--no-control-socket",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            "0.0.0.0:0",
            "finder:create_app()",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "FINDER_PROXIES": "1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'finder.db'}",
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert re.search(r"FINDER_PROXIES=1 .* gunicorn listens on 0\.0\.0\.0:0", result.stderr)
    # tests/security/test_slow_clients.py starts it on 127.0.0.1 with FINDER_PROXIES=1.


def test_nginx_logs_paths_only():
    text = NGINX_CONF.read_text()
    directives = re.sub(r"#.*", "", text)  # the comments name what not to log
    formats = re.findall(r"log_format\s+(\w+)\s+((?:'[^']*'\s*)+);", directives)
    assert [name for name, _ in formats] == ["finder_paths"]
    logged = formats[0][1]
    assert "$uri" in logged
    for leaky in ("$request", "$request_uri", "$args", "$query_string", "$arg_", "$http_referer"):
        assert not re.search(re.escape(leaky) + r"(?![a-z_])", logged), leaky
    # Every access_log of the http level (Debian's "combined" one) is cancelled.
    assert re.findall(r"^\s*access_log\s+([^;]+);", directives, re.MULTILINE) == ["off"]


def test_nginx_accepts_the_shipped_config(tmp_path):
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary is None:
        skip_or_fail("nginx is missing: `make test` installs Debian's nginx (as root)")
    (tmp_path / "nginx.conf").write_text(
        f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    include {NGINX_CONF};
    server {{
        listen 127.0.0.1:8;
        access_log {tmp_path}/access.log finder_paths;
        location / {{ proxy_pass http://unix:/run/finder/gunicorn.sock; }}
    }}
}}
"""
    )
    result = subprocess.run(
        [binary, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c",
         str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
