"""Run every benchmark in bench/ and print their figures (`make bench`): every `*_bench.py`, among them
load_bench.py (gunicorn + wrk against a hello-world baseline) and province_bench.py (PostgreSQL, province data)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("*_bench.py")):
        print(f"\n=== {script.name}", flush=True)
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)  # noqa: S603
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
