"""忘记密码 of an account of this system (issue 13; docs/accounts.md, "Password reset and
notices"): per entry and channel a code to a verified contact typed in full, then a new password;
one answer whether or not anything matched; every session ends; the other contacts are told.
Real database, store and outboxes; the settable clock; clients told apart by their address."""

from __future__ import annotations

import re

import pytest

from idp.domain import transaction
from idp.domain.accounts import passwords
from idp.domain.accounts import reset as rules
from idp.domain.accounts import users as accounts
from idp.domain.legacy import link as legacy_link
from idp.domain.models import User
from idp.domain.models.user import DEACTIVATED, PENDING_REVIEW
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from idp.protocol import logout
from idp.services import services
from legacykit import make_legacy_account
from orgkit import file_agency, legal_kwargs, make_handler, resident_id, uscc
from support import (
    PASSWORD,
    PHONE,
    Browser,
    field_error,
    form_fields,
    html_of,
    make_relying_party,
    make_user,
    query,
)
from wordkit import said

ANSWER = "2468"
NEW = "Fresh-meadow-58"
EMAIL = "zhang.san@example.cn"
ID_NUMBER = resident_id(7)
ORG_PHONE, ORG_EMAIL = "13900139000", "office@example.cn"  # orgkit.contact()
SAME_WORDS = "如果信息匹配，验证码已发送"
DONE_WORDS = "密码已重置"
STRANGER, OWNER = "198.51.100.9", "203.0.113.7"


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


@pytest.fixture
def person(app) -> User:
    return make_user(email=EMAIL, id_type="resident_id", id_number=ID_NUMBER)


def sms(to: str | None = None) -> list[dict]:
    return [m for m in services().sms.outbox.latest() if to is None or m["to"] == to]


def mails(to: str | None = None) -> list[dict]:
    return [m for m in services().mail.outbox.latest() if to is None or m["to"] == to]


def codes_sent() -> list[dict]:
    """The reset codes sent so far (SMS and mail), newest first."""
    texts = [m for m in sms() if m["template"] == "verification_code"]
    return texts + [m for m in mails() if "验证码为" in m["body"]]


def code_of(message: dict) -> str:
    if "params" in message:
        return message["params"]["code"]
    return re.search(r"验证码为 (\d{6})", message["body"]).group(1)


def notices() -> list[dict]:
    """Every notice sent (SMS and mail), newest first: what is not a code."""
    texts = [m for m in sms() if "code" not in m["params"]]
    return texts + [m for m in mails() if "账号安全通知" in m["subject"]]


def ask(browser, identifier: str, contact: str, entry: str = "personal", captcha=ANSWER, **args):
    """Step 1 at ``entry``; returns the answer (the step-2 page after its redirect)."""
    page = browser.http.get("/login/forgot", query_string={"entry": entry, **args})
    assert page.status_code == 200
    response = browser.submit(page, identifier=identifier, contact=contact, captcha=captcha)
    if response.status_code == 302:
        assert response.location.endswith("/login/forgot/reset")
        response = browser.follow(response)
    return response


def finish(browser, code: str, password: str = NEW, confirm: str | None = None):
    page = browser.http.get("/login/forgot/reset")
    assert page.status_code == 200
    return browser.submit(page, code=code, password=password, password_confirm=confirm or password)


def plain(html: str) -> str:
    html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", html)
    html = re.sub(r"\?entry=[a-z]+", "", html)  # the entry was chosen, not answered
    return re.sub(r"/captcha/[A-Za-z0-9_-]+\.png", "/captcha/X.png", html)


def hash_of(user_id: int) -> str:
    db.session.expire_all()
    return db.session.get(User, user_id).password_hash


def org_of(code: str, **kw):
    return organisations.register_legal_person(**legal_kwargs(code, **kw))


# --- per entry and channel, end to end -----------------------------------------------------


def test_p2_reset_by_mobile_signs_in_with_the_new_password_and_tells_the_email(browser, person):
    answer = ask(browser, PHONE, "138 0013 8000")
    assert answer.status_code == 200 and SAME_WORDS in html_of(answer)
    [text] = codes_sent()
    assert text["to"] == PHONE and "重置统一身份认证账号的密码" in text["text"]  # who and why
    done = finish(browser, code_of(text))
    assert done.status_code == 200 and DONE_WORDS in html_of(done)
    assert accounts.authenticate(PHONE, PASSWORD) is None
    assert accounts.authenticate(ID_NUMBER, NEW).id == person.id
    [notice] = notices()
    assert notice["to"] == EMAIL and "138****8000" in notice["body"]
    assert "重置" in notice["body"] and "010-63218500" in notice["body"]
    assert code_of(text) not in notice["body"] and NEW not in notice["body"]
    assert sms(PHONE) == [text]  # the mobile that got the code is not told again


