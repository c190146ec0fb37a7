"""R1: the one validation of a client's metadata (``registry.check``), for create and edit."""

from __future__ import annotations

import pytest

from idp.domain.clients import registry
from idp.domain.errors import ValidationError
from idp.domain.models import Client

OK = "https://tm.example.cn/cb"


def spec(**kw):
    kw.setdefault("name", "商标网上服务系统")
    kw.setdefault("redirect_uris", [OK])
    return registry.Spec(**kw)


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("https://*.example.cn/cb", "uri.unsafe"),
        ("https://tm.example.cn/cb#x", "uri.fragment"),
        ("https://good.example.cn@evil.example/cb", "uri.userinfo"),
        ("https://tm.example.cn/c b", "uri.unsafe"),
        ("https://tm.example.cn/c\nb", "uri.unsafe"),
        ("https://tm.example.cn\\@evil.example/", "uri.unsafe"),
        ("javascript:alert(1)", "uri.not_absolute"),
        ("/relative/cb", "uri.not_absolute"),
        ("https://tm.example.cn:99999/cb", "uri.not_absolute"),
        ("https://tm.example.cn/" + "a" * 2001, "uri.unsafe"),
    ],
)
def test_r1_hostile_redirect_uris_refused(app, uri, code):
    with app.app_context(), pytest.raises(ValidationError) as err:
        registry.check(spec(redirect_uris=[uri]))
    assert err.value.code == code


def test_r1_too_many_uris_refused(app):
    uris = [f"https://tm.example.cn/cb{i}" for i in range(registry.MAX_URIS + 1)]
    with app.app_context(), pytest.raises(ValidationError) as err:
        registry.check(spec(redirect_uris=uris))
    assert err.value.code == "client.too_many_uris"


def test_r1_hostile_post_logout_and_backchannel_uris_refused(app):
    with app.app_context():
        with pytest.raises(ValidationError) as err:
            registry.check(spec(post_logout_redirect_uris=["https://a.example.cn/#x"]))
        assert err.value.code == "uri.fragment"
        with pytest.raises(ValidationError) as err:
            registry.check(spec(backchannel_logout_uri="http://tm.example.cn/bcl"))
        assert err.value.code == "uri.https_dev"


def test_r1_name_batch_scope_grant_alg_rules(app):
    with app.app_context():
        for bad, code in [
            ({"name": " "}, "client.name"),
            ({"name": "a\x00b"}, "client.name"),
            ({"batch": "x" * 33}, "client.batch"),
            ({"scope": "openid admin"}, "client.scope"),
            ({"grant_types": ["password"]}, "client.grant_type"),
            (
                {"public": True, "grant_types": ["client_credentials"]},
                "client.public_client_credentials",
            ),
            ({"id_token_alg": "none"}, "client.id_token_alg"),
            ({"auth_method": "private_key_jwt"}, "client.jwks_required"),
            ({"redirect_uris": []}, "client.redirect_uri_required"),
        ]:
            with pytest.raises(ValidationError) as err:
                registry.check(spec(**bad))
            assert err.value.code == code, bad
        values = registry.check(spec(batch=" 第一批 ", public=True, require_pkce=False))
        assert values["batch"] == "第一批"
        assert values["token_endpoint_auth_method"] == "none" and values["require_pkce"]


def test_r1_jwks_private_key_material_refused(app):
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048)
    with app.app_context():
        with pytest.raises(ValidationError) as err:
            registry.check(
                spec(auth_method="private_key_jwt", jwks={"keys": [key.as_dict(private=True)]})
            )
        assert err.value.code == "jwks.private"
        with pytest.raises(ValidationError) as err:
            registry.check(spec(auth_method="private_key_jwt", jwks={"keys": [{"kty": "RSA"}]}))
        assert err.value.code == "jwks.invalid"
        values = registry.check(
            spec(auth_method="private_key_jwt", jwks={"keys": [key.as_dict(private=False)]})
        )
        assert values["jwks"]["keys"][0]["kty"] == "RSA"


def test_r1_update_uses_the_same_check_and_reset_secret_changes_digest(app):
    from idp.extensions import db

    with app.app_context():
        client, secret = registry.create_client(name="A", redirect_uris=[OK], batch="第一批")
        assert secret and client.batch == "第一批"
        with pytest.raises(ValidationError) as err:
            registry.update_client(client.client_id, spec(redirect_uris=["https://*.cn/cb"]))
        assert err.value.code == "uri.unsafe"
        old = client.secret_digest
        registry.update_client(client.client_id, spec(name="B", batch="第二批"))
        stored = db.session.get(Client, client.id)
        assert stored.name == "B" and stored.batch == "第二批" and stored.secret_digest == old
        new = registry.reset_secret(client.client_id)
        assert new != secret and stored.check_client_secret(new)
        assert not stored.check_client_secret(secret)
