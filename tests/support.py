"""Test helpers: users, relying parties and a browser that walks the authorization flow.

The browser is Flask's test client with cookies; it finds forms the way a password manager or
an automated relying-party test would (``autocomplete`` attributes, hidden CSRF input).
"""

from __future__ import annotations

import base64
import hashlib
import html as htmllib
import json
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from flask import has_app_context
from flask.testing import FlaskClient
from jinja2 import BytecodeCache

from idp.domain.accounts import users as accounts
from idp.domain.accounts.applicant import PersonApplication
from idp.domain.clients import registry as clients
from idp.extensions import db

TEST_SETTINGS = {
    "issuer": "http://127.0.0.1:5000",
    "logout": {"background_worker": False, "backchannel_retry_delay": 10},
    "passwords": {"argon2_time_cost": 1, "argon2_memory_cost": 1024, "argon2_parallelism": 1},
}
PASSWORD = "Correct-horse-9"
PHONE = "13800138000"
REDIRECT = "https://rp.example.test/callback"


def make_user(phone: str = PHONE, password: str = PASSWORD, name: str = "张三", **kw):
    user = accounts.create_natural_person(name=name, phone=phone, password=password, **kw)
    db.session.commit()  # as a request would: other apps and threads of the test see it
    return user


@dataclass
class RelyingParty:
    client_id: str
    secret: str | None
    redirect_uri: str
    auth_method: str = "client_secret_basic"
    extra: dict = field(default_factory=dict)

    def auth(self, data: dict | None = None) -> tuple[dict, dict]:
        """(form data, headers) authenticating this client at the token endpoint."""
        data = dict(data or {})
        headers = {}
        if self.auth_method == "client_secret_basic":
            raw = f"{self.client_id}:{self.secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        elif self.auth_method == "client_secret_post":
            data.update(client_id=self.client_id, client_secret=self.secret)
        elif self.auth_method == "none":
            data["client_id"] = self.client_id
        return data, headers


def make_relying_party(name: str = "测试应用", redirect_uri: str = REDIRECT, **kw) -> RelyingParty:
    kw.setdefault("post_logout_redirect_uris", ["https://rp.example.test/logged-out"])
    client, secret = clients.create_client(name=name, redirect_uris=[redirect_uri], **kw)
    db.session.commit()  # as the CLI would
    return RelyingParty(client.client_id, secret, redirect_uri, client.token_endpoint_auth_method)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def decode_jwt(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def person_application(**changes) -> PersonApplication:
    """A complete, valid natural person's application (S2) with ``changes`` applied."""
    data = dict(
        id_type="resident_id",
        name="李四",
        id_number="110105198001010032",
        valid_from="2020-01-01",
        valid_to="2040-01-01",
        province="110000",
        city="110100",
        county="110105",
        street="朝阳路 1 号",
        postal_code="100020",
        email="li.si@example.com",
        phone="13900139000",
        password=PASSWORD,
        password_confirm=PASSWORD,
        agreed=True,
    )
    data.update(changes)
    return PersonApplication(**data)


def known_identities(tmp_path, rows) -> dict:
    """Settings making the local real-name verifier know exactly ``rows`` of
    (name, id_type, number); None rows: no overrides (any well-formed document passes)."""
    if rows is None:
        return {}
    path = tmp_path / "known.csv"
    path.write_text(
        "name,id_type,id_number\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8"
    )
    return {"realname": {"known_identities_file": str(path)}}


def sign_in_at_entry(
    browser, rp, identifier: str, scope: str = "openid profile", captcha: str = "2468", **entry
) -> dict:
    """Authorize → the login page's entry (``entry=``, ``method=``) → (consent) → the token
    response (JSON). Organisation entries get ``captcha`` (the deterministic test answer)."""
    response = browser.authorize(rp, scope=scope)
    assert response.location.endswith("/login")
    page = browser.http.get(response.location, query_string=entry)
    data = {"identifier": identifier, "password": PASSWORD}
    if entry.get("entry", "personal") != "personal":
        data["captcha"] = captcha
    response = browser.submit(page, **data)
    if response.location.endswith("/consent"):
        response = browser.consent(response)
    assert response.location.startswith(rp.redirect_uri), response.location
    token = browser.exchange(rp, query(response.location)["code"])
    assert token.status_code == 200, token.get_data(as_text=True)
    return token.get_json()


def html_of(response) -> str:
    return response.get_data(as_text=True)


def field_error(response, name) -> str | None:
    """The message shown next to field ``name`` (templates render it as ``#<name>-error``)."""
    match = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', html_of(response))
    return match.group(1) if match else None


def page_error(response_or_html) -> str | None:
    """The page's own error, not a field's: the first plain item of the error summary at the
    top of the form (templates/_form.html), unescaped."""
    html = response_or_html if isinstance(response_or_html, str) else html_of(response_or_html)
    summary = re.search(r'<div class="error-summary".*?</ul>', html, flags=re.S)
    found = re.search(r"<li>([^<]*)</li>", summary.group(0)) if summary else None
    return htmllib.unescape(found.group(1)) if found else None


def form_with(html: str, marker: str) -> tuple[str, dict]:
    """(action, hidden inputs) of the page's form that contains ``marker``."""
    for form in re.findall(r"<form.*?</form>", html, flags=re.S):
        if marker in form:
            return form_fields(form)
    raise AssertionError(f"no form with {marker}")


def form_fields(html: str) -> tuple[str, dict]:
    """(action, hidden inputs) of the first form in the page."""
    action = re.search(r'<form[^>]*action="([^"]*)"', html).group(1)
    hidden = dict(
        re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', html)
    )
    hidden.update(
        re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)
    )
    return action.replace("&amp;", "&"), hidden


