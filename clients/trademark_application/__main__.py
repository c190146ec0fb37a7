"""Serve 商标网上申请: ``python -m clients.trademark_application [--host H] [--port P]``.

Werkzeug's threaded development server: one process, so the in-memory sessions hold
(see ``sessions.py``). Settings come from TM_APP_* environment variables (see ``app.py``).
"""

from __future__ import annotations

import argparse

from werkzeug.serving import run_simple

from .app import create_app


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m clients.trademark_application", description="商标网上申请（示例子系统）"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    args = parser.parse_args(argv)
    run_simple(args.host, args.port, create_app(), threaded=True)


if __name__ == "__main__":
    main()
