"""The development profile (config/development.toml, served by ./scripts/run): send limits
generous enough to walk every journey in one sitting (S7 codes, P3 handler attempts), while the
defaults — production's limits — stay as they were."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from idp.config import load_settings
from idp.domain.organisations.handler_limits import BindLimits
from idp.domain.verification.send_limits import SendLimited, SendLimits

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "config" / "development.toml"
IP = "client-ip"


def development():
    return load_settings(environ={"IDP_CONFIG": str(PROFILE)})


def production():
    """The defaults: config/production.example.toml leaves every send limit to them."""
    return load_settings(environ={})


def limits(settings) -> tuple:
    codes, handlers = settings.codes, settings.handlers
    return (
        (codes.resend_interval, codes.per_destination_hour, codes.per_destination_day),
        (codes.per_ip_hour, codes.per_ip_day),
        (handlers.per_ip_hour, handlers.per_organisation_hour),
        (handlers.per_organisation_day, handlers.per_target_day),
    )


def test_s7_production_send_limits_are_unchanged():
    assert limits(production()) == ((60, 5, 10), (20, 100), (20, 10), (30, 5))
    example = tomllib.loads((ROOT / "config" / "production.example.toml").read_text("utf-8"))
    assert "codes" not in example and "handlers" not in example


def test_s7_development_profile_changes_only_send_limits():
    profile = tomllib.loads(PROFILE.read_text(encoding="utf-8"))
    assert set(profile) == {"codes", "handlers"}
    assert set(profile["codes"]) <= {"resend_interval"} | {
        f"per_{who}_{span}" for who in ("destination", "ip") for span in ("hour", "day")
    }
    settings = development()
    assert not settings.production
    assert limits(settings) == ((10, 30, 100), (300, 1000), (100, 50), (100, 30))
    assert "config/development.toml" in (ROOT / "scripts" / "run").read_text(encoding="utf-8")


def walk(limits_: SendLimits, clock, sends: int, numbers: int) -> None:
    """``sends`` codes from one address, over ``numbers`` mobiles in turn, each resend of a
    number after its wait."""
    for n in range(sends):
        limits_.take(f"register:{n % numbers}", f"mobile:{n % numbers}", IP)
        clock.advance(limits_.interval / numbers + 0.1)


def test_s7_development_profile_walks_every_journey_in_one_sitting(store, clock):
    """Forty codes in an hour from one browser, twelve of them to the one mobile tried
    again and again: development allows it; production stops at the sixth to that number."""
    walk(SendLimits(store, clock, development()), clock, sends=40, numbers=3)
    with pytest.raises(SendLimited):
        walk(SendLimits(store, clock, production()), clock, sends=6, numbers=1)


def test_p3_development_profile_handler_attempts_walk_in_one_sitting(store, clock):
    attempts = BindLimits(store, clock, development())
    for n in range(12):
        attempts.take("organisation", IP, f"mobile:{n % 2}")
        clock.advance(attempts.interval)
    strict = BindLimits(store, clock, production())
    for n in range(10):
        strict.take("another organisation", "another ip", f"mobile:{n + 2}")
    with pytest.raises(SendLimited):
        strict.take("another organisation", "another ip", "mobile:99")
