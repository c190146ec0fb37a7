"""Deliveries off the request path (``idp/adapters/dispatch.py``, docs/accounts.md "What a
stranger can learn"): a send that only happens on a match (handler binding, P3) must not make
the answer wait for the SMS gateway. Real HTTP gateway on 127.0.0.1, real store; no timing."""

from __future__ import annotations

import json

import pytest
from test_sms import PHONE, gateway  # noqa: F401  (gateway is a fixture)

from idp.adapters.dispatch import BackgroundDispatch, inline, make_dispatch
from idp.adapters.messaging import make_sms_sender
from idp.config import load_settings
from idp.domain.verification.codes import CodeExpired, VerificationCodes


def codes_through(gateway, store, clock, dispatch):  # noqa: F811
    conf = load_settings(
        {
            "sms": {
                "backend": "http",
                "http_url": gateway.url,
                "http_api_key": "k",
                "http_timeout": 5,
            }
        },
        environ={},
    )
    return VerificationCodes(
        store, clock, make_sms_sender(conf, store, clock), None, conf, dispatch=dispatch
    )


def test_p3_code_sent_later_does_not_wait_for_a_hanging_gateway(gateway, store, clock):  # noqa: F811
    """Waiting here would end in the gateway's 5 s timeout and a DeliveryFailed; handed to the
    background, ``send`` returns while the gateway still holds the request."""
    dispatch = BackgroundDispatch(workers=1)
    codes = codes_through(gateway, store, clock, dispatch)
    gateway.hang = True
    codes.send("sms", PHONE, "bind_handler", "ticket-1", "203.0.113.7", later=True)
    assert not gateway.release.is_set()
    gateway.release.set()
    dispatch.pool.shutdown(wait=True)
    [request] = gateway.requests
    code = json.loads(request["body"])["params"]["code"]
    assert codes.verify("sms", PHONE, "bind_handler", "ticket-1", code) is True


def test_failed_background_delivery_leaves_no_usable_code(gateway, store, clock):  # noqa: F811
    dispatch = BackgroundDispatch(workers=1)
    codes = codes_through(gateway, store, clock, dispatch)
    gateway.status = 500
    codes.send("sms", PHONE, "bind_handler", "ticket-2", "203.0.113.7", later=True)
    dispatch.pool.shutdown(wait=True)
    code = json.loads(gateway.requests[-1]["body"])["params"]["code"]
    with pytest.raises(CodeExpired):
        codes.verify("sms", PHONE, "bind_handler", "ticket-2", code)


@pytest.mark.parametrize(
    "sms, mail, background",
    [("outbox", "outbox", False), ("http", "outbox", True), ("outbox", "smtp", True)],
)
def test_real_gateways_deliver_in_the_background(sms, mail, background):
    conf = load_settings(
        {
            "sms": {"backend": sms, "http_url": "http://127.0.0.1:9/sms"},
            "mail": {"backend": mail, "smtp_host": "127.0.0.1"},
        },
        environ={},
    )
    dispatch = make_dispatch(conf)
    assert isinstance(dispatch, BackgroundDispatch) is background
    assert (dispatch is inline) is not background
