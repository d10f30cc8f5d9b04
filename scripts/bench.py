"""`make bench`: measure the production stack against its budgets, print a table, write JSON.

Starts gunicorn with the shipped gunicorn.conf.py for the app (SQLite, and PostgreSQL when it
answers) and for a bare Flask app, then measures with wrk. Not a test: it prints figures.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts import lighthouse
from scripts.stack import BIN, PAGES, RESULTS, ROOT, Server, env, prepare

# The results page for answers no one has given before: every request renders (a counter in the
# query string defeats the kept pages of pagecache.py).
UNKEPT = "results, each new"
NEW_EACH_TIME = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "&visit=" .. counter)
end
"""
JOURNEY = [
    "/en/", "/en/find/diabetes", "/en/find/diagnosed?diabetes=type2",
    "/en/find/check?diabetes=type2&daytime=no", RESULTS, "/en/programmes/desmond",
]  # fmt: skip
POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
)
DURATION = os.environ.get("BENCH_DURATION", "8s")
ROUNDS = 3


def staff_cookie(base: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/en/staff/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    data = urllib.parse.urlencode(
        {
            "email": "clinician@demo.invalid",
            "password": os.environ.get("FINDER_DEMO_PASSWORD", "demo-password"),
            "csrf_token": token,
        }
    ).encode()
    opener.open(base + "/en/staff/login", data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(
    url: str,
    connections: int,
    cookie: str | None = None,
    script: Path | None = None,
    duration: str = DURATION,
) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    if script:
        command[1:1] = ["-s", str(script)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return round(float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit], 2)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), 1),  # type: ignore[union-attr]
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def transferred(base: str) -> dict[str, int]:
    """Bytes over the wire (compressed as served) through the patient journey."""

    def get(path: str) -> tuple[bytes, int]:
        request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            body = response.read()
            size = len(body)
            if response.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return body, size

    first = repeat = 0
    seen: set[str] = set()
    for path in JOURNEY:
        html, size = get(path)
        first += size
        repeat += size
        for asset in re.findall(rb'(?:href|src)="(/assets/[^"]+)"', html):
            name = asset.decode()
            if name not in seen:  # cached after the first page (long cache lifetimes)
                seen.add(name)
                first += get(name)[1]
    return {"first_visit_bytes": first, "repeat_visit_bytes": repeat // len(JOURNEY)}


def in_process_results(database: str, kept: bool) -> float:
    """Median time of the results page in the test client: served kept, or rendered each time."""
    code = (
        "import statistics, time\n"
        "from finder import create_app\n"
        "app = create_app()\n"
        "client = app.test_client()\n"
        f"url = {RESULTS!r}\n"
        "[client.get(url) for _ in range(20)]\n"
        "times = []\n"
        "for _ in range(1000):\n"
        "    t = time.perf_counter(); client.get(url); times.append(time.perf_counter() - t)\n"
        "print(statistics.median(times) * 1000)\n"
    )
    out = subprocess.run(
        [BIN / "python", "-c", code],
        env={**env(database), **({} if kept else {"FINDER_PAGE_CACHE_BYTES": "0"})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return round(float(out.stdout.strip().splitlines()[-1]), 2)


def postgres_available() -> bool:
    try:
        import psycopg

        admin = POSTGRES.replace("postgresql+psycopg", "postgresql").rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench WITH (FORCE)")
            conn.execute("CREATE DATABASE bench")
        return True
    except Exception:
        return False


def cpu_per_request_us(server: Server, url: str) -> tuple[float, float]:
    """(requests per second, CPU microseconds per request in the workers) over one wrk run."""
    before = server.cpu_seconds()
    figures = wrk(url, 10, duration="5s")
    requests = figures["rps"] * 5
    return figures["rps"], (server.cpu_seconds() - before) / requests * 1e6


def paired_ratio(bare: Server, page: Server, path: str) -> dict[str, Any]:
    """The results page against the bare app at 10 connections, run alternately ROUNDS times.

    This machine's speed drifts between runs a minute apart (the host takes CPU time from the
    VM), so the budget uses neighbouring runs, and also the CPU time each request costs in the
    workers, which time taken by the host does not inflate: bare CPU / page CPU is the share
    of the bare app's throughput the page would reach on the same CPU."""
    rps_ratios, cpu_ratios, cpu = [], [], []
    for _ in range(ROUNDS):
        page_rps, page_cpu = cpu_per_request_us(page, page.base + path)
        bare_rps, bare_cpu = cpu_per_request_us(bare, bare.base + "/")
        rps_ratios.append(page_rps / bare_rps)
        cpu_ratios.append(bare_cpu / page_cpu)
        cpu.append((round(bare_cpu), round(page_cpu)))
    return {
        "rps_ratios": [round(r, 2) for r in rps_ratios],
        "median": round(statistics.median(rps_ratios), 2),
        "cpu_us_per_request_bare_page": cpu,
        "cpu_ratio_median": round(statistics.median(cpu_ratios), 2),
    }


def measure_app(
    report: dict[str, Any], databases: dict[str, str], bare: Server, new_each_time: Path
) -> None:
    """Every page of the app on each database, into the report."""
    for name, database in databases.items():
        prepare(database)
        server = Server("finder:create_app()", database)
        try:
            cookie = staff_cookie(server.base)
            for page, path in PAGES.items():
                # Warm up first: every worker compiles its templates on its first requests.
                wrk(server.base + path, 10, cookie if page == "consultation" else None, None, "2s")
                key = f"{page} ({name})"
                report["pages"][key] = {
                    c: wrk(server.base + path, c, cookie if page == "consultation" else None)
                    for c in (10, 50)
                }
            report["pages"][f"{UNKEPT} ({name})"] = {
                c: wrk(server.base + RESULTS, c, script=new_each_time) for c in (10, 50)
            }
            if name == "sqlite":
                report["results_to_bare_paired"] = paired_ratio(bare, server, RESULTS)
                report.update(transferred(server.base))
                report["in_process_results_median_ms"] = in_process_results(database, kept=True)
                report["in_process_results_rendered_median_ms"] = in_process_results(
                    database, kept=False
                )
                if lighthouse.LIGHTHOUSE.exists():  # `make bench` installs it
                    report["lighthouse"] = lighthouse.audit(server.base, lighthouse.PAGES)
            report[f"peak_worker_memory_mb_{name}"] = server.peak_memory_mb()
        finally:
            server.stop()


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is missing: `make bench` installs it from Debian (as root).", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="finder-bench-"))
    new_each_time = workdir / "new-each-time.lua"
    new_each_time.write_text(NEW_EACH_TIME)
    databases = {"sqlite": f"sqlite:///{workdir / 'bench.db'}"}
    if postgres_available():
        databases["postgresql"] = POSTGRES
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "gunicorn": "gunicorn.conf.py (GUNICORN_WORKERS, GUNICORN_THREADS from the environment)",
        "pages": {},
    }
    bare = Server("scripts.bare_app:app", databases["sqlite"])  # up until the end
    try:
        wrk(bare.base + "/", 10, duration="2s")  # warmed up as the pages are
        report["pages"]["bare flask"] = {c: wrk(bare.base + "/", c) for c in (10, 50)}
        report["bare_memory_mb"] = bare.peak_memory_mb()
        measure_app(report, databases, bare, new_each_time)
    finally:
        bare.stop()
    for figures in report["pages"].values():
        for c in (10, 50):
            figures[c]["ratio_to_bare"] = round(
                figures[c]["rps"] / report["pages"]["bare flask"][c]["rps"], 2
            )
    results = report["pages"]["results (sqlite)"][10]
    paired = report["results_to_bare_paired"]
    report["budgets"] = {
        "results rps >= 0.5 x bare": (
            paired["median"] >= 0.5 and paired["cpu_ratio_median"] >= 0.5,
            f"{paired['median']:.2f} x req/s (paired runs {paired['rps_ratios']}); "
            f"{paired['cpu_ratio_median']:.2f} x by CPU per request "
            f"(bare, results µs: {paired['cpu_us_per_request_bare_page']})",
        ),
        "results p99 <= 50 ms at 10 connections": (
            results["p99_ms"] <= 50,
            f"{results['p99_ms']} ms",
        ),
        "first visit <= 70 KB": (
            report["first_visit_bytes"] <= 70 * 1024,
            f"{report['first_visit_bytes'] / 1024:.1f} KB",
        ),
        "repeat visit <= 10 KB": (
            report["repeat_visit_bytes"] <= 10 * 1024,
            f"{report['repeat_visit_bytes'] / 1024:.1f} KB",
        ),
        "results in-process (demo directory)": (
            True,
            f"{report['in_process_results_median_ms']} ms kept, "
            f"{report['in_process_results_rendered_median_ms']} ms rendered (medians of 1,000)",
        ),
    }
    for page in lighthouse.PAGES:
        scores = report.get("lighthouse", {}).get(page, {"error": "Lighthouse is not installed"})
        report["budgets"][f"Lighthouse {page}: performance >= 98, accessibility 100"] = (
            "error" not in scores
            and all(scores[c] >= floor for c, floor in lighthouse.BUDGETS.items()),
            scores.get("error")
            or f"{scores['performance']:g} / {scores['accessibility']:g} (median of {scores['runs']})",
        )
    print_table(report)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, indent=2, default=str))
    print(f"\nwritten to {out / 'bench.json'}")
    return 0


def print_table(report: dict[str, Any]) -> None:
    print(f"machine: {report['machine']}")
    print(
        f"{'page':32} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'x bare':>7} {'errors':>6}"
    )
    for page, figures in report["pages"].items():
        for c, f in figures.items():
            print(
                f"{page:32} {c:>5} {f['rps']:>9} {f['p50_ms']:>8} {f['p99_ms']:>8} {f['ratio_to_bare']:>7} {f['errors']:>6}"
            )
    print(
        f"\nfirst visit: {report['first_visit_bytes']} bytes; repeat visit (per page): {report['repeat_visit_bytes']} bytes"
    )
    print(
        f"results page in-process (median of 1,000): {report['in_process_results_median_ms']} ms "
        f"kept, {report['in_process_results_rendered_median_ms']} ms rendered each time"
    )
    for key in [k for k in report if k.startswith("peak_worker_memory")] + ["bare_memory_mb"]:
        print(f"{key}: {report[key]} MB")
    print("\nbudget".ljust(45), "holds  figure")
    for budget, (holds, figure) in report["budgets"].items():
        print(f"{budget:44} {'yes' if holds else 'NO':5}  {figure}")


if __name__ == "__main__":
    sys.exit(main())
