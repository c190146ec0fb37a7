"""Every lookup a stranger or an organisation can make answers "not found" and "not yours" with
one page (docs/accounts.md "What a stranger can learn"). Each test compares whole responses,
without the CSRF tokens and captcha ids and the values typed. Real database, store, outbox."""

from __future__ import annotations

import re

import pytest

from idp.domain.legacy import appeals
from idp.domain.models import HandlerBinding
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from idp.domain.organisations.registration import Upload
from idp.extensions import db
from idp.services import services
from legacykit import make_legacy_account
from orgkit import legal_kwargs, make_handler, org_center, pdf_bytes, resident_id, uscc
from supplementkit import legacy_login, natural_legacy
from support import PASSWORD, PHONE, form_fields, form_with, html_of, make_user
from wordkit import said

ANSWER = "2468"


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


def plain(html: str, *typed: str) -> str:
    html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", html)
    html = re.sub(r"/captcha/[A-Za-z0-9_-]+\.png", "/captcha/X.png", html)
    for value in typed:
        html = html.replace(value, "TYPED")
    return html


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def active_bindings() -> int:
    return db.session.query(HandlerBinding).filter_by(active=True).count()


def test_p3_unbind_answers_alike_for_nobody_a_stranger_and_another_organisations_handler(app):
    org = organisations.register_legal_person(**legal_kwargs(uscc(1)))
    other = organisations.register_legal_person(**legal_kwargs(uscc(2), name="另一家"))
    stranger, theirs = make_handler(1), make_handler(2)
    handlers.bind_handler(other, theirs)
    http = org_center(app, uscc(1), ANSWER)
    token = csrf_of(html_of(http.get("/account/handlers")))
    pages = []
    for target in ("999999", str(stranger.id), str(theirs.id), "abc", str(org.user_id)):
        page = http.post("/account/handlers/unbind", data={"csrf_token": token, "target": target})
        assert page.status_code == 200
        pages.append(plain(html_of(page)))
    assert len(set(pages)) == 1 and said(handlers.NOT_BOUND) in pages[0]
    assert active_bindings() == 1  # the other organisation's binding is untouched


def test_d3_mobile_change_send_answers_alike_for_free_and_taken_numbers(app):
    make_user()
    make_user(phone="13911112222", name="李四")
    http = app.test_client()
    page = http.get("/login")
    action, fields = form_with(html_of(page), 'name="password"')
    http.post(action, data={**fields, "identifier": PHONE, "password": PASSWORD})
    page = http.get("/account/reauth", query_string={"next": "/account/mobile"})
    action, fields = form_with(html_of(page), 'name="password"')
    http.post(action, data={**fields, "password": PASSWORD})
    answers = []
    for phone in ("13911112222", "13933334444"):
        action, fields = form_with(html_of(http.get("/account/mobile")), 'name="phone"')
        answers.append(
            plain(
                html_of(http.post(action, data={**fields, "phone": phone, "send": "1"})),
                phone,
                phone[:3] + "****" + phone[-4:],
            )
        )
    assert answers[0] == answers[1] and "已发送" in answers[0]


def test_s3_registration_code_send_answers_alike_for_registered_and_free_mobiles(app):
    make_user()
    answers = []
    for phone in (PHONE, "13933334444"):
        http = app.test_client()
        token = form_fields(html_of(http.get("/register/person")))[1]["csrf_token"]
        page = http.post("/register/codes/sms", data={"phone": phone, "csrf_token": token})
        answers.append(plain(html_of(page), phone))
    assert answers[0] == answers[1] and "短信验证码已发送" in answers[0]


def test_l10_appeal_status_answers_alike_for_unknown_case_and_wrong_mobile(app, client):
    appeal = appeals.open_appeal(
        account="L0001",
        name="张三",
        phone=PHONE,
        email=None,
        content="历史账号忘记了密码，留存的手机号码也已停用。",
        identity_proof=Upload("id.pdf", pdf_bytes()),
        phone_verified=True,
    )
    answers = []
    for case_number, phone in ((appeal.case_number, "13600136001"), ("SS20200101000000", PHONE)):
        token = form_fields(html_of(client.get("/appeal/status")))[1]["csrf_token"]
        page = client.post(
            "/appeal/status",
            data={
                "case_number": case_number,
                "phone": phone,
                "captcha": ANSWER,
                "csrf_token": token,
            },
        )
        answers.append(plain(html_of(page), case_number, phone))
    assert answers[0] == answers[1] and "未找到该申诉" in answers[0]


def test_l8_legacy_reset_answers_alike_for_match_mismatch_and_unknown(app):
    make_legacy_account(mobile="13700137000", id_number=resident_id(1))
    requests, refusals = [], []
    for identifier, contact in (
        ("L0001", "13700137000"),
        ("L0001", "13700137001"),
        ("NO-SUCH", "13700137000"),
    ):
        http = app.test_client()
        page = http.get("/login/forgot/legacy")
        action, fields = form_with(html_of(page), 'name="contact"')
        sent = http.post(
            action, data={**fields, "identifier": identifier, "contact": contact, "captcha": ANSWER}
        )
        assert sent.status_code == 302
        reset = http.get(sent.location)
        requests.append(plain(html_of(reset)))
        action, fields = form_with(html_of(reset), 'name="code"')
        refused = http.post(
            action,
            data={
                **fields,
                "code": "000000",
                "password": "Another-pass-88",
                "password_confirm": "Another-pass-88",
            },
        )
        refusals.append(plain(html_of(refused)))
    assert len(set(requests)) == 1 and len(set(refusals)) == 1
    assert len(services().sms.outbox.latest()) == 1


def test_s1_supplementation_of_another_browser_reads_like_none(app):
    natural_legacy()
    owner = app.test_client()
    started = legacy_login(owner)
    sid = started.location.rstrip("/").rsplit("/", 1)[-1]
    assert owner.get(started.location).status_code == 200
    stranger = app.test_client()
    theirs, nothing = stranger.get(f"/supplement/{sid}"), stranger.get("/supplement/no-such-id")
    assert theirs.status_code == nothing.status_code == 404
    assert plain(html_of(theirs), sid) == plain(html_of(nothing), "no-such-id")


def test_p2_ending_a_session_answers_alike_for_another_users_and_no_session(app):
    make_user()
    make_user(phone="13911112222", name="李四")
    sessions = []
    for phone in (PHONE, "13911112222"):
        http = app.test_client()
        action, fields = form_with(html_of(http.get("/login")), 'name="password"')
        http.post(action, data={**fields, "identifier": phone, "password": PASSWORD})
        sessions.append(http)
    mine, other = sessions
    listing = html_of(other.get("/account/sessions"))
    their_sid = re.search(r'name="target" value="([^"]+)"', listing).group(1)
    token = csrf_of(html_of(mine.get("/account/sessions")))
    answers = [
        mine.post("/account/sessions/end", data={"csrf_token": token, "target": sid})
        for sid in (their_sid, "no-such-session")
    ]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].location == answers[1].location
    assert other.get("/account").status_code == 200  # their session is untouched
