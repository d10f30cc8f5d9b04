"""The production stack for the measuring scripts (bench.py, lighthouse.py): gunicorn with the
shipped gunicorn.conf.py on a migrated, seeded database, and the pages they measure."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = "/en/results?diabetes=type2&daytime=no&evenings=yes&computer=with_help&language=bn&companion=yes"
PAGES = {
    "start": "/en/",
    "results": RESULTS,
    "programme": "/en/programmes/desmond",
    "consultation": "/en/staff/consult?diabetes=type2&daytime=no&group_worry=yes&language=bn",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database,
        "FLASK_APP": "finder",
        "FINDER_DEMO": "1",
        "FINDER_SELF_REFERRAL_LIMIT": "1000000",
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }


def prepare(database: str) -> None:
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run(
            [BIN / "flask", *command], env=env(database), check=True, capture_output=True, cwd=ROOT
        )


class Server:
    def __init__(self, app: str, database: str):
        self.port = free_port()
        self.process = subprocess.Popen(
            [BIN / "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
             "--no-control-socket", app],
            cwd=ROOT, env=env(database), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(600):  # the master warms the app before it forks (gunicorn.conf.py)
            try:
                urllib.request.urlopen(self.base + "/", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{app} did not start")

    def workers(self) -> list[str]:
        return subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()

    def cpu_seconds(self) -> float:
        """User and system CPU time the workers have used (time stolen by the host is not)."""
        ticks = 0
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def peak_memory_mb(self) -> float:
        """The largest peak resident set (VmHWM) of the workers."""
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024)  # type: ignore[union-attr]
        return round(max(peaks), 1) if peaks else 0.0

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
