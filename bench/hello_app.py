"""The baseline of bench/load_bench.py: the smallest Flask app, served by the same gunicorn settings."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, World!"
