"""SMS adapters (``idp.domain.ports.SmsSender``): the development outbox and an HTTP gateway.

The gateway receives ``POST <sms.http_url>`` with a UTF-8 JSON body
``{"phone", "text", "template", "params"}`` and the API key in a header (``Authorization:
Bearer <key>`` by default). Any 2xx means accepted; anything else, a network error or the
timeout raises ``SendFailed`` (whose message never holds the number or the text).
"""

from __future__ import annotations

import json

import requests

from ..domain.ports import SendFailed
from .outbox import Outbox


class OutboxSms:
    def __init__(self, outbox: Outbox):
        self.outbox = outbox

    def send_sms(self, phone: str, text: str, template: str, params: dict[str, str]) -> None:
        self.outbox.put({"to": phone, "text": text, "template": template, "params": params})


class HttpSmsGateway:
    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        header: str = "Authorization",
        prefix: str = "Bearer ",
        timeout: float = 5.0,
    ):
        self.url, self.timeout = url, float(timeout)
        self.headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
        }
        if api_key:
            self.headers[header] = f"{prefix}{api_key}"
        self.session = requests.Session()

    def send_sms(self, phone: str, text: str, template: str, params: dict[str, str]) -> None:
        body = json.dumps(
            {"phone": phone, "text": text, "template": template, "params": params},
            ensure_ascii=False,
        ).encode()
        try:
            response = self.session.post(
                self.url,
                data=body,
                headers=self.headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise SendFailed(f"SMS gateway did not answer within {self.timeout:g} s") from None
        except requests.RequestException as exc:
            raise SendFailed(f"SMS gateway unreachable ({type(exc).__name__})") from None
        if not 200 <= response.status_code < 300:
            raise SendFailed(f"SMS gateway answered HTTP {response.status_code}")
