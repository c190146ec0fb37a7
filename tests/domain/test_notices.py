"""Notices of account changes (issue 13; ``idp/domain/verification/notices.py``): an SMS or a
mail to the contact that must hear of the change — the OLD one when a contact changes — saying
what changed, when and whom to call, never a code or a password; queued to go out only once the
change commits, and audited. Also the texts of the codes (``verification.codes.TEXTS``): each
says who asks and why. The events are called as the views call them, then committed or rolled
back as the request's edge would. Real database, store and outboxes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from idp.domain import trail, transaction
from idp.domain.accounts import profile
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from idp.domain.ports import SendFailed
from idp.domain.verification import codes, notices
from idp.extensions import db
from idp.flows import account_events
from idp.services import services
from orgkit import file_agency, legal_kwargs, make_handler, uscc
from support import PASSWORD, PHONE, make_user
from trailkit import detail, entries

NEW_PASSWORD = "Fresh-meadow-58"
EMAIL, NEW_EMAIL = "zhang.san@example.cn", "san.zhang@example.cn"
NEW_PHONE = "13700001111"
ORG_PHONE, ORG_EMAIL = "13900139000", "office@example.cn"  # orgkit.contact()
HELPLINE = "010-63218500"
IDP = Path(__file__).resolve().parents[2] / "idp"


def sms(to: str | None = None) -> list[dict]:
    return [m for m in services().sms.outbox.latest() if to is None or m["to"] == to]


def mails(to: str | None = None) -> list[dict]:
    return [m for m in services().mail.outbox.latest() if to is None or m["to"] == to]


def told() -> list[tuple[str, str]]:
    """(recipient, template or "mail") of every notice sent, oldest first."""
    texts = [(m["to"], m["template"]) for m in sms() if "code" not in m["params"]]
    letters = [(m["to"], "mail") for m in mails() if "账号安全通知" in m["subject"]]
    return list(reversed(texts)) + list(reversed(letters))


def words(message: dict) -> str:
    return message.get("text") or message["body"]


@pytest.fixture
def person(app):
    return make_user(email=EMAIL)


@pytest.fixture
def org(app):
    return organisations.register_legal_person(**legal_kwargs(uscc(1), name="丁戊科技有限公司"))


def test_p2_password_change_tells_the_verified_mobile_and_email(person):
    account_events.change_password(person, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert told() == []  # not before the commit
    transaction.commit()
    assert sorted(told()) == [(PHONE, "password_changed"), (EMAIL, "mail")]
    for message in sms(PHONE) + mails(EMAIL):
        text = words(message)
        assert "密码" in text and "个人中心修改" in text and HELPLINE in text
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）", text)
        assert PASSWORD not in text and NEW_PASSWORD not in text
    audited = sorted((e.subject_id, detail(e)["recipient"]) for e in entries(trail.NOTICE_SENT))
    assert audited == [(person.id, "138****8000"), (person.id, "z***@example.cn")]


def test_p2_no_notice_when_the_change_rolls_back(person):
    account_events.change_password(person, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    transaction.rollback()
    transaction.commit()
    assert told() == [] and entries(trail.NOTICE_SENT) == []


def test_p2_a_failing_gateway_leaves_the_change_standing(person, monkeypatch, caplog):
    def refuse(*_args, **_kw):
        raise SendFailed("SMS gateway answered HTTP 500")

    monkeypatch.setattr(services().sms, "send_sms", refuse)
    account_events.change_password(person, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    transaction.commit()
    db.session.expire_all()
    assert profile.passwords.verify(
        NEW_PASSWORD, db.session.get(type(person), person.id).password_hash
    )
    assert "notice password_changed to 138****8000 not sent" in caplog.text
    assert told() == [(EMAIL, "mail")]


def test_p2_mobile_change_tells_the_old_mobile_only(person):
    profile.send_mobile_code(person, NEW_PHONE, "flow", "198.51.100.1")
    code = sms(NEW_PHONE)[0]["params"]["code"]
    account_events.change_mobile(person, NEW_PHONE, code, "flow")
    transaction.commit()
    assert told() == [(PHONE, "mobile_changed")]
    [notice] = [m for m in sms(PHONE)]
    assert "由本号码改为 137****1111" in notice["text"] and HELPLINE in notice["text"]
    assert NEW_PHONE not in notice["text"] and code not in notice["text"]


def test_p2_email_change_tells_the_old_address_only(person):
    profile.send_email_code(person, NEW_EMAIL, "flow", "198.51.100.1")
    code = re.search(r"验证码为 (\d{6})", mails(NEW_EMAIL)[0]["body"]).group(1)
    account_events.change_email(person, NEW_EMAIL, code, "flow")
    transaction.commit()
    assert told() == [(EMAIL, "mail")]
    [notice] = mails(EMAIL)
    assert "电子邮箱" in notice["body"] and "s***@example.cn" in notice["body"]
    assert NEW_EMAIL not in notice["body"] and code not in notice["body"]


def test_p2_an_unverified_old_address_is_not_told(person):
    person.email_verified = False
    profile.send_email_code(person, NEW_EMAIL, "flow", "198.51.100.1")
    code = re.search(r"验证码为 (\d{6})", mails(NEW_EMAIL)[0]["body"]).group(1)
    account_events.change_email(person, NEW_EMAIL, code, "flow")
    transaction.commit()
    assert told() == []


def test_p3_binding_and_unbinding_tell_the_organisation_and_the_handler(org):
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    transaction.commit()
    assert sorted(told()) == sorted(
        [(ORG_PHONE, "handler_bound"), (ORG_EMAIL, "mail"), (handler.phone, "handler_bound_person")]
    )
    [to_org] = sms(ORG_PHONE)
    assert "经办人1" in to_org["text"] and "丁戊科技有限公司" in to_org["text"]
    assert "解除绑定" in to_org["text"] and HELPLINE in to_org["text"]
    [to_handler] = sms(handler.phone)
    assert "丁戊科技有限公司" in to_handler["text"] and "您已于" in to_handler["text"]
    account_events.unbind_handler(org, handler.id)
    transaction.commit()
    assert [t for t in told() if "unbound" in t[1]] == [
        (ORG_PHONE, "handler_unbound"),
        (handler.phone, "handler_unbound_person"),
    ]
    assert (
        "解除" in sms(handler.phone)[0]["text"]
        and "本人的账号不受影响" in sms(handler.phone)[0]["text"]
    )
    subjects = {(e.subject_id, detail(e)["kind"]) for e in entries(trail.NOTICE_SENT)}
    assert (handler.id, "handler_unbound_person") in subjects
    assert (org.user_id, "handler_unbound") in subjects


def test_p6_every_binding_ended_by_the_change_to_agency_tells_each_handler(org):
    file_agency(uscc(1))
    first, second = make_handler(1), make_handler(2)
    handlers.bind_handler(org, first)
    handlers.bind_handler(org, second)
    transaction.commit()
    before = told()
    account_events.change_to_agency(org)
    transaction.commit()
    after = told()
    for seen in before:
        after.remove(seen)
    assert sorted(after) == [
        (first.phone, "handler_unbound_person"),
        (second.phone, "handler_unbound_person"),
    ]


def test_l8_reset_of_a_linked_legacy_account_tells_the_other_contact(person):
    account_events.legacy_password_reset(person.id, ("sms", PHONE))
    transaction.commit()
    assert told() == [(EMAIL, "mail")]
    assert "138****8000" in mails(EMAIL)[0]["body"] and "忘记密码" in mails(EMAIL)[0]["body"]


def test_notice_texts_hold_no_code_or_password_placeholder_and_name_the_helpline():
    for template, text in notices.TEXTS.items():
        names = set(re.findall(r"\{(\w+)\}", text))
        assert not names & {"code", "password", "minutes"}, template
        assert "time" in names and HELPLINE in text, template


# --- the codes' texts ------------------------------------------------------------------------


def _purposes() -> set[str]:
    """Every verification purpose the code names (``PURPOSE* = "..."`` constants)."""
    found = set()
    for path in IDP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign):
                for target, value in _pairs(node):
                    if target.startswith("PURPOSE") and isinstance(value, str):
                        found.add(value)
    return found


def _pairs(node: ast.Assign):
    for target in node.targets:
        if isinstance(target, ast.Name) and isinstance(node.value, ast.Constant):
            yield target.id, node.value.value
        if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
            for name, value in zip(target.elts, node.value.elts):
                if isinstance(name, ast.Name) and isinstance(value, ast.Constant):
                    yield name.id, value.value


# the codes an organisation asks a person for, sent with a template naming the organisation
HANDLER_CODES = {
    "bind_handler": "bind_handler",
    "register_handler": "new_handler",
    "center_handler": "new_handler",
}


def test_s7_every_code_says_who_asks_and_why():
    purposes = _purposes()
    assert {"register", "password_reset", "legacy_reset", "login", "bind_handler"} <= purposes
    assert not purposes - set(codes.ACTIONS) - set(HANDLER_CODES), "give each purpose its words"
    assert "{action}" in codes.TEXTS["verification_code"]
    assert "请勿将验证码告诉任何人" in codes.TEXTS["verification_code"]


@pytest.mark.parametrize("template", sorted(set(HANDLER_CODES.values())))
def test_p3_a_handler_code_names_the_organisation_and_is_meant_to_be_passed_on(template):
    text = codes.TEXTS[template]
    assert "{organisation}" in text and "告知该单位" in text
    assert "请勿泄露" not in text and "请勿将验证码告诉任何人" not in text


def test_p3_a_new_handlers_code_names_the_organisation(app):
    services().codes.send(
        "sms",
        NEW_PHONE,
        "center_handler",
        "flow",
        "198.51.100.1",
        template="new_handler",
        params={"organisation": "丁戊科技有限公司" * 10},
    )
    [message] = sms(NEW_PHONE)
    assert message["template"] == "new_handler" and "丁戊科技有限公司" in message["text"]
    assert len(message["params"]["organisation"]) == codes.NAME_LENGTH  # one message


def test_p4_a_handler_who_deactivates_is_told_to_each_organisation_not_to_the_handler(org):
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    transaction.commit()
    before, phone = told(), handler.phone
    account_events.deactivate(handler)
    transaction.commit()
    after = told()
    for seen in before:
        after.remove(seen)
    assert sorted(after) == [(ORG_PHONE, "handler_unbound"), (ORG_EMAIL, "mail")]
    [to_org] = [m for m in sms(ORG_PHONE) if m["template"] == "handler_unbound"]
    assert "经办人1" in to_org["text"] and "丁戊科技有限公司" in to_org["text"]
    assert not [m for m in sms(phone) if m["template"] == "handler_unbound_person"]
