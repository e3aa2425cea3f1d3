"""gunicorn on a free port and `wrk` against it: the server start and the load measurement that load_bench.py and
feeds_bench.py share (each had its own copy). Not a benchmark itself (run_all.py runs only *_bench.py)."""

from __future__ import annotations

import os
import re
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
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
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
    return Result(name, rps, float(p99.group(1)) * scale, errors)
