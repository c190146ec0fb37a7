"""Outgoing HTTP (back-channel logout deliveries) through ``requests``."""

from __future__ import annotations

import requests


class RequestsSender:
    def __init__(self):
        self.session = requests.Session()

    def post_form(self, url: str, data: dict[str, str], timeout: float) -> int:
        response = self.session.post(
            url,
            data=data,
            timeout=timeout,
            allow_redirects=False,
            headers={"Cache-Control": "no-cache"},
        )
        return response.status_code