def test_p2_reset_by_email_with_the_document_number_tells_the_mobile(browser, person):
    ask(browser, ID_NUMBER.lower(), "Zhang.San@Example.cn")
    [mail] = codes_sent()
    assert mail["to"] == EMAIL and "重置统一身份认证账号的密码" in mail["body"]
    assert DONE_WORDS in html_of(finish(browser, code_of(mail)))
    assert passwords.verify(NEW, hash_of(person.id))
    [notice] = notices()
    assert notice["to"] == PHONE and notice["template"] == "password_reset"
    assert "z***@example.cn" in notice["text"] and code_of(mail) not in notice["text"]
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）", notice["text"])  # when


def test_p2_legal_person_resets_through_its_contact_mobile(browser):
    org = org_of(uscc(1))
    ask(browser, uscc(1), ORG_PHONE, entry="legal")
    [text] = codes_sent()
    assert text["to"] == ORG_PHONE
    assert DONE_WORDS in html_of(finish(browser, code_of(text)))
    assert accounts.authenticate_organisation(uscc(1), "legal", NEW).id == org.user_id
    [notice] = notices()
    assert notice["to"] == ORG_EMAIL and "示例科技有限公司" in notice["body"]


def test_p2_legal_person_resets_through_a_bound_handlers_mobile(browser):
    org = org_of(uscc(1))
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    transaction.commit()  # and its notices
    before = notices()
    ask(browser, uscc(1)[8:17], handler.phone, entry="legal")  # the organisation code logs in too
    [text] = codes_sent()
    assert text["to"] == handler.phone
    assert DONE_WORDS in html_of(finish(browser, code_of(text)))
    assert accounts.authenticate_organisation(uscc(1), "legal", NEW).id == org.user_id
    told = [m for m in notices() if m not in before]
    assert {(m["to"], m.get("template")) for m in told} == {
        (ORG_PHONE, "password_reset"),
        (ORG_EMAIL, None),
        (handler.phone, "password_reset_handler"),
    }
    assert all(
        "137****0001" in (m.get("text") or m["body"]) for m in told if m["to"] != handler.phone
    )
    assert passwords.verify(PASSWORD, hash_of(handler.id))  # the handler's own is untouched


def test_p2_agency_resets_with_its_filed_uscc_through_its_email(browser):
    file_agency(uscc(2))
    agency = organisations.register_agency(**legal_kwargs(uscc(2), name="示例商标代理有限公司"))
    ask(browser, uscc(2), ORG_EMAIL, entry="agency")
    [mail] = codes_sent()
    assert DONE_WORDS in html_of(finish(browser, code_of(mail)))
    assert accounts.authenticate_organisation(uscc(2), "agency", NEW).id == agency.user_id
    assert [m["to"] for m in notices()] == [ORG_PHONE]


def test_p2_a_handler_no_longer_bound_cannot_reset_the_organisation(browser):
    org = org_of(uscc(1))
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    handlers.unbind_handler(org, handler.id)
    db.session.commit()
    ask(browser, uscc(1), handler.phone, entry="legal")
    assert codes_sent() == []


# --- one answer ------------------------------------------------------------------------------


