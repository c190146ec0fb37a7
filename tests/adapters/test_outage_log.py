"""During an outage each worker logs the fault once and then a summary, not a traceback a
second (issue 11)."""

from __future__ import annotations

import logging

from idp.adapters.outage import OutageLog
from idp.adapters.store import StoreUnavailable
from idp.worker import run_logged


class Now:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _records(caplog):
    return [
        (r.levelname, r.getMessage(), r.exc_info is not None)
        for r in caplog.records
        if r.name == "test.outage"
    ]


def test_an_outage_is_one_line_with_its_traceback_then_a_summary_a_minute_then_recovery(caplog):
    now, log = Now(), logging.getLogger("test.outage")
    outage = OutageLog(log, "worker pass", traceback=True, now=now)
    caplog.set_level(logging.INFO, logger="test.outage")
    for _ in range(120):  # two minutes of one failure a second
        outage.failed(StoreUnavailable("down"))
        now.t += 1
    outage.ok()
    assert _records(caplog) == [
        ("ERROR", "worker pass failing: StoreUnavailable", True),
        ("ERROR", "worker pass still failing: 61 failures in 60 s (last: StoreUnavailable)", False),
        ("WARNING", "worker pass recovered after 120 failures in 120 s", False),
    ]


def test_failures_after_a_quiet_spell_are_a_new_outage(caplog):
    now, log = Now(), logging.getLogger("test.outage")
    outage = OutageLog(log, "backing service", now=now)
    caplog.set_level(logging.INFO, logger="test.outage")
    outage.failed(StoreUnavailable())
    now.t += 600
    outage.failed(StoreUnavailable())
    assert [level for level, _, _ in _records(caplog)] == ["ERROR", "WARNING", "ERROR"]


def test_the_worker_survives_failing_passes_and_logs_them_once(app, monkeypatch, caplog):
    from idp import worker

    outage = OutageLog(
        logging.getLogger("test.outage"), "background worker pass", traceback=True, now=Now()
    )
    caplog.set_level(logging.INFO, logger="test.outage")

    def down(_app):
        raise StoreUnavailable("connection refused")

    monkeypatch.setattr(worker, "run_pass", down)
    for _ in range(30):
        run_logged(app, outage)
    assert len(_records(caplog)) == 1 and _records(caplog)[0][2]  # one line, with traceback
    monkeypatch.undo()
    run_logged(app, outage)
    assert _records(caplog)[-1][0] == "WARNING"  # recovered
