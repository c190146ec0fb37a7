"""Every answer of the 历史账号 method, entry by entry, through the login page (login table, L2,
L4, L5, L6, L10, P6, Y1, D2): the table ``legacy_entries.SITUATIONS`` walked row by row with
the exact message; docs/legacy.md "Every answer of the legacy login" lists the same rows; the
one failure answer is the same page whatever failed, and it shows the way to 人工申诉."""

from __future__ import annotations

import pathlib
import re

import pytest

from idp.domain.legacy import login as legacy
from idp.domain.legacy.entries import SITUATIONS
from idp.web.login import passwords as auth
from legacyentrykit import OTHER_PASSWORD, UNKNOWN, build
from orgsupplementkit import FILED_USCC, USCC
from supplementkit import legacy_login
from support import field_error, page_error
from wordkit import said

ANSWER = "2468"
CAPTCHA_AFTER, MAX_FAILURES = 2, 3
DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "legacy.md"
FAILURES = ("unknown", "wrong_password", "unusable_hash", "locked")


@pytest.fixture
def settings_overrides():
    return {
        "captcha": {"deterministic": True, "deterministic_answer": ANSWER},
        "login": {
            "captcha_after_failures": CAPTCHA_AFTER,
            "max_failures": MAX_FAILURES,
            "code_after_failures": 100,
            "lock_seconds": 120,
        },
    }


def alert(response) -> str | None:
    return page_error(response)


def expected(answer: str) -> str:
    """The exact words of an answer (the web's own are lazy strings: read in a request)."""
    from flask import current_app

    with current_app.test_request_context():
        return _expected(answer)


def _expected(answer: str) -> str:
    return {
        "failure": str(auth.LEGACY_FAILURE),
        "captcha": str(auth.CAPTCHA_WRONG),
        "pending_review": str(auth.PENDING_REVIEW),
    }.get(answer) or said(legacy.MESSAGES[answer])


def attempt(client, entry: str, situation: str):
    """Build the situation and post its login (the steps before it where it needs some)."""
    case = build(entry, situation)
    if situation == "locked":  # the pair locks after MAX_FAILURES; then the right password
        for _ in range(MAX_FAILURES):
            legacy_login(client, case.identifier, OTHER_PASSWORD, entry=entry, captcha=ANSWER)
    captcha = ANSWER
    if situation == "wrong_captcha":
        if entry == "personal":  # the personal entry asks for it after failures only
            for _ in range(CAPTCHA_AFTER):
                legacy_login(client, case.identifier, OTHER_PASSWORD, entry=entry)
        captcha = "0000"
    return legacy_login(client, case.identifier, case.password, entry=entry, captcha=captcha)


@pytest.mark.parametrize("row", SITUATIONS, ids=lambda r: f"{r.entry}-{r.situation}")
def test_login_table_every_legacy_answer_on_the_login_page(app, client, row):
    response = attempt(client, row.entry, row.situation)
    if row.answer == "supplement":  # S1: not signed in, supplementation starts
        assert response.status_code == 302 and response.location.startswith("/supplement/")
        assert client.get("/account").status_code != 200
    elif row.answer == "sign_in":  # L6
        assert response.status_code == 302 and response.location.endswith("/account")
        assert client.get("/account").status_code == 200
    elif row.answer == "captcha":  # the captcha's own field error, linked from the summary
        assert response.status_code == 200 and field_error(response, "captcha") == expected(
            row.answer
        )
        assert alert(response) is None and client.get("/account").status_code != 200
    else:
        assert response.status_code == 200 and alert(response) == expected(row.answer)
        assert client.get("/account").status_code != 200


@pytest.mark.parametrize("situation", FAILURES[1:])
@pytest.mark.parametrize("entry", ["personal", "legal", "agency"])
def test_l10_legacy_failure_is_one_page_with_the_appeal_route(app, client, entry, situation):
    """A wrong password, an unusable hash, a locked pair: the page of an unknown account,
    which links 人工申诉 (L10) — it tells nothing about the account."""
    page = attempt(client, entry, situation).get_data(as_text=True)
    unknown = legacy_login(app.test_client(), UNKNOWN[entry], entry=entry, captcha=ANSWER).get_data(
        as_text=True
    )
    assert 'href="/appeal"' in page and "人工申诉" in alert_text(page)
    assert plain(page, build_identifier(entry)) == plain(unknown, UNKNOWN[entry])


def build_identifier(entry: str) -> str:
    return {"personal": "L0001", "legal": USCC, "agency": FILED_USCC}[entry]


def plain(page: str, typed: str) -> str:
    page = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", page)
    return re.sub(r"/captcha/[\w-]+\.png", "/captcha/X.png", page).replace(typed, "TYPED")


def alert_text(page: str) -> str:
    found = re.search(r'<div class="error-summary".*?<li>([^<]*)</li>', page, re.S)
    return found.group(1) if found else ""


def _docs_rows(heading: str) -> list[list[str]]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    for end in ("\n## ", "\n### ", "\n#### "):
        section = section.split(end, 1)[0]
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|") and not set(line) <= set("|-: ")
    ]


def _code(cell: str) -> str:
    return re.search(r"`([^`]+)`", cell).group(1)


def test_login_table_docs_list_every_answer_of_the_code():
    rows = _docs_rows("### Every answer of the legacy login")
    table = {
        (_code(entry), _code(situation), _code(answer))
        for entry, situation, answer in rows
        if "`" in situation
    }
    assert table == {(r.entry, r.situation, r.answer) for r in SITUATIONS}


def test_login_table_docs_give_every_message_verbatim(app):
    rows = _docs_rows("#### What each answer says")
    said = {_code(answer): text for answer, text in rows if "`" in answer}
    for answer in {r.answer for r in SITUATIONS} - {"supplement", "sign_in"}:
        assert said[answer] == expected(answer), answer
