"""The client's IP address, the one every per-IP limit counts (login throttle, code sends,
captcha, appeals). Behind reverse proxies it is what ``proxy.trusted_hops`` of them reported
(werkzeug's ProxyFix, applied in ``create_app``); otherwise the socket peer."""

from __future__ import annotations

from flask import request


def client_ip() -> str:
    return request.remote_addr or "unknown"
