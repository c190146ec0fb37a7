"""One-time verification codes (domain.md rule S7; idp/domain/verification/codes.py).

Codes for mobile numbers and email addresses: six digits, five minutes, single use, five tries,
bound to number/address + purpose + flow, stored only as an HMAC; sending limited per
destination (60 s apart, 5 an hour, 10 a Beijing day) and per client IP. Runs on the test
store (in-process or Redis) with the settable clock; the senders are small recorders that
implement the ``SmsSender``/``MailSender`` ports.
"""

from __future__ import annotations

import logging
import re

import pytest

from idp.config import load_settings
from idp.domain.errors import DomainError, ValidationError
from idp.domain.ports import SendFailed
from idp.domain.verification.codes import (
    CodeExpired,
    DeliveryFailed,
    SendLimited,
    TooManyTries,
    VerificationCodes,
    WrongCode,
)
from wordkit import raises_saying, said

PHONE, OTHER_PHONE = "13800138000", "13900139000"
IP = "203.0.113.7"


class RecordingSms:
    def __init__(self, fail: bool = False):
        self.sent, self.fail = [], fail

    def send_sms(self, phone, text, template, params):
        self.sent.append({"to": phone, "text": text, "template": template, "params": params})
        if self.fail:
            raise SendFailed("SMS gateway answered HTTP 500")

    def last_code(self) -> str:
        return re.search(r"验证码为 (\d{6})", self.sent[-1]["text"]).group(1)


class RecordingMail:
    def __init__(self):
        self.sent = []

    def send_mail(self, to, subject, body):
        self.sent.append({"to": to, "subject": subject, "body": body})

    def last_code(self) -> str:
        return re.search(r"验证码为 (\d{6})", self.sent[-1]["body"]).group(1)


@pytest.fixture
def overrides():
    return {}


@pytest.fixture
def sms():
    return RecordingSms()


@pytest.fixture
def mail():
    return RecordingMail()


@pytest.fixture
def codes(store, clock, sms, mail, overrides):
    return VerificationCodes(store, clock, sms, mail, load_settings(overrides, environ={}))


def send(codes, phone=PHONE, purpose="register", flow="flow-1", ip=IP):
    codes.send("sms", phone, purpose, flow, ip)


def verify(codes, code, phone=PHONE, purpose="register", flow="flow-1"):
    return codes.verify("sms", phone, purpose, flow, code)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def raw_items(store) -> list[str]:
    """Every key and value the store holds for these tests, as text (both back ends)."""
    if hasattr(store, "r"):
        out = []
        for key in store.r.scan_iter(match=store.prefix + "*"):
            kind = store.r.type(key)
            value = {
                "string": store.r.get,
                "list": lambda k: store.r.lrange(k, 0, -1),
                "set": store.r.smembers,
                "zset": lambda k: store.r.zrange(k, 0, -1),
            }[kind](key)
            out += [key, str(value)]
        return out
    return [str(x) for item in store._data.items() for x in item]


def test_s7_code_single_use(codes, sms):
    send(codes)
    assert sms.sent[-1]["text"] == (
        f"【国家知识产权局】您的验证码为 {sms.last_code()}，用于注册国家知识产权局统一身份认证账号，"
        "5 分钟内有效。请勿将验证码告诉任何人。"
    )
    assert sms.sent[-1]["params"] == {
        "code": sms.last_code(),
        "minutes": "5",
        "action": "注册国家知识产权局统一身份认证账号",
    }
    assert verify(codes, sms.last_code()) is True
    with pytest.raises(CodeExpired) as excinfo:
        verify(codes, sms.last_code())
    assert said(excinfo.value) == "验证码已过期，请重新获取。"
    assert isinstance(excinfo.value, DomainError) and excinfo.value.field == "code"


def test_s7_code_expires_after_five_minutes(codes, sms, clock):
    send(codes)
    clock.advance(299)
    assert verify(codes, sms.last_code()) is True

    send(codes)
    clock.advance(300)
    with raises_saying(CodeExpired, "验证码已过期，请重新获取"):
        verify(codes, sms.last_code())


def test_s7_five_wrong_tries_burn_the_code(codes, sms, clock):
    send(codes)
    code = sms.last_code()
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongCode) as excinfo:
            verify(codes, wrong(code))
        assert said(excinfo.value) == f"验证码错误，还可尝试 {left} 次。"
    with raises_saying(TooManyTries, "验证码错误次数过多，请重新获取"):
        verify(codes, wrong(code))
    with pytest.raises(CodeExpired):
        verify(codes, code)  # burnt: even the right code is refused now

    clock.advance(61)
    send(codes)  # a new code starts with a fresh count; the fifth try may still be right
    for _ in range(4):
        with pytest.raises(WrongCode):
            verify(codes, wrong(sms.last_code()))
    assert verify(codes, sms.last_code()) is True


def test_s7_malformed_code_is_refused_without_costing_a_try(codes, sms):
    send(codes)
    for typed in ("12345", "12ab56", "", "1234567"):
        with raises_saying(WrongCode, "验证码应为 6 位数字"):
            verify(codes, typed)
    assert verify(
        codes, " " + sms.last_code().translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    )


