"""The ``idp`` operator command (idp/cli/, idp/demo.py) driven through Flask's CLI runner.

Registration follows the rules of client metadata (OIDC Dynamic Client Registration §2,
RFC 7591 §2, exact redirect URIs per RFC 9700 §4.1.3); errors exit non-zero and name the problem.
"""

from __future__ import annotations

import json

import pytest
from joserfc import jwk
from sqlalchemy import func, select

from idp import create_app
from idp.adapters.store import MemoryStore
from idp.domain.accounts import users as accounts
from idp.domain.clients import registry as clients
from idp.domain.models import Client, SigningKey, Token, User
from idp.extensions import db
from idp.services import services
from support import REDIRECT, TEST_SETTINGS, RelyingParty

EXAMPLE_ID = "11010519491231002X"


@pytest.fixture
def idp(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=list(args))

    return invoke


def create(idp, *extra, name="商标查询"):
    return idp("clients", "create", "--name", name, "--redirect-uri", REDIRECT, *extra)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- clients create ---------------------------------------------------------------------------


def test_clients_create_json_prints_client_id_and_secret_once(idp):
    result = create(idp, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"client_id", "client_secret"}
    assert len(data["client_secret"]) >= 32
    assert result.output.count(data["client_secret"]) == 1
    client = clients.get(data["client_id"])
    assert client.secret_digest == services().client_secret_digest(data["client_secret"])
    assert data["client_secret"] not in client.secret_digest


def test_clients_create_text_output_shows_the_secret_once(idp):
    result = create(idp, "--client-id", "tm-search")
    assert result.exit_code == 0, result.output
    secret = result.output.split("client_secret: ")[1].split()[0]
    assert result.output.count(secret) == 1 and "client_id: tm-search" in result.output


def test_clients_created_by_the_cli_sign_in(idp, browser, user):
    result = create(idp, "--json")
    data = json.loads(result.stdout)
    rp = RelyingParty(data["client_id"], data["client_secret"], REDIRECT)
    tokens = browser.tokens_for(rp)
    assert tokens["token_type"].lower() == "bearer" and "id_token" in tokens


def test_r1_client_registered_ahead_of_its_batch_signs_in_once_switched_on(idp, browser, user):
    """R1: an administrator registers a subsystem (redirect and logout URIs, scopes) before its
    batch joins; until it is switched on, /authorize refuses it without redirecting."""
    data = json.loads(
        create(
            idp,
            "--json",
            "--disabled",
            "--scope",
            "openid profile",
            "--post-logout-redirect-uri",
            "https://rp.example.test/",
        ).stdout
    )
    rp = RelyingParty(data["client_id"], data["client_secret"], REDIRECT)
    refused = browser.authorize(rp)
    assert refused.status_code == 400 and "Location" not in refused.headers
    assert "disabled" in idp("clients", "list").output
    assert idp("clients", "enable", data["client_id"]).exit_code == 0
    tokens = browser.tokens_for(rp)
    assert "id_token" in tokens and set(tokens["scope"].split()) == {"openid", "profile"}
    assert idp("clients", "enable", "no-such-client").exit_code == 1


def test_r1_generated_client_ids_never_read_as_an_option(monkeypatch):
    """A generated id is typed after ``idp clients enable``: one starting with "-" was read as
    an option (about 1 id in 64). The generator draws again until the first character is a
    letter or digit."""
    draws = iter(["-abc", "_def", "Ghi-_"])
    monkeypatch.setattr(clients.secrets, "token_urlsafe", lambda n: next(draws))
    assert clients.new_client_id() == "Ghi-_"
    monkeypatch.undo()
    assert all(clients.new_client_id()[0].isalnum() for _ in range(2000))


def test_clients_create_repeatable_redirect_uri(idp):
    second = "https://rp.example.test/other-callback"
    result = create(
        idp,
        "--redirect-uri",
        second,
        "--client-id",
        "two-uris",
        "--post-logout-redirect-uri",
        "https://rp.example.test/bye",
    )
    assert result.exit_code == 0, result.output
    client = clients.get("two-uris")
    assert client.redirect_uris == [REDIRECT, second]
    assert client.post_logout_redirect_uris == ["https://rp.example.test/bye"]


def test_clients_create_public_has_no_secret_and_requires_pkce(idp):
    result = create(idp, "--public", "--json", "--no-pkce")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["client_secret"] is None
    client = clients.get(data["client_id"])
    assert client.token_endpoint_auth_method == "none"
    assert client.secret_digest is None
    assert client.require_pkce  # a public client cannot opt out of PKCE (RFC 9700 §2.1.1)


def test_clients_create_first_party(idp):
    assert create(idp, "--first-party", "--client-id", "office").exit_code == 0
    assert clients.get("office").first_party is True
    assert create(idp, "--client-id", "outside").exit_code == 0
    assert clients.get("outside").first_party is False


