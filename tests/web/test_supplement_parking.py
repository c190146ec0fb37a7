"""What a supplementation parks in the store (Redis in production, the in-process store on a
bare machine) holds no readable identity (D5): the typed data is encrypted with the field cipher
like the database's identity columns, bound to its sign-in record. Read here as the raw stored
value of that record (``ia:<id>``), on whichever store the run uses (both in CI)."""

from __future__ import annotations

import json

import pytest

import orgkit
from idp.services import services
from orgsupplementkit import CAPTCHA, USCC, legal_legacy, org_data, org_login
from orgsupplementkit import send as org_send
from supplementkit import EMAIL, ID_NUMBER, MOBILE, completion, legacy_login, natural_legacy, send


@pytest.fixture
def settings_overrides():
    return CAPTCHA


def raw(page_url: str) -> str:
    return services().store.get("ia:" + page_url.rsplit("/", 1)[1])


def readable(value: str) -> list[str]:
    """The value as it may appear in a stored JSON text: verbatim or \\u-escaped."""
    return [value, json.dumps(value)[1:-1]]


def test_parked_id_number_is_encrypted_in_the_store(app, client):
    natural_legacy()
    page_url = legacy_login(client).location
    send(client, page_url, "sms", completion(street="长安街 1 号"))  # every POST parks the form
    stored = raw(page_url)
    for secret in (ID_NUMBER, MOBILE, EMAIL, "长安街", "李四"):
        assert all(form not in stored for form in readable(secret)), secret
    html = client.get(page_url).get_data(as_text=True)  # decrypted for its own browser
    assert ID_NUMBER in html and "长安街 1 号" in html


def test_parked_uscc_and_representative_number_are_encrypted_in_the_store(app, client):
    legal_legacy()
    page_url = org_login(client, USCC, "legal").location
    representative = orgkit.resident_id(500)
    org_send(client, page_url, "sms", org_data())
    stored = raw(page_url)
    for secret in (USCC, representative, MOBILE, "王五"):
        assert all(form not in stored for form in readable(secret)), secret
    html = client.get(page_url).get_data(as_text=True)
    assert representative in html and USCC in html


def test_parked_data_cannot_be_moved_to_another_flow(app, client):
    """The ciphertext is bound to its record's id: copied into another sign-in's record it does
    not decrypt, and that supplementation is simply gone (log in again)."""
    natural_legacy()
    natural_legacy(account="L0002", id_number=orgkit.resident_id(3))
    first = legacy_login(client).location
    send(client, first, "sms", completion())
    second = legacy_login(client, account="L0002").location
    record = json.loads(raw(second))
    record["results"]["supplement"]["data"] = json.loads(raw(first))["results"]["supplement"][
        "data"
    ]
    services().store.set("ia:" + second.rsplit("/", 1)[1], json.dumps(record), ttl=600)
    assert client.get(second).status_code == 404
    assert client.get(first).status_code == 200
