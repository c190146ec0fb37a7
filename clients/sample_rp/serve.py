"""Serve one sample: ``python -m clients.<package> [--host H] [--port P]``.

Werkzeug's threaded development server: one process, so the in-memory sessions hold (see
``sessions.py``). Settings come from the subsystem's environment variables (``subsystem.py``).
"""

from __future__ import annotations

import argparse

from werkzeug.serving import run_simple

from .app import create_app
from .subsystem import Subsystem


def main(subsystem: Subsystem, module: str, argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=f"python -m {module}", description=f"{subsystem.name}（示例子系统）"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=subsystem.port)
    args = parser.parse_args(argv)
    run_simple(args.host, args.port, create_app(subsystem), threaded=True)