def test_clients_create_grant_type_client_credentials_can_get_a_token(idp, client):
    result = create(
        idp, "--json", "--grant-type", "client_credentials", "--grant-type", "authorization_code"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert clients.get(data["client_id"]).grant_types == [
        "client_credentials",
        "authorization_code",
    ]
    response = client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        auth=(data["client_id"], data["client_secret"]),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["access_token"]


def test_clients_create_without_grant_type_cannot_use_client_credentials(idp, client):
    data = json.loads(create(idp, "--json").stdout)
    assert clients.get(data["client_id"]).grant_types == ["authorization_code", "refresh_token"]
    response = client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        auth=(data["client_id"], data["client_secret"]),
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "unauthorized_client"


def _public_jwks() -> dict:
    key = jwk.generate_key("EC", "P-256", parameters={"alg": "ES256", "use": "sig"})
    return {"keys": [key.as_dict(private=False)]}


def test_clients_create_private_key_jwt_requires_jwks(idp):
    result = create(idp, "--auth-method", "private_key_jwt")
    assert result.exit_code == 1
    assert "private_key_jwt" in result.stderr and "JWKS" in result.stderr
    assert count(Client) == 0


def test_clients_create_private_key_jwt_with_jwks_inline_or_file(idp, tmp_path):
    inline = create(
        idp, "--auth-method", "private_key_jwt", "--json", "--jwks", json.dumps(_public_jwks())
    )
    assert inline.exit_code == 0, inline.output
    data = json.loads(inline.stdout)
    assert data["client_secret"] is None
    assert clients.get(data["client_id"]).token_endpoint_auth_method == "private_key_jwt"

    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(_public_jwks()))
    from_file = create(
        idp, "--auth-method", "private_key_jwt", "--jwks", str(path), "--client-id", "from-file"
    )
    assert from_file.exit_code == 0, from_file.output
    assert clients.get("from-file").jwks["keys"][0]["kty"] == "EC"


def test_clients_create_refuses_a_private_key_in_jwks(idp):
    key = jwk.generate_key("EC", "P-256")
    result = create(
        idp,
        "--auth-method",
        "private_key_jwt",
        "--jwks",
        json.dumps({"keys": [key.as_dict(private=True)]}),
    )
    assert result.exit_code == 1
    assert "公钥" in result.stderr


@pytest.mark.parametrize(
    "uri, problem",
    [
        ("not-a-url", "redirect_uri"),
        ("https://rp.example.test/cb#frag", "片段"),
        ("ftp://rp.example.test/cb", "redirect_uri"),
    ],
)
def test_oidcc_ensure_registered_redirect_uri_invalid_at_registration(idp, uri, problem):
    result = idp("clients", "create", "--name", "坏地址", "--redirect-uri", uri)
    assert result.exit_code == 1
    assert problem in result.stderr and uri in result.stderr
    assert count(Client) == 0


def test_clients_create_authorization_code_needs_a_redirect_uri(idp):
    result = idp("clients", "create", "--name", "没有回调")
    assert result.exit_code == 1
    assert "redirect_uri" in result.stderr


def test_clients_create_unknown_grant_type_is_refused(idp):
    result = create(idp, "--grant-type", "password")
    assert result.exit_code != 0
    assert "--grant-type" in result.output and "password" in result.output
    assert count(Client) == 0


def test_clients_create_duplicate_client_id_is_refused(idp):
    assert create(idp, "--client-id", "tm-search").exit_code == 0
    result = create(idp, "--client-id", "tm-search", name="另一个")
    assert result.exit_code == 1
    assert "tm-search" in result.stderr and "已存在" in result.stderr
    assert clients.get("tm-search").name == "商标查询"


def test_clients_create_public_client_credentials_is_refused(idp):
    result = create(idp, "--public", "--grant-type", "client_credentials")
    assert result.exit_code == 1
    assert "client_credentials" in result.stderr


# --- clients list / show / disable ------------------------------------------------------------


