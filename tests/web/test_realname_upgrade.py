"""实名认证 from the personal center (S7 for an existing account; D1, D3, D4, P4): a natural
person made without a real-name verification becomes a real-name account, and only ever with
their own identity. Real database, store and the local verifier with a known-identities file;
the settable clock.
"""

from __future__ import annotations

import os
import threading

import pytest

import trailkit
from idp.domain import transaction
from idp.domain.accounts import deactivation, realname
from idp.domain.errors import DomainError
from idp.domain.models import User
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from idp.domain.trail import events as trail_events
from idp.extensions import db
from idp.services import services
from orgkit import legal_kwargs, resident_id
from support import PASSWORD, PHONE, field_error, form_fields, html_of, known_identities, make_user

NUMBER = "11010519491231002X"
OTHER = resident_id(7)
DOC = {
    "id_type": "resident_id",
    "name": "张三",
    "id_number": NUMBER,
    "valid_from": "2020-01-01",
    "valid_to": "2040-01-01",
}


@pytest.fixture
def settings_overrides(tmp_path):
    return known_identities(
        tmp_path,
        [("张三", "resident_id", NUMBER), ("李四", "resident_id", OTHER)],
    )


def signed_in(browser, phone=PHONE):
    page = browser.http.get("/login")
    assert browser.submit(page, identifier=phone, password=PASSWORD).status_code == 302
    page = browser.http.get("/account/reauth", query_string={"next": "/account/realname"})
    assert browser.submit(page, password=PASSWORD).status_code == 302


def submit(browser, **changes):
    action, hidden = form_fields(html_of(browser.http.get("/account/realname")))
    return browser.http.post(action, data={**hidden, **DOC, **changes})


def fresh(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def test_s7_unverified_person_is_offered_realname_and_becomes_verified(browser):
    user = make_user()
    signed_in(browser)
    home = html_of(browser.http.get("/account"))
    assert "未实名" in home and "/account/realname" in home
    done = submit(browser)
    assert done.status_code == 200 and "实名认证已完成" in html_of(done)
    after = fresh(user.id)
    assert after.realname_verified and after.id_type == "resident_id"
    assert after.id_number_masked.endswith(NUMBER[-4:]) and NUMBER not in after.id_number_enc
    assert after.id_valid_to.isoformat() == "2040-01-01"
    entry = trailkit.only(trail_events.REALNAME_VERIFIED)
    assert entry.result == "ok" and NUMBER not in trailkit.serialised(entry)
    assert "/account/realname" not in html_of(browser.http.get("/account"))
    assert browser.http.get("/account/realname").status_code == 404


def test_s7_realname_needs_reauthentication_first(browser):
    make_user()
    page = browser.http.get("/login")
    browser.submit(page, identifier=PHONE, password=PASSWORD)
    response = browser.http.get("/account/realname")
    assert response.status_code == 302 and "/account/reauth" in response.location


def test_s7_realname_mismatch_changes_nothing_and_is_audited(browser):
    user = make_user()
    signed_in(browser)
    refused = submit(browser, name="张叁")
    assert refused.status_code == 400 and "未通过实名认证" in html_of(refused)
    assert not fresh(user.id).realname_verified and fresh(user.id).id_number_bidx is None
    entry = trailkit.only(trail_events.REALNAME_VERIFIED)
    assert entry.result == "refused" and trailkit.detail(entry)["reason"] == "mismatch"


def test_d1_d4_realname_checks_the_document_first_without_asking_the_verifier(browser):
    user = make_user()
    signed_in(browser)
    refused = submit(browser, id_number="110105194912310021", valid_to="2019-01-01")
    assert refused.status_code == 400
    assert field_error(refused, "id_number") and field_error(refused, "valid_to")
    assert not fresh(user.id).realname_verified
    assert trailkit.entries(trail_events.REALNAME_VERIFIED) == []


def test_s7_realname_never_moves_an_account_to_another_identity(browser):
    """An account that holds a document number can only verify that number: a real-name check
    of someone else's name and number (李四's, which the verifier accepts) changes nothing."""
    user = make_user(id_type="resident_id", id_number=NUMBER)
    signed_in(browser)
    refused = submit(browser, name="李四", id_number=OTHER)
    assert refused.status_code == 400 and field_error(refused, "id_number")
    after = fresh(user.id)
    assert not after.realname_verified and after.name == "张三"
    assert submit(browser).status_code == 200 and fresh(user.id).realname_verified


def test_d3_s3_realname_refuses_a_number_of_another_active_account(browser):
    make_user(phone="13900139000", name="张三", id_type="resident_id", id_number=NUMBER)
    user = make_user()
    signed_in(browser)
    refused = submit(browser)
    assert refused.status_code == 400 and "用户已经存在" in html_of(refused)
    assert not fresh(user.id).realname_verified and fresh(user.id).id_number_bidx is None


def test_p4_realname_refuses_a_deactivated_identity(browser):
    deactivation.record(deactivation.ID_NUMBER, realname.accounts.id_number_index(NUMBER))
    db.session.commit()
    user = make_user()
    signed_in(browser)
    refused = submit(browser)
    assert refused.status_code == 400 and "已经注销" in html_of(refused)
    assert not fresh(user.id).realname_verified


def test_s7_realname_questions_are_limited_per_account_and_day(browser):
    user = make_user()
    signed_in(browser)
    for _ in range(realname.ATTEMPTS):
        assert submit(browser, name="王五").status_code == 400
    refused = submit(browser)
    assert refused.status_code == 400 and "请明天再试" in html_of(refused)
    assert not fresh(user.id).realname_verified
    services().clock.advance(86400)
    signed_in(browser)  # a day later: a new sign-in
    assert submit(browser).status_code == 200 and fresh(user.id).realname_verified


def test_p3_an_unverified_person_is_told_how_to_become_a_handler(app):
    person = make_user()
    org = organisations.register_legal_person(**legal_kwargs())
    db.session.commit()
    with pytest.raises(Exception) as refused:
        handlers.check_handler(org, person)
    assert getattr(refused.value, "code", None) == "handler.not_verified"
    from idp.web import messages

    with app.test_request_context():
        assert "实名认证" in messages.message(refused.value)
        assert "个人中心" in messages.message(refused.value)


def test_s7_organisation_accounts_have_no_realname_page(browser):
    org = organisations.register_legal_person(**legal_kwargs())
    db.session.commit()
    assert not realname.needed(org.user)


@pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="SQLite cannot run concurrent writers; races are tested on PostgreSQL",
)
def test_d3_two_accounts_verifying_one_number_at_once_only_one_gets_it(app):
    """Both pass the "is the number free" look-up at once; the partial unique index of active
    ID numbers lets one commit and turns the other into S3's answer, with nothing changed."""
    ids = [make_user().id, make_user(phone="13900139000").id]
    start = threading.Barrier(2, timeout=10)
    results: list = []

    def verify(user_id: int):
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                start.wait()
                realname.upgrade(user, realname.Document(**DOC))
                transaction.commit()
                results.append("ok")
            except DomainError as exc:
                transaction.rollback()
                results.append(exc.code)
            except Exception as exc:  # asserted below
                results.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=verify, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == sorted(["ok", "person.taken"])
    db.session.expire_all()
    verified = [db.session.get(User, i).realname_verified for i in ids]
    assert sorted(verified) == [False, True]
