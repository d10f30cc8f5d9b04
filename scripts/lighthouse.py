"""`make lighthouse`: Lighthouse scores of the start, results and programme pages.

Starts the production stack as `make bench` does (gunicorn.conf.py, demo data, a fresh SQLite
database in a temporary directory) and runs the pinned Lighthouse of tools/lighthouse with
Debian's Chromium: mobile, simulated throttling, each page RUNS times, medians reported.
Budgets: performance at least 98, accessibility 100. Not a test: it prints figures.

Nothing leaves the machine: error reporting is off, and Chromium resolves no host name (its
background requests to Google fail at once); the pages are fetched from 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.stack import PAGES as MEASURED
from scripts.stack import ROOT, Server, prepare

LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROME = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu"
    ' --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"'
)
PAGES = {name: MEASURED[name] for name in ("start", "results", "programme")}
RUNS = 3
TIMEOUT = 180  # seconds for one run; Lighthouse itself gives up on a page load after 45
METRICS = {
    "FCP": "first-contentful-paint",
    "LCP": "largest-contentful-paint",
    "TBT": "total-blocking-time",
    "CLS": "cumulative-layout-shift",
    "SI": "speed-index",
}
BUDGETS = {"performance": 98, "accessibility": 100}


def run_once(url: str, output: Path) -> dict[str, Any]:
    """One Lighthouse report (JSON), or an exception saying why there is none."""
    command = [
        str(LIGHTHOUSE), url, f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=performance,accessibility", "--output=json",
        f"--output-path={output}", "--quiet", "--no-enable-error-reporting",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env={**os.environ, "CHROME_PATH": CHROME}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        _, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        # On SIGINT Lighthouse kills its Chromium (which runs in a process group of its own).
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
        raise RuntimeError(f"no report after {TIMEOUT} s") from None
    if process.returncode:
        raise RuntimeError(err.strip().splitlines()[-1] if err.strip() else "lighthouse failed")
    report: dict[str, Any] = json.loads(output.read_text())
    if report.get("runtimeError"):
        raise RuntimeError(report["runtimeError"]["message"])
    return report


def failing(report: dict[str, Any], category: str, below: float = 1) -> list[str]:
    """The audits of a category scoring below `below`; those that do not count are marked."""
    found = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if audit["scoreDisplayMode"] in ("binary", "numeric", "metricSavings") and (
            audit["score"] is not None and audit["score"] < below
        ):
            value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
            unscored = "" if ref["weight"] else " [weight 0]"
            found.append(f"{ref['id']}: {audit['title']}{value}{unscored}")
    return found


def score(report: dict[str, Any], category: str) -> int:
    return round((report["categories"][category]["score"] or 0) * 100)


def audit(base: str, pages: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per page: median scores (0-100) and metrics (ms; CLS unitless) of RUNS runs, the failing
    accessibility audits, and the performance audits flagged (in the median run)."""
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="finder-lighthouse-") as tmp:
        for name, path in pages.items():
            reports, errors = [], []
            for n in range(RUNS):
                try:
                    reports.append(run_once(base + path, Path(tmp) / f"{name}-{n}.json"))
                except Exception as error:
                    errors.append(str(error))
            if not reports:
                results[name] = {"error": "; ".join(errors)}
                continue
            by_performance = sorted(reports, key=lambda r: score(r, "performance"))
            median = by_performance[len(reports) // 2]
            results[name] = {
                "performance": statistics.median(score(r, "performance") for r in reports),
                "accessibility": statistics.median(score(r, "accessibility") for r in reports),
                "metrics": {
                    label: statistics.median(r["audits"][id_]["numericValue"] for r in reports)
                    for label, id_ in METRICS.items()
                },
                "accessibility_failures": sorted(
                    {f for r in reports for f in failing(r, "accessibility")}
                ),
                "performance_flagged": failing(median, "performance", below=0.9),
                "runs": len(reports),
                "errors": errors,
            }
    return results


def print_table(results: dict[str, dict[str, Any]]) -> None:
    print(
        f"{'page':10} {'perf':>5} {'a11y':>5} {'FCP ms':>7} {'LCP ms':>7} {'TBT ms':>7}"
        f" {'CLS':>6} {'SI ms':>7} {'runs':>5}  budgets (perf >= 98, a11y 100)"
    )
    for name, r in results.items():
        if "error" in r:
            print(f"{name:10} not measured: {r['error']}")
            continue
        m = r["metrics"]
        holds = all(r[category] >= floor for category, floor in BUDGETS.items())
        print(
            f"{name:10} {r['performance']:>5g} {r['accessibility']:>5g} {m['FCP']:>7.0f}"
            f" {m['LCP']:>7.0f} {m['TBT']:>7.0f} {m['CLS']:>6.3f} {m['SI']:>7.0f}"
            f" {r['runs']:>3}/{RUNS}  {'hold' if holds else 'MISSED'}"
        )
    for name, r in results.items():
        for label, items in (
            ("accessibility audits failing", r.get("accessibility_failures")),
            ("performance audits flagged (median run)", r.get("performance_flagged")),
            ("runs that failed", r.get("errors")),
        ):
            if items:
                print(f"\n{name}: {label}:")
                print("\n".join(f"  {item}" for item in items))


def main() -> int:
    if not LIGHTHOUSE.exists():
        print("Lighthouse is missing: `make lighthouse` installs it.", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="finder-lighthouse-db-") as workdir:
        database = f"sqlite:///{Path(workdir) / 'lighthouse.db'}"
        prepare(database)
        server = Server("finder:create_app()", database)
        try:
            print(f"Lighthouse, mobile, simulated throttling; median of {RUNS} runs a page")
            results = audit(server.base, PAGES)
        finally:
            server.stop()
    print_table(results)
    return 0 if any("error" not in r for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
