"""gunicorn on a free port and `wrk` against it: the server start and the load measurement that load_bench.py and
feeds_bench.py share (each had its own copy). Not a benchmark itself (run_all.py runs only *_bench.py)."""

from __future__ import annotations

import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
WORKERS = 2  # sync workers, one per core of this 2-core machine


@dataclass
class Result:
    name: str
    rps: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers and socket errors
    # CPU time per request during the run, in µs: gunicorn's processes, PostgreSQL's, wrk's (what explains a
    # ratio on a machine where all three share two cores)
    cpu_app_us: float = 0.0
    cpu_db_us: float = 0.0
    cpu_wrk_us: float = 0.0


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_by_kind() -> dict[str, float]:
    """CPU seconds used so far by the gunicorn and postgres processes on this machine (Linux /proc)."""
    out = {"app": 0.0, "db": 0.0}
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                cmd = f.read()
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kind = "app" if b"gunicorn" in cmd else "db" if cmd.startswith(b"postgres") else None
        if kind:
            out[kind] += (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers on a free port, ready once ``ready_path`` answers; stop() ends it."""

    def __init__(self, target: str, env: dict[str, str], cwd: Path, ready_path: str | None = None) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments
            [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
             target],
            cwd=cwd, env={**os.environ, **env})
        ready = ready_path or ("/healthz" if "create_app" in target else "/")
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url(ready), timeout=2).read()  # noqa: S310
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn {target} did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def wrk(name: str, url: str, duration: int, headers: dict[str, str] | None = None, *,
        connections: int = 16) -> Result:
    """``wrk`` (2 threads) for ``duration`` seconds: requests/s, p99 and the errors it counted."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for key, value in (headers or {}).items():
        args += ["-H", f"{key}: {value}"]
    before, children = _cpu_by_kind(), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    after, children_after = _cpu_by_kind(), resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_s = (children_after.ru_utime + children_after.ru_stime) - (children.ru_utime + children.ru_stime)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    assert p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    total = float(re.search(r"(\d+) requests in", out).group(1)) or 1.0  # type: ignore[union-attr]
    return Result(name, rps, float(p99.group(1)) * scale, errors,
                  cpu_app_us=(after["app"] - before["app"]) / total * 1e6,
                  cpu_db_us=(after["db"] - before["db"]) / total * 1e6, cpu_wrk_us=wrk_s / total * 1e6)