def test_clients_list_shows_id_state_method_and_name(idp):
    create(idp, "--client-id", "tm-search")
    create(idp, "--client-id", "tm-app", "--public", name="商标网上申请")
    result = idp("clients", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines == [
        "tm-search\tenabled\tclient_secret_basic\t商标查询",
        "tm-app\tenabled\tnone\t商标网上申请",
    ]


def test_clients_show_never_prints_a_secret_or_digest(idp):
    data = json.loads(create(idp, "--json", "--client-id", "tm-search").stdout)
    digest = clients.get("tm-search").secret_digest
    result = idp("clients", "show", "tm-search")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["client_id"] == "tm-search" and shown["redirect_uris"] == [REDIRECT]
    assert data["client_secret"] not in result.output and digest not in result.output
    assert not any("secret" in key for key in shown)


def test_clients_show_unknown_client(idp):
    result = idp("clients", "show", "nobody")
    assert result.exit_code == 1
    assert "nobody" in result.stderr


def test_clients_disable_revokes_its_tokens(idp, browser, user):
    data = json.loads(create(idp, "--json", "--client-id", "tm-search").stdout)
    rp = RelyingParty(data["client_id"], data["client_secret"], REDIRECT)
    tokens = browser.tokens_for(rp, scope="openid profile offline_access", prompt="consent")
    bearer = {"Authorization": "Bearer " + tokens["access_token"]}
    assert browser.http.get("/userinfo", headers=bearer).status_code == 200

    result = idp("clients", "disable", "tm-search")
    assert result.exit_code == 0
    assert "revoked" in result.stdout
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Token)
            .where(Token.client_id == "tm-search", Token.revoked_at.is_(None))
        )
        == 0
    )
    assert browser.http.get("/userinfo", headers=bearer).status_code == 401
    refreshed = browser.token(rp, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code in (400, 401)
    assert "access_token" not in (refreshed.get_json() or {})
    listed = idp("clients", "list").stdout
    assert "tm-search\tdisabled" in listed


def test_clients_disable_unknown_client(idp):
    result = idp("clients", "disable", "nobody")
    assert result.exit_code == 1
    assert "nobody" in result.stderr


# --- users create ------------------------------------------------------------------------------


def test_users_create_valid(idp):
    result = idp(
        "users",
        "create",
        "--phone",
        "13900139000",
        "--name",
        "李四",
        "--password",
        "Long-enough-1",
        "--email",
        "lisi@example.com",
        "--id-number",
        EXAMPLE_ID,
    )
    assert result.exit_code == 0, result.output
    sub = result.stdout.strip().split("sub=")[1]
    person = db.session.scalar(select(User).where(User.sub == sub))
    assert person.name == "李四" and person.phone == "13900139000"
    assert person.id_type == "resident_id" and EXAMPLE_ID not in (person.id_number_enc or "")
    assert accounts.authenticate(EXAMPLE_ID, "Long-enough-1").id == person.id
    assert accounts.authenticate("13900139000", "Long-enough-1").id == person.id


@pytest.mark.parametrize(
    "args, problem",
    [
        (["--phone", "12345"], "手机号码"),
        (["--phone", "13900139000", "--id-number", "110105194912310021"], "校验位"),
        (["--phone", "13900139000", "--password", "short"], "密码"),
    ],
)
def test_users_create_invalid_input_names_the_problem(idp, args, problem):
    base = {"--phone": "13900139000", "--name": "李四", "--password": "Long-enough-1"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    flat = [part for pair in base.items() for part in pair]
    result = idp("users", "create", *flat)
    assert result.exit_code == 1
    assert problem in result.stderr
    assert count(User) == 0


def test_users_create_duplicate_phone(idp, user):
    result = idp(
        "users", "create", "--phone", user.phone, "--name", "冒名", "--password", "Long-enough-1"
    )
    assert result.exit_code == 1
    assert "已经存在" in result.stderr
    assert count(User) == 1


# --- keys ----------------------------------------------------------------------------------------


def test_keys_list_creates_current_and_next_keys(idp):
    result = idp("keys", "list")
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert sorted((r[1], r[2]) for r in rows) == [
        ("ES256", "current"),
        ("ES256", "next"),
        ("RS256", "current"),
        ("RS256", "next"),
    ]


def _wait_for_publication():
    """As an operator does: rotate once every cached JWKS has the next key."""
    from idp.protocol import keys

    services().clock.advance(keys.publication_wait())


def test_keys_rotate_keeps_the_old_key_published(idp, client):
    before = {
        r.split("\t")[2]: r.split("\t")[0]
        for r in idp("keys", "list").stdout.splitlines()
        if "\tRS256\t" in r
    }
    _wait_for_publication()
    result = idp("keys", "rotate")
    assert result.exit_code == 0
    assert before["next"] in result.stdout  # the pre-published key now signs
    states = {k.kid: k.state for k in db.session.scalars(select(SigningKey))}
    assert states[before["current"]] == "retired"
    assert states[before["next"]] == "current"
    published = {k["kid"] for k in client.get("/jwks").get_json()["keys"]}
    assert {before["current"], before["next"]} <= published
    assert len([s for s in states.values() if s == "next"]) == 2


def test_keys_rotate_all_algorithms(idp):
    idp("keys", "list")
    _wait_for_publication()
    result = idp("keys", "rotate", "--alg", "all")
    assert result.exit_code == 0
    assert "RS256" in result.stdout and "ES256" in result.stdout
    assert count(SigningKey) == 6


def test_keys_rotate_too_early_is_refused_with_the_wait_and_rotates_nothing(idp, clock):
    idp("keys", "list")
    before = set(db.session.scalars(select(SigningKey.kid)))
    clock.advance(100)
    result = idp("keys", "rotate", "--alg", "all")
    assert result.exit_code == 1
    assert "请 230 秒后再轮换" in result.stderr and "--force" in result.stderr
    db.session.expire_all()
    assert set(db.session.scalars(select(SigningKey.kid))) == before
    assert count(SigningKey) == 4


def test_keys_rotate_force_promotes_at_once(idp):
    idp("keys", "list")
    result = idp("keys", "rotate", "--force")
    assert result.exit_code == 0, result.output
    assert count(SigningKey) == 5


# --- demo seed -----------------------------------------------------------------------------------


def _snapshot():
    return (
        sorted(db.session.scalars(select(User.sub))),
        sorted(db.session.scalars(select(Client.client_id))),
        sorted(db.session.scalars(select(SigningKey.kid))),
    )


def test_demo_seed_twice_is_idempotent(idp):
    first = idp("demo", "seed")
    assert first.exit_code == 0, first.output
    assert "Demo-pass-2026" in first.stdout and "13800138000" in first.stdout
    after_first = _snapshot()
    second = idp("demo", "seed")
    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.stdout
    assert _snapshot() == after_first

    demo = accounts.authenticate("13800138000", "Demo-pass-2026")
    assert demo is not None and demo.name == "张三" and demo.email == "zhangsan@example.com"
    assert accounts.authenticate(EXAMPLE_ID, "Demo-pass-2026").id == demo.id

    app_client = clients.get("tm-application")
    assert app_client.redirect_uris == ["http://127.0.0.1:5001/callback"]
    assert app_client.post_logout_redirect_uris == ["http://127.0.0.1:5001/"]
    assert app_client.backchannel_logout_uri == "http://127.0.0.1:5001/backchannel-logout"
    assert set(app_client.grant_types) == {"authorization_code", "refresh_token"}
    assert app_client.first_party is False
    assert app_client.secret_digest == services().client_secret_digest("dev-secret-tm-application")

    bench = clients.get("bench")
    assert bench.redirect_uris == ["http://127.0.0.1:9/cb"]
    assert set(bench.grant_types) == {"authorization_code", "refresh_token", "client_credentials"}
    assert bench.secret_digest == services().client_secret_digest("bench-secret")


def test_demo_seed_leaves_an_existing_user_alone(idp, user):
    result = idp("demo", "seed")
    assert result.exit_code == 0, result.output
    # no second 张三 beside the existing holder of the demo mobile (other demo users are added)
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.phone == "13800138000"))
        == 1
    )
    assert accounts.authenticate("13800138000", "Demo-pass-2026") is None  # password untouched


