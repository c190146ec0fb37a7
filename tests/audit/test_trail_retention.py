"""The audit trail's retention (issue 12, "Audit"): ``audit.keep_days`` is refused below 180
days (等保), ``idp maintenance purge`` removes only the oldest sealed entries past it and leaves
a chain that still verifies (a sealed checkpoint names the last purged entry's hash), while a
head deleted without a purge is still caught."""

from __future__ import annotations

import pytest

from idp import create_app
from idp.config import ConfigError
from idp.domain import trail
from idp.domain.trail import chain
from idp.domain.trail.purge import DAY
from trailkit import commit, detail, entries, tamper


def _entries_over_time(clock, old: int, young: int) -> None:
    """``old`` entries 400 days back, then ``young`` entries now; all sealed."""
    clock.advance(-400 * DAY)
    for n in range(old):
        trail.record(trail.LOGIN_SUCCEEDED, subject=n, amr=["pwd"])
    commit()
    chain.seal(commit)
    clock.advance(400 * DAY)
    for n in range(young):
        trail.record(trail.LOGIN_SUCCEEDED, subject=100 + n, amr=["pwd"])
    commit()
    chain.seal(commit)


def test_keep_days_below_180_is_refused_at_start():
    with pytest.raises(ConfigError, match="audit.keep_days must be at least 180"):
        create_app({"audit": {"keep_days": 179}}, web=False)
    assert create_app({"audit": {"keep_days": 180}}, web=False)


def test_purge_removes_the_old_sealed_prefix_and_the_chain_still_verifies(app, clock):
    _entries_over_time(clock, old=3, young=2)
    result = app.test_cli_runner().invoke(args=["maintenance", "purge"])
    assert result.exit_code == 0, result.output
    assert "audit trail entries older than audit.keep_days: 3" in result.output
    kept = entries()
    assert [e.subject_id for e in kept if e.event == trail.LOGIN_SUCCEEDED] == [100, 101]
    [checkpoint] = [e for e in kept if e.event == trail.AUDIT_PURGED]
    assert detail(checkpoint)["through"] == 3 and detail(checkpoint)["count"] == 3
    assert checkpoint.seq is not None  # sealed at once
    assert chain.verify() == []


def test_purge_keeps_everything_younger_than_keep_days(app, clock):
    _entries_over_time(clock, old=0, young=3)
    app.test_cli_runner().invoke(args=["maintenance", "purge"])
    assert len(entries(trail.LOGIN_SUCCEEDED)) == 3
    assert entries(trail.AUDIT_PURGED) == []


def test_a_head_deleted_after_a_purge_without_its_checkpoint_is_caught(app, clock):
    _entries_over_time(clock, old=2, young=3)
    app.test_cli_runner().invoke(args=["maintenance", "purge"])
    assert chain.verify() == []
    first = min(e.seq for e in entries())
    tamper("DELETE FROM audit_trail WHERE seq = :s", s=first)
    assert [p.kind for p in chain.verify()] == ["head"]


def test_the_worker_purge_is_recorded_as_the_system_from_the_worker(app, clock):
    from idp import worker

    _entries_over_time(clock, old=2, young=1)
    worker.run_pass(app)  # the first pass's scheduled purge is due
    [checkpoint] = entries(trail.AUDIT_PURGED)
    assert (checkpoint.actor, checkpoint.ip, checkpoint.seq is not None) == (
        "system",
        "worker",
        True,
    )
    assert chain.verify() == []
