"""legacy_reset (L8) in the domain: what counts as the stored contact, and what is never sent."""

from __future__ import annotations

import datetime as dt

import pytest

from idp.domain.errors import ValidationError
from idp.domain.legacy import reset as legacy_reset
from idp.services import services
from legacykit import BEIJING, make_legacy_account
from orgkit import uscc


def sent() -> list[dict]:
    return services().sms.outbox.latest() + services().mail.outbox.latest()


def test_l8_contact_must_be_the_stored_one(app):
    account = make_legacy_account(mobile="13700137000", email="a@example.cn")
    assert legacy_reset.stored_contact(account, "+86 137-0013-7000") == ("sms", "13700137000")
    assert legacy_reset.stored_contact(account, "A@Example.CN") == ("mail", "a@example.cn")
    assert legacy_reset.stored_contact(account, "13700137001") is None
    assert legacy_reset.stored_contact(account, "") is None
    assert legacy_reset.stored_contact(None, "13700137000") is None


def test_l8_no_stored_contact_matches_nothing(app):
    account = make_legacy_account()  # neither mobile nor email in the export
    assert legacy_reset.stored_contact(account, "13700137000") is None
    assert legacy_reset.stored_contact(account, "a@example.cn") is None


def test_l2_account_after_cutoff_gets_no_code(app):
    make_legacy_account(mobile="13700137000", registered_at=dt.datetime(2025, 8, 2, tzinfo=BEIJING))
    legacy_reset.send_code("personal", "L0001", "13700137000", "flow-1", "127.0.0.1")
    assert sent() == []


def test_l8_an_entry_finds_only_its_kinds(app):
    code = uscc(5)
    make_legacy_account("ORG-5", kind="legal", uscc=code, mobile="13700137005")
    legacy_reset.send_code("personal", "ORG-5", "13700137005", "flow-1", "127.0.0.1")
    legacy_reset.send_code("agency", code, "13700137005", "flow-1", "127.0.0.1")
    assert sent() == []
    legacy_reset.send_code("legal", "org-5", "13700137005", "flow-1", "127.0.0.1")
    assert len(sent()) == 1


def test_l8_reset_without_a_match_is_the_code_refusal(app):
    make_legacy_account(mobile="13700137000")
    with pytest.raises(ValidationError, match=legacy_reset.CODE_REFUSED):
        legacy_reset.reset(
            "personal",
            "L0001",
            "13700137001",
            "flow-1",
            "123456",
            "Fresh-legacy-77",
            "Fresh-legacy-77",
        )


def test_l8_password_policy_does_not_reveal_the_stored_mobile(app):
    """A guesser who types another contact and a password holding a candidate mobile learns
    nothing from the policy: only what they typed is the policy's context."""
    make_legacy_account(mobile="13700137000")
    with pytest.raises(ValidationError) as refused:
        legacy_reset.reset(
            "personal",
            "L0001",
            "13900139000",
            "flow-1",
            "123456",
            "Aa-13700137000",
            "Aa-13700137000",
        )
    assert refused.value.code == legacy_reset.CODE_REFUSED
