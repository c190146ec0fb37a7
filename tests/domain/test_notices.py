"""What a code's text says (``verification.codes.TEXTS``): each says who asks and why; a code
that a person must hand to the organisation asking to make them its handler names it and is
meant to be passed on. Real store and outbox."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from idp.domain.verification import codes
from idp.services import services

NEW_PHONE = "13700001111"
IDP = Path(__file__).resolve().parents[2] / "idp"


def sms(to: str | None = None) -> list[dict]:
    return [m for m in services().sms.outbox.latest() if to is None or m["to"] == to]


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