class RecordingSender:
    """Outgoing back-channel POSTs captured in memory; ``status`` decides the answer."""

    def __init__(self):
        self.sent: list[tuple[str, dict]] = []
        self.status = 200

    def post_form(self, url, data, timeout):
        self.sent.append((url, dict(data)))
        if isinstance(self.status, Exception):
            raise self.status
        return self.status


class RequestClient(FlaskClient):
    """Flask's test client, each request in an app context of its own, as in production.

    The ``app`` fixture keeps one app context pushed for the test body, and Flask runs a request
    in the app context already pushed for its app: requests would share one ``g`` (and one
    database session) with each other and with the test. Pushing a fresh app context around
    each request gives it its own ``g`` and session, popped (and the session removed) when it
    ends; the test body's session then forgets what it had loaded, so it reads what the request
    committed, as a separate process would. What the test body wrote before the request is
    committed first: it stands for earlier requests or commands, each of which commits at its
    edge (the request is the transaction), and a request never sees uncommitted work.
    """

    def open(self, *args, **kwargs):
        from idp.domain import transaction
        from idp.extensions import db

        if has_app_context() and db.session().in_transaction():
            transaction.commit()  # and its after-commit work, as at a real edge
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():  # the test body's, not a worker thread's without one
            db.session.expire_all()
        return response


class TemplateCache(BytecodeCache):
    """Compiled templates kept in memory for the whole test session and shared by every test's
    app (each app has its own Jinja environment, which would compile each template again).
    Jinja checks the source's checksum on every load, so an edited template is recompiled."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self._code[bucket.key] = bucket.bytecode_to_string()


class Browser:
    def __init__(self, app):
        self.app = app
        self.http = app.test_client()
        self.verifier = None

    def authorize(self, rp: RelyingParty, method: str = "GET", pkce: bool = True, **params):
        params.setdefault("response_type", "code")
        params.setdefault("client_id", rp.client_id)
        params.setdefault("redirect_uri", rp.redirect_uri)
        params.setdefault("scope", "openid profile")
        params.setdefault("state", secrets.token_urlsafe(8))
        params.setdefault("nonce", secrets.token_urlsafe(8))
        if pkce and "code_challenge" not in params:
            self.verifier, challenge = pkce_pair()
            params.update(code_challenge=challenge, code_challenge_method="S256")
        params = {k: v for k, v in params.items() if v is not None}
        if method == "POST":
            return self.http.post("/authorize", data=params)
        return self.http.get("/authorize", query_string=params)

    def follow(self, response):
        return self.http.get(response.location)

    def submit(self, page, **data):
        action, hidden = form_fields(page.get_data(as_text=True))
        return self.http.post(action, data={**hidden, **data})

    def login(self, response, identifier: str = PHONE, password: str = PASSWORD):
        """From a redirect to the login page: submit credentials, return the response."""
        page = self.follow(response) if response.status_code == 302 else response
        html = page.get_data(as_text=True)
        assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
        return self.submit(page, identifier=identifier, password=password)

    def consent(self, response, approve: bool = True):
        page = self.follow(response) if response.status_code == 302 else response
        return self.submit(page, **({"approve": "1"} if approve else {"deny": "1"}))

    def sign_in(
        self, rp: RelyingParty, identifier: str = PHONE, password: str = PASSWORD, **params
    ) -> dict:
        """Authorize → login → consent as needed; return the callback query parameters."""
        response = self.authorize(rp, **params)
        for _ in range(4):
            location = response.location or ""
            if location.startswith(rp.redirect_uri):
                return query(location)
            if "/login" in location:
                response = self.login(response, identifier, password)
            elif "/consent" in location:
                response = self.consent(response)
            else:
                raise AssertionError(f"unexpected step: {response.status_code} {location}")
        raise AssertionError("flow did not finish")

    def token(self, rp: RelyingParty, **data):
        form, headers = rp.auth(data)
        return self.http.post("/token", data=form, headers=headers)

    def exchange(self, rp: RelyingParty, code: str, **extra):
        data = dict(grant_type="authorization_code", code=code, redirect_uri=rp.redirect_uri)
        if self.verifier:
            data["code_verifier"] = self.verifier
        data.update(extra)
        return self.token(rp, **{k: v for k, v in data.items() if v is not None})

    def tokens_for(self, rp: RelyingParty, **params) -> dict:
        """A full sign-in ending in a successful token response (JSON)."""
        callback = self.sign_in(rp, **params)
        response = self.exchange(rp, callback["code"])
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()