def test_s7_resend_not_before_sixty_seconds(codes, sms, clock):
    send(codes)
    first = sms.last_code()
    clock.advance(30)
    with pytest.raises(SendLimited) as excinfo:
        send(codes)
    assert excinfo.value.retry_after == 30
    assert said(excinfo.value) == "发送过于频繁，请 30 秒后再试。"
    clock.advance(29)
    with pytest.raises(SendLimited) as excinfo:
        send(codes, flow="flow-2")  # a new flow does not shorten the wait for the same number
    assert excinfo.value.retry_after == 1
    assert len(sms.sent) == 1

    send(codes, purpose="change_phone")  # another purpose has its own wait
    clock.advance(1)
    send(codes)
    assert len(sms.sent) == 3
    if sms.last_code() != first:  # the new code replaced the old one
        with pytest.raises(WrongCode):
            verify(codes, first)
    assert verify(codes, sms.last_code()) is True


def test_s7_hourly_and_daily_limits_per_number(codes, sms, clock):
    for _ in range(5):
        send(codes)
        clock.advance(61)
    with pytest.raises(SendLimited) as excinfo:
        send(codes)
    to_next_hour = 3600 - clock.now() % 3600
    assert excinfo.value.retry_after == int(to_next_hour)
    assert "发送次数过多" in said(excinfo.value) and "分钟后再试" in said(excinfo.value)
    send(codes, phone=OTHER_PHONE)  # another number is not limited

    clock.advance(excinfo.value.retry_after)
    for _ in range(5):
        send(codes)
        clock.advance(61)
    clock.advance(3600)  # a new hour, but the tenth code today was the last
    with pytest.raises(SendLimited) as excinfo:
        send(codes)
    assert said(excinfo.value) == "今日发送次数已达上限，请明天再试。"
    beijing_midnight = 86400 - (clock.now() + 8 * 3600) % 86400
    assert excinfo.value.retry_after == int(beijing_midnight)
    assert len(sms.sent) == 11

    clock.advance(excinfo.value.retry_after)  # 00:00 in Beijing: a new day
    send(codes)
    assert verify(codes, sms.last_code()) is True


@pytest.mark.parametrize("overrides", [{"codes": {"per_ip_hour": 3, "per_ip_day": 5}}])
def test_s7_per_ip_limit(codes, sms, clock):
    numbers = [f"1380013{n:04d}" for n in range(10)]
    for number in numbers[:3]:
        send(codes, phone=number)
    with pytest.raises(SendLimited) as excinfo:
        send(codes, phone=numbers[3])
    assert said(excinfo.value).startswith("发送过于频繁，请 ")
    assert 0 < excinfo.value.retry_after <= 3600
    send(codes, phone=numbers[3], ip="198.51.100.9")  # the number itself is not limited

    clock.advance(3600)
    for number in numbers[4:6]:
        send(codes, phone=number)
    with raises_saying(SendLimited, "今日发送次数已达上限"):
        send(codes, phone=numbers[6])
    assert len(sms.sent) == 6


def test_s7_code_bound_to_destination_purpose_and_flow(codes, sms, mail, clock):
    send(codes)
    code = sms.last_code()
    for other in ({"phone": OTHER_PHONE}, {"purpose": "reset_password"}, {"flow": "flow-2"}):
        with pytest.raises(CodeExpired):
            verify(codes, code, **other)
    with pytest.raises(CodeExpired):
        codes.verify("mail", "13800138000@example.com", "register", "flow-1", code)
    # The same number written differently is the same destination; the misses cost no try.
    assert verify(codes, code, phone="+86 138-0013-8000") is True

    codes.send("mail", "Zhang.San@Example.COM", "register", "flow-1", IP)
    assert mail.sent[-1]["to"] == "zhang.san@example.com"
    assert mail.sent[-1]["subject"] == "国家知识产权局统一身份认证：邮箱验证码"
    with pytest.raises(CodeExpired):
        codes.verify("mail", "li.si@example.com", "register", "flow-1", mail.last_code())
    assert codes.verify("mail", "zhang.san@example.com", "register", "flow-1", mail.last_code())


def test_s7_code_stored_hashed(codes, sms, store):
    send(codes)
    code = sms.last_code()
    stored = raw_items(store)
    assert stored, "the code record is in the store"
    assert not any(code in item for item in stored)
    assert not any(PHONE in item or PHONE[-8:] in item for item in stored)
    assert any(re.search(r'"h": "[0-9a-f]{64}"', item) for item in stored)
    assert verify(codes, code) is True


def test_s7_send_failure_leaves_no_code_and_no_wait(codes, sms, store, clock, caplog):
    codes.senders["sms"] = failing = RecordingSms(fail=True)
    with caplog.at_level(logging.INFO, logger="idp.domain.verification.codes"):
        with pytest.raises(DeliveryFailed) as excinfo:
            send(codes)
        assert said(excinfo.value) == "短信发送失败，请稍后重试。"
        with pytest.raises(CodeExpired):
            verify(codes, failing.last_code())  # it may have been delivered: still unusable

        codes.senders["sms"] = sms
        send(codes)  # at once: a failed send does not hold the 60-second wait
    assert verify(codes, sms.last_code()) is True
    log = caplog.text
    assert "138****8000" in log and PHONE not in log
    assert failing.last_code() not in log and sms.last_code() not in log


def test_s7_invalid_destination_is_a_validation_error(codes):
    with pytest.raises(ValidationError) as excinfo:
        send(codes, phone="12345")
    assert excinfo.value.field == "phone"
    with pytest.raises(ValidationError) as excinfo:
        codes.send("mail", "not-an-address", "register", "flow-1", IP)
    assert excinfo.value.field == "email" and "电子邮箱" in said(excinfo.value)