def test_p2_reset_answers_alike_whatever_matched_and_sends_only_to_a_match(app, person):
    quiet = make_user(phone="13911112222", name="李四", email="li.si@example.cn")
    quiet.email_verified = False  # typed at registration, never proven
    gone = make_user(phone="13933334444", name="王五")
    gone.status = DEACTIVATED
    waiting = org_of(uscc(3))
    waiting.user.status = PENDING_REVIEW
    db.session.commit()
    make_legacy_account(mobile="13955556666", id_number=resident_id(9))  # never supplemented
    cases = [
        ("personal", "13700000000", "13700000000"),  # nobody
        ("personal", PHONE, "13600136000"),  # another mobile
        ("personal", PHONE, "other@example.cn"),  # another address
        ("personal", "13911112222", "li.si@example.cn"),  # not verified
        ("personal", "13933334444", "13933334444"),  # deactivated
        ("legal", uscc(3), ORG_PHONE),  # under review
        ("personal", "13955556666", "13955556666"),  # a legacy account: 历史账号 (L8)
        ("agency", uscc(4), ORG_PHONE),  # no such agency
        ("personal", PHONE, PHONE),  # the match
    ]
    answers = []
    for entry, identifier, contact in cases:
        browser = Browser(app)
        page = browser.http.get("/login/forgot", query_string={"entry": entry})
        first = browser.submit(page, identifier=identifier, contact=contact, captcha=ANSWER)
        assert (first.status_code, first.location) == (302, "/login/forgot/reset")
        second = browser.follow(first)
        assert second.status_code == 200
        answers.append(plain(html_of(second)))
    assert len(set(answers)) == 1 and SAME_WORDS in answers[0]
    assert [m["to"] for m in codes_sent()] == [PHONE]  # only the match got a code
    assert "138****8000" not in answers[0]  # no contact of an account is ever shown


def test_p2_a_request_that_matched_nothing_is_refused_like_a_wrong_code(browser, person):
    ask(browser, PHONE, "13600136000")
    before = hash_of(person.id)
    refused = finish(browser, "123456")
    assert refused.status_code == 200
    assert field_error(refused, "code") == said(rules.CODE_REFUSED)
    assert hash_of(person.id) == before


# --- the code --------------------------------------------------------------------------------


def test_p2_wrong_code_is_refused_and_the_right_one_still_works(browser, person):
    ask(browser, PHONE, PHONE)
    code = code_of(codes_sent()[0])
    wrong = "000000" if code != "000000" else "111111"
    assert field_error(finish(browser, wrong), "code") == said(rules.CODE_REFUSED)
    assert passwords.verify(PASSWORD, hash_of(person.id))
    assert DONE_WORDS in html_of(finish(browser, code))


def test_p2_expired_code_is_refused(browser, person, clock):
    ask(browser, PHONE, PHONE)
    code = code_of(codes_sent()[0])
    clock.advance(services().settings.codes.ttl + 1)
    assert field_error(finish(browser, code), "code") == said(rules.CODE_REFUSED)
    assert passwords.verify(PASSWORD, hash_of(person.id))


def test_p2_too_many_wrong_codes_burn_it(browser, person):
    ask(browser, PHONE, PHONE)
    code = code_of(codes_sent()[0])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(services().settings.codes.max_attempts):
        finish(browser, wrong)
    assert field_error(finish(browser, code), "code") == said(rules.CODE_REFUSED)
    assert passwords.verify(PASSWORD, hash_of(person.id))


def test_p2_code_is_single_use_and_bound_to_its_flow(app, browser, person):
    ask(browser, PHONE, PHONE)
    code = code_of(codes_sent()[0])
    assert DONE_WORDS in html_of(finish(browser, code))
    replay = browser.http.get("/login/forgot/reset")  # the flow ended with the reset
    assert replay.status_code == 302 and replay.location.endswith("/login/forgot")
    other = Browser(app)  # another flow: the code of the first does not verify there
    other.http.environ_base["REMOTE_ADDR"] = OWNER
    ask(other, PHONE, PHONE)
    if code_of(codes_sent()[0]) != code:
        refused = finish(other, code, password="Another-pass-88")
        assert field_error(refused, "code") == said(rules.CODE_REFUSED)
    assert passwords.verify(NEW, hash_of(person.id))


def test_p2_password_policy_refusal_keeps_the_code(browser, person):
    ask(browser, PHONE, PHONE)
    code = code_of(codes_sent()[0])
    weak = finish(browser, code, password="short")
    assert weak.status_code == 200 and "密码长度" in field_error(weak, "password")
    html = html_of(weak)
    assert 'id="error-summary"' in html and 'href="#password"' in html
    assert 'aria-describedby="password-hint password-error"' in html
    mismatch = finish(browser, code, confirm="Other-meadow-74")
    assert field_error(mismatch, "password_confirm") == "两次输入的新密码不一致。"
    own = finish(browser, code, password="Pw-" + PHONE)  # the typed mobile is context
    assert field_error(own, "password")
    assert passwords.verify(PASSWORD, hash_of(person.id))
    assert DONE_WORDS in html_of(finish(browser, code))


