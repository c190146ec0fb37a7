"""The sample subsystems (clients/) against the IdP, all on real HTTP servers.

A ``requests`` session plays the browser. Covers the code flow with PKCE as a relying party
sees it (OIDC Core §3.1, RFC 7636, RFC 9207 ``iss``), RP-Initiated Logout 1.0 §2–3 and
Back-Channel Logout 1.0 §2.5–2.8 delivered over HTTP by the real ``RequestsSender``, single
sign-on and single logout across two subsystems (R3), and what a sample says of a handler (R2).
"""

from __future__ import annotations

import re
import secrets
import time
from urllib.parse import urljoin

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from clients.trademark_application import SUBSYSTEM as APPLICATION
from clients.trademark_query import SUBSYSTEM as QUERY
from idp import demo
from idp.adapters.http import RequestsSender
from idp.domain import transaction
from idp.protocol import keys, logout
from idp.services import services
from support import PASSWORD, PHONE, form_fields, make_user, query

EVENT = "http://schemas.openid.net/event/backchannel-logout"


class ObservedSender(RequestsSender):
    """The real sender, remembering each answer so a test can see what the RP replied."""

    def __init__(self):
        super().__init__()
        self.answers: list[tuple[str, int]] = []

    def post_form(self, url, data, timeout):
        status = super().post_form(url, data, timeout)
        self.answers.append((url, status))
        return status


@pytest.fixture
def sender():
    s = ObservedSender()
    yield s
    s.session.close()


@pytest.fixture
def browser():
    with requests.Session() as http:
        yield http


@pytest.fixture
def other_browser():
    with requests.Session() as http:
        yield http


def named_input(html: str, autocomplete: str) -> str:
    tag = re.search(rf'<input[^>]*autocomplete="{autocomplete}"[^>]*>', html).group(0)
    return re.search(r'name="([^"]+)"', tag).group(1)


def sign_in(http, sample_url: str, approve: bool = True, **typed):
    """Sample /login → IdP login form → consent → back at the sample. ``typed``: the entry
    and method (query of the login page) and more fields, e.g. the captcha.

    Returns the first response (its history holds the authorization request) and the last."""
    start = page = http.get(sample_url + "/login")
    assert "/interaction/" in page.url and page.status_code == 200
    where = {k: typed.pop(k) for k in ("entry", "method") if k in typed}
    if where:
        page = http.get(page.url, params=where)
    action, hidden = form_fields(page.text)
    credentials = {
        named_input(page.text, "username"): typed.pop("identifier", PHONE),
        named_input(page.text, "current-password"): typed.pop("password", PASSWORD),
        **typed,
    }
    page = http.post(urljoin(page.url, action), data={**hidden, **credentials})
    if page.url.startswith(sample_url):  # consent remembered from an earlier sign-in
        return start, page
    return start, consent(http, page, approve)


def consent(http, page: requests.Response, approve: bool = True) -> requests.Response:
    assert page.url.endswith("/consent"), page.url
    action, hidden = form_fields(page.text)
    choice = {"approve": "1"} if approve else {"deny": "1"}
    return http.post(urljoin(page.url, action), data={**hidden, **choice})


def csrf_of(page: requests.Response) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def hop(response: requests.Response, prefix: str) -> requests.Response:
    """The redirect hop of ``response`` that requested a URL starting with ``prefix``."""
    return next(r for r in [*response.history, response] if r.url.startswith(prefix))


def logout_token(client_id: str, idp_url: str, key=None, kid=None, header=None, **claims) -> str:
    """A logout token signed by the IdP's current key, or by ``key`` (a forgery)."""
    if key is None:
        kid, key = keys.signing_key("RS256")
    now = int(time.time())
    body = {
        "iss": idp_url,
        "aud": client_id,
        "iat": now,
        "exp": now + 120,
        "jti": secrets.token_urlsafe(12),
        "sub": "someone",
        "sid": "some-sid",
        "events": {EVENT: {}},
    }
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(
        {"alg": "RS256", "kid": kid, "typ": "logout+jwt", **(header or {})}, body, key, ["RS256"]
    )


