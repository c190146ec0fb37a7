"""The basic code flow end to end on the test client (OIDF oidcc-server)."""

from support import decode_jwt


def test_oidcc_server_code_flow_issues_id_token_and_userinfo(browser, rp, user):
    tokens = browser.tokens_for(rp, scope="openid profile phone", nonce="n-1")
    claims = decode_jwt(tokens["id_token"])
    assert claims["sub"] == user.sub and claims["nonce"] == "n-1" and claims["aud"] == rp.client_id
    assert claims["iss"] == "http://127.0.0.1:5000" and "sid" in claims and claims["amr"] == ["pwd"]
    assert claims["acr"] == "1"
    info = browser.http.get(
        "/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}
    )
    assert info.status_code == 200
    assert info.get_json()["phone_number"] == "+8613800138000"
