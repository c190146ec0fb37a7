"""Supplementation links a legacy account only to its own person or organisation (S2, L3), as
a stranger who learned a legacy password would try it: a freshly verified other person, another
name, another organisation's USCC, a USCC for a legacy organisation that has none. Each is
refused before anything is written — no user, no organisation, no link, no code used up — and the
page points to the manual appeal (人工申诉, L10)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import orgkit
from idp.domain.legacy import identity as legacy_identity
from idp.domain.models import LegacyAccount, Organisation, User
from idp.domain.registers import lookup as registers
from idp.extensions import db
from idp.services import services
from legacykit import make_legacy_account
from orgsupplementkit import CAPTCHA, USCC, foreign_data, legal_legacy, org_data, org_login, pdfs
from orgsupplementkit import send as org_send
from orgsupplementkit import submit as org_submit
from supplementkit import ID_NUMBER, completion, csrf, legacy_login, natural_legacy, send, submit
from wordkit import said

APPEAL_LINK = 'href="/appeal"'


@pytest.fixture
def settings_overrides():
    return CAPTCHA


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def the_account(account: str = "L0001") -> LegacyAccount:
    db.session.expire_all()
    return db.session.scalar(select(LegacyAccount).where(LegacyAccount.account == account))


def started(http, identifier: str = "L0001", entry: str = "personal") -> str:
    response = (
        legacy_login(http, account=identifier)
        if entry == "personal"
        else org_login(http, identifier, entry)
    )
    assert response.status_code == 302 and response.location.startswith("/supplement/")
    return response.location


def _codes(http, page_url: str, data: dict) -> dict:
    return {
        "sms_code": send(http, page_url, "sms", data),
        "email_code": send(http, page_url, "mail", data),
    }


def _refused_then_linked_with_the_same_codes(
    client, page_url: str, stranger: dict, owner: dict
) -> None:
    codes = _codes(client, page_url, owner)
    page = submit(client, page_url, stranger, codes=False, **codes)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and said(legacy_identity.PERSON_MISMATCH) in html
    assert APPEAL_LINK in html and "提交人工申诉" in html
    assert count(User) == 0 and the_account().user_id is None
    done = submit(client, page_url, owner, codes=False, **codes)  # no code was used up
    assert done.status_code == 302, done.get_data(as_text=True)
    assert the_account().user_id == db.session.scalar(select(User)).id


def test_s2_mismatched_person_is_not_linked(app, client):
    """Another real person, verified with their own document, cannot take the account."""
    natural_legacy()
    page_url = started(client)
    stranger = completion(name="王五", id_number=orgkit.resident_id(7))
    _refused_then_linked_with_the_same_codes(client, page_url, stranger, completion())


def test_s2_mismatched_number_is_not_linked(app, client):
    """Only the number differs; the owner's own number typed in full-width digits with spaces
    is the same number (normalised before the blind indexes are compared)."""
    natural_legacy()
    page_url = started(client)
    stranger = completion(id_number=orgkit.resident_id(7))  # the legacy name, another number
    typed = " ".join(ID_NUMBER[i : i + 6] for i in range(0, 18, 6)).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    _refused_then_linked_with_the_same_codes(
        client, page_url, stranger, completion(id_number=typed)
    )


def test_s2_mismatched_name_is_not_linked(app, client):
    natural_legacy()
    page_url = started(client)
    stranger = completion(name="王五")  # the legacy account's number, another name
    _refused_then_linked_with_the_same_codes(client, page_url, stranger, completion())


def test_s2_legacy_account_without_number_needs_the_same_name(app, client):
    natural_legacy(id_number=None, kind="simple")
    page_url = started(client)
    stranger = completion(name="王五", id_number=orgkit.resident_id(7))
    owner = completion(name="李 四", id_number=orgkit.resident_id(7))  # spacing is no difference
    _refused_then_linked_with_the_same_codes(client, page_url, stranger, owner)


def test_s2_org_other_uscc_is_not_linked(app, client):
    """The USCC of another legacy account (or any other organisation) is refused before the
    codes are used; the legacy USCC with the same codes then links."""
    legal_legacy()
    make_legacy_account(
        "F0002", kind="legal", name="他人科技有限公司", id_type=None, uscc=orgkit.uscc(11)
    )
    page_url = started(client, USCC, "legal")
    owner = org_data()
    codes = {
        "sms_code": org_send(client, page_url, "sms", owner),
        "email_code": org_send(client, page_url, "mail", owner),
    }
    page = org_submit(client, page_url, org_data(uscc=orgkit.uscc(11)), codes=False, **codes)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and said(legacy_identity.LEGAL_USCC_MISMATCH) in html
    assert APPEAL_LINK in html and 'id="uscc-error"' in html
    assert count(Organisation) == 0 and count(User) == 0
    assert the_account("F0001").user_id is None and the_account("F0002").user_id is None
    done = org_submit(client, page_url, owner, codes=False, **codes)
    assert done.status_code == 302 and done.location == f"{page_url}/handler"
    assert the_account("F0001").user_id == db.session.scalar(select(Organisation)).user_id


def _bad_checksum(account: LegacyAccount) -> str:
    good = orgkit.uscc(14)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    account.uscc_enc = services().cipher.encrypt(bad, registers.USCC_INDEX)
    account.uscc_bidx = registers.uscc_index(bad)
    db.session.commit()
    return bad


@pytest.mark.parametrize("stored", ["missing", "bad checksum"])
def test_s5_legacy_org_without_valid_uscc_goes_the_review_path_only(app, client, stored):
    """No choice of S4 and no USCC field: only the review path's form with its PDFs; a USCC
    posted anyway — another legacy account's — is refused and nothing is created."""
    account = legal_legacy(uscc=None)
    login = _bad_checksum(account) if stored == "bad checksum" else "F0001"
    make_legacy_account(
        "F0002", kind="legal", name="他人科技有限公司", id_type=None, uscc=orgkit.uscc(11)
    )
    page_url = started(client, login, "legal")
    html = client.get(page_url).get_data(as_text=True)
    assert "主体资格证明" in html and 'name="uscc"' not in html
    assert "有统一社会信用代码" not in html  # no way to the S4 form
    assert client.post(
        f"{page_url}/variant", data={"variant": "legal", "csrf_token": csrf(client, page_url)}
    ).status_code in (404, 405)
    sneaked = org_submit(client, page_url, org_data(uscc=orgkit.uscc(11)), codes=False)
    html = sneaked.get_data(as_text=True)
    assert (
        sneaked.status_code == 200 and said(legacy_identity.NO_USCC) in html and APPEAL_LINK in html
    )
    assert count(Organisation) == 0 and the_account("F0001").user_id is None
    assert the_account("F0002").user_id is None


def test_s5_review_path_still_links_pending_review(app, client):
    legal_legacy(uscc=None)
    page_url = started(client, "F0001", "legal")
    first = org_submit(client, page_url, foreign_data(), files=pdfs())
    assert first.location == f"{page_url}/handler", first.get_data(as_text=True)
    org = db.session.scalar(select(Organisation))
    assert org.foreign and org.uscc_bidx is None and the_account("F0001").user_id == org.user_id
