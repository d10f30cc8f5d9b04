"""The production stack behind nginx (deploy/nginx-finder.conf, gunicorn on loopback with
FINDER_PROXIES=1, as the README deploys it).

S30: gunicorn refuses a request line over its limit by itself. Its threads read requests
themselves, so clients that send their headers slowly can hold every thread: the deployment
puts nginx in front, and this checks that, so configured, a crowd of slow clients does not
keep anyone else waiting. S18: nginx's access log holds paths, never query strings.
"""

from __future__ import annotations

import http.client
import select
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT, migrated_app, skip_or_fail
from tests.security.servers import free_port, gunicorn, wait_until_up

pytestmark = [pytest.mark.stack, pytest.mark.commits]  # servers and workers on the database

SLOW_CLIENTS = 40  # ten times gunicorn's threads in the test stack (3 workers x 2 threads)


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> Iterator[str]:
    database = f"sqlite:///{tmp_path_factory.mktemp('slow') / 'finder.db'}"
    migrated_app(database)
    with gunicorn(database, FINDER_PROXIES="1") as (base, _):
        yield base


@pytest.fixture(scope="module")
def nginx_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nginx_log") / "access.log"


@pytest.fixture(scope="module")
def nginx(app_server, nginx_log, tmp_path_factory) -> Iterator[str]:
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary is None:
        skip_or_fail("nginx is missing: `make test` installs Debian's nginx (as root)")
    work = tmp_path_factory.mktemp("nginx")
    port = free_port()
    (work / "nginx.conf").write_text(
        f"""
daemon off;
master_process off;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{}}
http {{
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {ROOT}/deploy/nginx-finder.conf;
    server {{
        listen 127.0.0.1:{port};
        access_log {nginx_log} finder_paths;
        location / {{ proxy_pass {app_server}; }}
    }}
}}
"""
    )
    process = subprocess.Popen(
        [binary, "-p", str(work), "-c", str(work / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base)
    yield base
    process.terminate()
    process.wait(timeout=10)


def _stall(base: str, count: int) -> list[socket.socket]:
    """Clients that start a request and never finish its headers."""
    port = int(base.rsplit(":", 1)[1])
    stalled = []
    for _ in range(count):
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"GET /en/ HTTP/1.1\r\nHost: localhost\r\n")
        stalled.append(client)
    return stalled


def test_s30_slow_clients_do_not_keep_others_waiting_behind_nginx(nginx):
    stalled = _stall(nginx, SLOW_CLIENTS)
    try:
        time.sleep(0.5)
        started = time.perf_counter()
        for _ in range(5):
            with urllib.request.urlopen(nginx + "/en/", timeout=10) as response:
                assert response.status == 200
        assert time.perf_counter() - started < 5
    finally:
        for client in stalled:
            client.close()


def answer_to_a_big_body(base: str, size: int) -> int:
    """The status a server gives a POST whose body is ``size`` bytes, sent as a browser would.

    A server that refuses a body too big answers once it has read the headers, and closes:
    a client still writing then races the close (a broken pipe, or a reset that loses the
    answer; urllib failed so about one run in ten). So the body goes in pieces, and only
    while the server has not answered."""
    url = urlsplit(base)
    assert url.hostname is not None
    assert url.port is not None
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(
            f"POST /en/staff/login HTTP/1.1\r\nHost: {url.netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode()
        )
        piece, sent = b"x" * 65536, 0
        while sent < size and not select.select([sock], [], [], 0.05)[0]:
            try:
                sock.sendall(piece[: size - sent])
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status


def test_s30_a_2mb_body_is_refused_at_once_by_nginx_and_by_the_app(nginx, app_server):
    for base in (nginx, app_server):
        started = time.perf_counter()
        assert answer_to_a_big_body(base, 2 * 1024 * 1024) == 413, base
        assert time.perf_counter() - started < 2, base


def test_s30_gunicorn_refuses_an_overlong_request_line(app_server):
    port = int(app_server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        status_line = client.recv(200).split(b"\r\n")[0]
    assert status_line.startswith(b"HTTP/1.1 414"), status_line


def test_s18_nginx_logs_the_path_and_never_the_query_string(nginx, nginx_log):
    answers = "diabetes=type2&language=bn&reading=spoken"
    with urllib.request.urlopen(f"{nginx}/en/results?{answers}", timeout=10) as response:
        assert response.status == 200
    deadline = time.monotonic() + 5
    while "/en/results" not in (text := nginx_log.read_text() if nginx_log.exists() else ""):
        assert time.monotonic() < deadline, "nginx wrote no access log line"
        time.sleep(0.1)
    line = next(line for line in text.splitlines() if "/en/results" in line)
    assert '"GET /en/results" 200' in line
    assert "?" not in line
    assert "diabetes" not in line
    assert "type2" not in line