# --- what the reset ends ---------------------------------------------------------------------


def test_p2_reset_ends_every_session_and_revokes_tokens(app, browser, person, sender):
    rp = make_relying_party(backchannel_logout_uri="https://rp.example.test/bcl")
    signed_in = Browser(app)
    tokens = signed_in.tokens_for(rp, scope="openid profile offline_access")
    assert signed_in.http.get("/account").status_code == 200
    ask(browser, PHONE, PHONE)
    finish(browser, code_of(codes_sent()[0]))
    assert signed_in.http.get("/account").status_code == 302
    assert logout.deliver_due() == 1 and sender.sent[0][0] == "https://rp.example.test/bcl"
    bearer = {"Authorization": "Bearer " + tokens["access_token"]}
    assert signed_in.http.get("/userinfo", headers=bearer).status_code == 401
    refresh = signed_in.token(rp, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.status_code == 400


def test_p2_done_page_leads_back_to_the_pending_sign_in(browser, person):
    rp = make_relying_party()
    response = browser.authorize(rp)
    login = browser.follow(response)
    iid = re.search(r"/interaction/([^/]+)/login", login.request.path).group(1)
    forgot = re.search(r'href="(/login/forgot[^"]*)"', html_of(login)).group(1)
    assert f"iid={iid}" in forgot
    page = browser.http.get(forgot.replace("&amp;", "&"))
    browser.submit(page, identifier=PHONE, contact=PHONE, captcha=ANSWER)
    done = html_of(finish(browser, code_of(codes_sent()[0])))
    back = re.search(r'href="([^"]*)">去登录', done).group(1)
    assert back == f"/interaction/{iid}/login"
    page = browser.http.get(back)
    signed = browser.submit(page, identifier=PHONE, password=NEW)
    if signed.location.endswith("/consent"):
        signed = browser.consent(signed)
    assert signed.location.startswith(rp.redirect_uri) and "code" in query(signed.location)


def test_p2_done_page_without_a_sign_in_leads_to_the_entrys_login(browser):
    org_of(uscc(1))
    ask(browser, uscc(1), ORG_EMAIL, entry="legal", iid="someone-elses")
    done = html_of(finish(browser, code_of(codes_sent()[0])))
    assert re.search(r'href="/login\?entry=legal">去登录', done)


# --- throttle --------------------------------------------------------------------------------


def test_p2_a_stranger_hammering_the_identifier_cannot_stop_the_owner(app, person, clock):
    """The stranger's requests count against (account, the stranger's address): past
    ``PER_ACCOUNT_ADDRESS_HOUR`` they send nothing, so they cannot use up the destination's own
    limit; the owner, from another address, still gets a code a minute later."""
    stranger = Browser(app)
    stranger.http.environ_base["REMOTE_ADDR"] = STRANGER
    for n in range(8):
        ask(stranger, PHONE, PHONE if n % 2 else "13600136000")
        clock.advance(61)  # past the resend wait of the destination
    assert len(codes_sent()) <= rules.PER_ACCOUNT_ADDRESS_HOUR
    assert len(codes_sent()) < services().settings.codes.per_destination_hour
    owner = Browser(app)
    owner.http.environ_base["REMOTE_ADDR"] = OWNER
    before = len(codes_sent())
    ask(owner, PHONE, PHONE)
    assert len(codes_sent()) == before + 1
    assert DONE_WORDS in html_of(finish(owner, code_of(codes_sent()[0])))


def test_p2_one_address_is_limited_over_every_account(app, person, clock):
    browser = Browser(app)
    for n in range(rules.PER_ADDRESS_HOUR):
        ask(browser, f"1370000{n:04d}", f"1370000{n:04d}")  # nobody
    ask(browser, PHONE, PHONE)
    assert codes_sent() == []
    clock.advance(3600)  # the next clock hour
    ask(browser, PHONE, PHONE)
    assert [m["to"] for m in codes_sent()] == [PHONE]


# --- the page --------------------------------------------------------------------------------


def test_p2_forgot_page_per_entry_with_captcha_and_the_legacy_reset(browser):
    for entry, label in (
        ("personal", "手机号码或证件号码"),
        ("legal", "统一社会信用代码"),
        ("agency", "备案的统一社会信用代码"),
    ):
        html = html_of(browser.http.get("/login/forgot", query_string={"entry": entry}))
        assert label in html and 'name="contact"' in html and 'name="captcha"' in html
        assert re.search(r'<img src="/captcha/[^"]+\.png"', html)
        # no inline script: only the local, deferred progressive enhancement of every page
        assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/forms.js" defer>']
        assert f"/login/forgot/legacy?entry={entry}" in html  # L8 stays
        assert ("经办人忘记本人的登录密码" in html) == (entry != "personal")


def test_p2_wrong_captcha_sends_nothing_and_keeps_what_was_typed(browser, person):
    answer = ask(browser, PHONE, PHONE, captcha="0000")
    html = html_of(answer)
    assert answer.status_code == 200 and SAME_WORDS not in html and codes_sent() == []
    assert field_error(answer, "captcha") and 'id="error-summary"' in html
    assert f'value="{PHONE}"' in html


def test_p2_reset_without_csrf_is_refused_and_sends_nothing(browser, person):
    browser.http.get("/login/forgot")
    response = browser.http.post(
        "/login/forgot", data={"identifier": PHONE, "contact": PHONE, "captcha": ANSWER}
    )
    assert response.status_code == 400 and codes_sent() == []
    ask(browser, PHONE, PHONE)
    page = browser.http.get("/login/forgot/reset")
    _action, hidden = form_fields(html_of(page))
    code = code_of(codes_sent()[0])
    posted = browser.http.post(
        "/login/forgot/reset", data={"code": code, "password": NEW, "password_confirm": NEW}
    )
    assert posted.status_code == 400 and passwords.verify(PASSWORD, hash_of(person.id))
    assert hidden["csrf_token"]


@pytest.mark.parametrize(
    "identifier,contact",
    [
        ("1" * 5000, PHONE),
        (PHONE, "a" * 5000 + "@example.cn"),
        ("\x01\x7f" + PHONE, "zhang\u202e@example.cn"),
        (PHONE, "13800138000\x0b"),
        ("\u202e" * 64, "\u200b" * 254),
    ],
)
def test_p2_hostile_input_gets_a_clear_answer_never_a_500(browser, person, identifier, contact):
    answer = ask(browser, identifier, contact)
    assert answer.status_code == 200
    html = html_of(answer)
    assert SAME_WORDS in html or 'id="error-summary"' in html
    page = browser.http.get("/login/forgot/reset")
    if page.status_code == 200:
        long = finish(browser, "9" * 5000, password="x" * 5000)
        assert long.status_code == 200 and 'id="error-summary"' in html_of(long)
        odd = finish(browser, "\x01" * 6, password="Aa1-\x01\x02\x03\u202e")
        assert odd.status_code == 200
        assert field_error(odd, "code") or field_error(odd, "password")
    assert passwords.verify(PASSWORD, hash_of(person.id))


def test_p2_typed_data_is_parked_sealed_and_a_sign_out_forgets_it(browser, person):
    ask(browser, ID_NUMBER, EMAIL)
    with browser.http.session_transaction() as form_session:
        flow = form_session["password_reset_flow"]  # the cookie holds only the flow id
        assert ID_NUMBER not in str(dict(form_session)) and EMAIL not in str(dict(form_session))
    parked = services().store.get(f"password-reset:{flow}")
    assert parked and ID_NUMBER not in parked and EMAIL not in parked  # sealed (D5)
    page = browser.http.get("/logout/start")
    action, hidden = form_fields(html_of(page))
    assert browser.http.post(action, data=hidden).status_code == 200
    assert services().store.get(f"password-reset:{flow}") is None
    assert browser.http.get("/login/forgot/reset").status_code == 302


def test_l8_legacy_reset_of_a_linked_account_tells_the_users_other_contact(browser, person):
    legacy_link.link(person, make_legacy_account(mobile="13700137000", id_number=ID_NUMBER))
    transaction.commit()
    page = browser.http.get("/login/forgot/legacy")
    browser.submit(page, identifier="L0001", contact=EMAIL, captcha=ANSWER)
    code = code_of(codes_sent()[0])
    page = browser.http.get("/login/forgot/legacy/reset")
    browser.submit(page, code=code, password=NEW, password_confirm=NEW)
    assert passwords.verify(NEW, hash_of(person.id))
    [notice] = notices()
    assert notice["to"] == PHONE and "z***@example.cn" in notice["text"]
    assert code not in notice["text"]