def test_oidcc_server_sample_subsystem_signs_in(sample, browser, idp_url):
    sample_url, client_id = sample
    user = make_user()
    start, page = sign_in(browser, sample_url)
    assert page.url == sample_url + "/" and page.status_code == 200
    assert "张三" in page.text and user.sub in page.text and "退出登录" in page.text
    assert "+8613800138000" in page.text  # a userinfo claim of the phone scope
    authorize = query(hop(start, idp_url + "/authorize").url)
    assert authorize["code_challenge_method"] == "S256" and authorize["nonce"]
    callback = query(hop(page, sample_url + "/callback").url)
    assert callback["iss"] == idp_url and callback["state"] == authorize["state"]
    assert user.sub in browser.get(sample_url + "/").text  # the session persists


def test_oidcc_backchannel_rp_initiated_logout(sample, browser, idp_url, sender):
    sample_url, client_id = sample
    make_user()
    csrf = csrf_of(sign_in(browser, sample_url)[1])
    assert browser.post(sample_url + "/logout", data={"csrf": "forged"}).status_code == 400
    out = browser.post(sample_url + "/logout", data={"csrf": csrf})
    end_session = query(hop(out, idp_url + "/logout").url)
    assert end_session["post_logout_redirect_uri"] == sample_url + "/"
    assert end_session["id_token_hint"] and end_session["state"]
    assert out.url == f"{sample_url}/?state={end_session['state']}"
    assert "您已退出" in out.text and ">登录<" in out.text and "张三" not in out.text
    assert logout.deliver_due() == 1
    assert sender.answers == [(sample_url + "/backchannel-logout", 200)]
    again = browser.get(sample_url + "/login")  # the IdP session is gone too
    assert again.url.endswith("/login") and "/interaction/" in again.url


def test_bcl_idp_side_session_end_ends_sample_session(sample, browser, sender):
    sample_url, client_id = sample
    user = make_user()
    sign_in(browser, sample_url)
    assert "张三" in browser.get(sample_url + "/").text
    assert logout.end_user_sessions(user.id, "test") == 1
    transaction.commit()  # the notices queue once the caller's transaction commits
    assert logout.deliver_due() == 1
    assert sender.answers == [(sample_url + "/backchannel-logout", 200)]
    page = browser.get(sample_url + "/")
    assert ">登录<" in page.text and "张三" not in page.text and user.sub not in page.text


def test_bcl_2_6_forged_logout_token_refused(sample, browser, other_browser, idp_url):
    sample_url, client_id = sample
    user = make_user()
    page = sign_in(browser, sample_url)[1]
    # the same user in a second browser: another IdP session, another sid
    assert "张三" in sign_in(other_browser, sample_url)[1].text
    sid = re.search(r"<th>sid</th><td>([^<]+)</td>", page.text).group(1)
    kid = keys.signing_key("RS256")[0]  # the IdP's kid, so only the signature can give it away
    forged = logout_token(
        client_id, idp_url, key=RSAKey.generate_key(2048), kid=kid, sub=user.sub, sid=sid
    )
    answer = requests.post(sample_url + "/backchannel-logout", data={"logout_token": forged})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "张三" in browser.get(sample_url + "/").text  # the session survived
    genuine = logout_token(client_id, idp_url, sub=user.sub, sid=sid)
    answer = requests.post(sample_url + "/backchannel-logout", data={"logout_token": genuine})
    assert answer.status_code == 200
    assert "张三" not in browser.get(sample_url + "/").text
    assert "张三" in other_browser.get(sample_url + "/").text  # §2.7: only that sid ends


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": "another-client"},  # §2.6 step 3: aud
        {"iss": "https://evil.example.test"},  # step 3: iss
        {"iat": int(time.time()) - 3600},  # step 3: iat too old
        {"exp": int(time.time()) - 600},  # step 3: expired
        {"sub": None, "sid": None},  # step 4: neither sid nor sub
        {"events": {"http://example.test/other": {}}},  # step 5: no logout event
        {"nonce": "n-1"},  # step 6: nonce forbidden
        {"jti": None},  # §2.4: jti required
        {"header": {"typ": "JWT"}},  # §2.4: explicit typing
    ],
    ids=["aud", "iss", "iat", "exp", "no-sid-sub", "events", "nonce", "no-jti", "typ"],
)
def test_bcl_2_6_invalid_logout_token_refused(sample, idp_url, changes):
    sample_url, client_id = sample
    token = logout_token(client_id, idp_url, **changes)
    answer = requests.post(sample_url + "/backchannel-logout", data={"logout_token": token})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_bcl_2_6_replayed_logout_token_refused(sample, idp_url):
    sample_url, client_id = sample
    token = logout_token(client_id, idp_url)
    first = requests.post(sample_url + "/backchannel-logout", data={"logout_token": token})
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    second = requests.post(sample_url + "/backchannel-logout", data={"logout_token": token})
    assert second.status_code == 400


