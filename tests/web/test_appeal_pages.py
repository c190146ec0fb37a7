"""人工申诉 pages (L10): the entry on the registration page, the form with its SMS code and PDFs
(as a browser without JavaScript posts it), the done page, and the status lookup."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import func, select

import orgkit
from idp.domain.legacy import appeals
from idp.domain.models import LegacyAppeal, StoredFile
from idp.domain.organisations.registration import Upload
from idp.extensions import db
from support import form_fields

ANSWER = "2468"
PHONE = "13600136000"
CONTENT = "旧系统登录时提示证件号码不一致，无法关联历史账号。"


@pytest.fixture
def settings_overrides(tmp_path):
    return {
        "captcha": {"deterministic": True, "deterministic_answer": ANSWER},
        "files": {"upload_dir": str(tmp_path / "uploads"), "max_size": 2000},
        "appeals": {"status_max_failures": 3},
    }


@pytest.fixture
def upload_dir(tmp_path):
    return tmp_path / "uploads"


def counts(upload_dir) -> tuple[int, int, int]:
    on_disk = len(list(upload_dir.glob("*.bin"))) if upload_dir.exists() else 0
    return (
        db.session.scalar(select(func.count()).select_from(LegacyAppeal)),
        db.session.scalar(select(func.count()).select_from(StoredFile)),
        on_disk,
    )


def csrf(http, path: str = "/appeal") -> str:
    return form_fields(http.get(path).get_data(as_text=True))[1]["csrf_token"]


def appeal_data(**changes) -> dict:
    data = dict(account="L0001", name="张三", phone=PHONE, email="", content=CONTENT)
    data.update(changes)
    return data


def pdfs(identity: bytes | None = None, other: bytes | None = None) -> dict:
    files = {"identity_proof": (io.BytesIO(identity or orgkit.pdf_bytes()), "id.pdf")}
    if other is not None:
        files["other_proof"] = (io.BytesIO(other), "other.pdf")
    return files


def send_code(http, data: dict) -> str:
    page = http.post("/appeal/codes/sms", data={**data, "csrf_token": csrf(http)})
    assert "短信验证码已发送" in page.get_data(as_text=True)
    return orgkit.latest_sms_code(data["phone"])


def submit(http, data: dict, files: dict | None = None):
    return http.post(
        "/appeal", data={**data, **(files or {}), "csrf_token": csrf(http), "submit": "1"}
    )


def error_of(response, field: str) -> str | None:
    match = re.search(
        rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True)
    )
    return match.group(1) if match else None


def test_l10_appeal_entry_is_at_the_bottom_of_the_registration_page(app, client):
    page = client.get("/register").get_data(as_text=True)
    main = page[page.index("<main") : page.index("</main>")]
    entry = main.index('id="appeal-entry"')
    assert 'href="/appeal"' in main[entry - 200 : entry + 200] and "人工申诉" in main[entry:]
    assert main.index("</form>") < entry and main.index('href="/login"') < entry
    assert not re.search(r"<(a|button|form|input)\b", main[entry:])  # nothing after it


def test_l10_appeal_is_stored_with_its_pdfs(app, client, upload_dir):
    data = appeal_data(email="zhang@example.cn")
    data["sms_code"] = send_code(client, data)
    response = submit(client, data, pdfs(other=orgkit.pdf_bytes(2)))
    assert response.status_code == 302 and response.location.endswith("/appeal/done")
    done = client.get("/appeal/done").get_data(as_text=True)
    appeal = db.session.scalar(select(LegacyAppeal))
    assert appeal.case_number in done and "/appeal/status" in done
    assert (appeal.account, appeal.phone, appeal.email) == ("L0001", PHONE, "zhang@example.cn")
    assert counts(upload_dir) == (1, 2, 2)
    for stored in db.session.scalars(select(StoredFile)):  # never served back
        assert stored.storage_name not in done
        assert client.get(f"/appeal/files/{stored.storage_name}").status_code == 404


def test_l10_non_pdf_and_oversized_uploads_are_refused_and_nothing_is_stored(
    app, client, upload_dir
):
    data = appeal_data()
    data["sms_code"] = send_code(client, data)
    page = submit(client, data, pdfs(identity=b"GIF89a not a pdf"))
    assert error_of(page, "identity_proof") == "只能上传 PDF 格式的文件。"
    page = submit(client, data, pdfs(other=orgkit.pdf_bytes(20)))
    assert error_of(page, "other_proof").startswith("文件过大")
    page = submit(client, data, {})
    assert error_of(page, "identity_proof") == "请上传身份证明文件（PDF）。"
    assert counts(upload_dir) == (0, 0, 0)


def test_l10_mobile_code_required(app, client, upload_dir):
    page = submit(client, appeal_data(), pdfs())
    assert error_of(page, "sms_code") == "请填写短信验证码。"
    send_code(client, appeal_data())
    page = submit(client, appeal_data(sms_code="000000"), pdfs())
    assert error_of(page, "sms_code")
    other = appeal_data(phone="13600136001")
    code = send_code(client, other)
    page = submit(client, appeal_data(sms_code=code), pdfs())  # a code of another mobile
    assert error_of(page, "sms_code")
    assert counts(upload_dir) == (0, 0, 0)


def test_l10_refusal_keeps_typed_data(app, client, upload_dir):
    data = appeal_data(content="太短了", email="zhang@example.cn")
    data["sms_code"] = send_code(client, data)
    page = submit(client, data, pdfs())
    text = html.unescape(page.get_data(as_text=True))
    assert error_of(page, "content").startswith("请说明遇到的问题")
    assert 'value="L0001"' in text and 'value="张三"' in text and "太短了" in text
    assert 'value="zhang@example.cn"' in text and "手机号已验证" in text
    response = submit(client, {**data, "content": CONTENT, "sms_code": ""}, pdfs())
    assert response.status_code == 302  # the verified mobile needs no second code
    assert counts(upload_dir) == (1, 1, 1)


def test_l10_csrf_required(app, client, upload_dir):
    page = client.post("/appeal", data={**appeal_data(), **pdfs(), "submit": "1"})
    assert "页面已过期" in page.get_data(as_text=True)
    assert counts(upload_dir) == (0, 0, 0)


def status(http, case_number: str, phone: str, captcha: str = ANSWER):
    return http.post(
        "/appeal/status",
        data={
            "case_number": case_number,
            "phone": phone,
            "captcha": captcha,
            "csrf_token": csrf(http, "/appeal/status"),
        },
    )


def test_l10_status_lookup_needs_case_number_and_mobile(app, client):
    appeal = appeals.open_appeal(
        account="L0001",
        name="张三",
        phone=PHONE,
        email=None,
        content=CONTENT,
        identity_proof=Upload("id.pdf", orgkit.pdf_bytes()),
        phone_verified=True,
    )
    wrong_phone = status(client, appeal.case_number, "13600136001").get_data(as_text=True)
    wrong_number = status(client, "SS20200101000000", PHONE).get_data(as_text=True)
    message = "未找到该申诉：请核对受理编号和手机号码。"
    assert message in wrong_phone and message in wrong_number
    assert "待处理" not in wrong_phone + wrong_number
    assert "验证码错误" in status(client, appeal.case_number, PHONE, "0000").get_data(as_text=True)
    found = status(client, appeal.case_number, PHONE).get_data(as_text=True)
    assert appeal.case_number in found and "待处理" in found
    appeal.status, appeal.reason = "rejected", "证明材料不清晰"
    db.session.commit()
    assert "已驳回：证明材料不清晰" in status(client, appeal.case_number, PHONE).get_data(
        as_text=True
    )


def test_l10_status_lookup_is_throttled_per_ip(app, client):
    appeal = appeals.open_appeal(
        account="L0001",
        name="张三",
        phone=PHONE,
        email=None,
        content=CONTENT,
        identity_proof=Upload("id.pdf", orgkit.pdf_bytes()),
        phone_verified=True,
    )
    for n in range(3):
        assert "未找到该申诉" in status(client, f"SS2020010100000{n}", PHONE).get_data(as_text=True)
    page = status(client, appeal.case_number, PHONE).get_data(as_text=True)
    assert "查询失败次数过多" in page and "待处理" not in page


def test_l10_a_body_past_the_upload_limit_gets_a_page_that_says_so(app, client, upload_dir):
    """Past 2 × files.max_size + 1 MiB the request is refused before any parsing (413)."""
    token = csrf(client)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + b"\r\n--b\r\nContent-Disposition: form-data; "
        b'name="identity_proof"; filename="id.pdf"\r\n\r\n%PDF-1.4\n'
        + b"0" * (1024 * 1024 + 5000)
        + b"\r\n--b--\r\n"
    )
    page = client.post("/appeal", data=body, content_type="multipart/form-data; boundary=b")
    assert page.status_code == 413
    assert "不能超过" in page.get_data(as_text=True)
    assert counts(upload_dir) == (0, 0, 0)
