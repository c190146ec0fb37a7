"""The address picker's JSON (S2): provinces and the divisions under a code, cacheable
(RFC 9111 §5.2.2 Cache-Control public/max-age; RFC 9110 §13.1.2 If-None-Match)."""

from __future__ import annotations

import pytest


@pytest.fixture
def settings_overrides():
    return {"divisions": {"cache_max_age": 3600}}


def test_s2_divisions_lists_provinces(client):
    response = client.get("/divisions")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    provinces = response.get_json()
    assert len(provinces) == 31
    assert {"code": "110000", "name": "北京市"} in provinces
    assert {"code": "440000", "name": "广东省"} in provinces
    assert all(set(p) == {"code", "name"} for p in provinces)


def test_s2_divisions_children_of_province_and_city(client):
    assert client.get("/divisions/110000/children").get_json() == [
        {"code": "110100", "name": "市辖区"}
    ]
    counties = client.get("/divisions/110100/children").get_json()
    assert {"code": "110105", "name": "朝阳区"} in counties
    cities = client.get("/divisions/440000/children").get_json()
    assert {"code": "441900", "name": "东莞市"} in cities


def test_s2_divisions_city_without_counties_has_empty_children(client):
    response = client.get("/divisions/441900/children")
    assert response.status_code == 200 and response.get_json() == []


def test_s2_divisions_county_has_empty_children(client):
    response = client.get("/divisions/110105/children")
    assert response.status_code == 200 and response.get_json() == []


@pytest.mark.parametrize("code", ["990000", "abc", "11", "1101050"])
def test_s2_divisions_unknown_code_is_404_json(client, code):
    response = client.get(f"/divisions/{code}/children")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert "public" not in response.headers.get("Cache-Control", "")


def test_rfc9111_divisions_are_publicly_cacheable_with_configured_max_age(client):
    for path in ("/divisions", "/divisions/440000/children"):
        response = client.get(path)
        directives = {d.strip() for d in response.headers["Cache-Control"].split(",")}
        assert directives == {"public", "max-age=3600"}
        assert "Set-Cookie" not in response.headers


def test_rfc9110_divisions_revalidate_with_etag(client):
    first = client.get("/divisions/110100/children")
    etag = first.headers["ETag"]
    again = client.get("/divisions/110100/children", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get("/divisions/440000/children", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