def test_rfc6749_4_1_2_1_access_denied_shown_by_sample(sample, browser):
    sample_url, client_id = sample
    make_user()
    page = sign_in(browser, sample_url, approve=False)[1]
    assert page.url.startswith(sample_url + "/callback?") and page.status_code == 400
    assert "您拒绝了授权" in page.text and ">登录<" not in page.text
    assert "张三" not in browser.get(sample_url + "/").text


@pytest.mark.parametrize("iss", ["https://evil.example.test", None])
def test_rfc9207_sample_refuses_response_without_right_iss(sample, browser, iss):
    sample_url, client_id = sample
    start = browser.get(sample_url + "/login", allow_redirects=False)
    state = query(start.headers["Location"])["state"]
    params = {"code": "c", "state": state, **({"iss": iss} if iss else {})}
    page = browser.get(sample_url + "/callback", params=params)
    assert page.status_code == 400 and "iss" in page.text
    retry = browser.get(sample_url + "/callback", params=params)  # the state was spent
    assert retry.status_code == 400 and "已失效" in retry.text


def test_r3_one_sign_in_reaches_the_other_subsystem_and_one_sign_out_ends_both(
    serve_samples, browser, idp_url, sender
):
    (application, _), (query_url, _) = serve_samples(APPLICATION, QUERY)
    user = make_user()
    page = sign_in(browser, application)[1]
    assert f'<a href="{query_url}/login">打开商标网上查询</a>' in page.text
    csrf = csrf_of(page)
    page = browser.get(query_url + "/login")  # the IdP's session: no login form on the way
    hops = [r.url for r in [*page.history, page] if r.url.startswith(idp_url)]
    assert hops and not [url for url in hops if "/login" in url], hops
    page = consent(browser, page)
    assert page.url == query_url + "/" and "商标网上查询（后续批次）" in page.text
    assert f'<code id="sub">{user.sub}</code>' in page.text
    assert f'<a href="{application}/login">打开商标网上申请</a>' in page.text
    assert browser.get(query_url + "/login").url == query_url + "/"  # signed in here already

    browser.post(application + "/logout", data={"csrf": csrf})
    assert logout.deliver_due() == 2
    assert sorted(sender.answers) == [
        (url + "/backchannel-logout", 200) for url in sorted([application, query_url])
    ]
    page = browser.get(query_url + "/")
    assert "您尚未登录本系统" in page.text and user.sub not in page.text


def test_r2_sample_shows_the_organisation_and_whom_a_handler_acts_for(sample, browser):
    sample_url, _ = sample
    demo.seed()
    transaction.commit()
    services().captcha.fixed_answer = "2468"
    lisi, company = demo.DEMO_HANDLERS[0], demo.DEMO_LEGAL
    page = sign_in(
        browser,
        sample_url,
        entry="legal",
        method="handler",
        identifier=lisi["phone"],
        password=demo.PASSWORD,
        captcha="2468",
    )[1]
    assert page.url == sample_url + "/" and f"欢迎，{lisi['name']}" in page.text
    assert '<dd id="user-type">自然人（经办人）</dd>' in page.text
    org = re.search(r'<dd id="organisation">([^<]+)</dd>', page.text).group(1)
    assert org.startswith(f"{company['name']}（法人，统一社会信用代码 9111")
    assert company["uscc"] not in page.text  # masked (D5)
    acting = re.search(r'<dd id="acting-for">(.+?)</dd>', page.text).group(1)
    assert acting.startswith(f"代 {company['name']} 办理业务") and "已核验" in acting