def test_demo_client_signs_in_with_the_demo_user(idp, browser):
    assert idp("demo", "seed").exit_code == 0
    rp = RelyingParty(
        "tm-application", "dev-secret-tm-application", "http://127.0.0.1:5001/callback"
    )
    tokens = browser.tokens_for(rp, identifier="13800138000", password="Demo-pass-2026")
    assert "id_token" in tokens


def test_demo_seed_is_refused_in_production():
    """Demo credentials must never reach production: refused before any database access."""
    prod = create_app(
        {
            **TEST_SETTINGS,
            "env": "production",
            "issuer": "https://id.example.gov.cn",
            "secret_key": "p" * 48,
            # Nothing listens there: a refusal that touched the database would fail differently.
            "database_url": "postgresql+psycopg://idp@127.0.0.1:9/idp",
            "store_url": "redis://127.0.0.1:9/0",
            "encryption_key_current": "k1",
            "encryption_keys": {"k1": "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="},
            "secrets": {"blind_index_key": "b" * 48, "client_secret_pepper": "c" * 48},
            "sms": {"backend": "http", "http_url": "https://sms.example.invalid/send"},
            "realname": {
                "backend": "http",
                "url": "https://realname.example.invalid/verify",
                "api_key": "k" * 32,
            },
            "enterprise": {
                "backend": "http",
                "url": "https://gsxt.example.invalid/verify",
                "api_key": "k" * 32,
            },
            "mail": {"backend": "smtp", "smtp_host": "smtp.example.invalid"},
        },
        store=MemoryStore(),
    )
    with prod.app_context():
        result = prod.test_cli_runner().invoke(args=["demo", "seed"])
        assert services().settings.production
    assert result.exit_code == 1
    assert "生产环境" in result.stderr
    assert "Demo-pass-2026" not in result.output
