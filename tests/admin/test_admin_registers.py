"""The office's registers on the admin pages (role system; domain.md Y1, Y2): a CSV uploaded
here goes through the same importer as ``idp registers import`` (all rows or none, a dry run
writing nothing), its report shown; each attempt audited without a row's content; the
registers browsed and searched with personal data masked; and the next agency check sees an
import at once."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

import trailkit
from adminkit import csrf, login, make_admin
from idp.admin import registers as admin_registers
from idp.domain.models import AgencyFiling, Practitioner
from idp.domain.registers import lookup as registers
from idp.extensions import db
from orgkit import resident_id, uscc


@pytest.fixture
def system(app, client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    return client


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def upload(http, content: bytes | str, kind="agencies", *, dry_run=False, encoding="utf-8-sig"):
    page = http.get("/admin/registers/import")
    raw = content.encode("utf-8") if isinstance(content, str) else content
    data = {
        "csrf_token": csrf(page),
        "kind": kind,
        "encoding": encoding,
        "file": (io.BytesIO(raw), "register.csv"),
    }
    if dry_run:
        data["dry_run"] = "y"
    return http.post("/admin/registers/import", data=data, content_type="multipart/form-data")


def agencies(*numbers: int) -> str:
    return "统一社会信用代码,机构名称,备案号\n" + "".join(
        f"{uscc(n)},代理{n},BA{n}\n" for n in numbers
    )


def test_y1_an_uploaded_agency_register_is_imported_and_the_next_check_sees_it(app, system):
    assert registers.filing_for(registers.uscc_index(uscc(3))) is None
    response = upload(system, agencies(1, 2, 3))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "已导入" in html and "<dd>3</dd>" in html
    assert count(AgencyFiling) == 3
    assert registers.filing_for(registers.uscc_index(uscc(3))) is not None
    entry = trailkit.only("admin.register_imported")
    assert entry.result == "ok" and entry.actor.startswith("admin:")
    detail = trailkit.detail(entry)
    assert detail["kind"] == "agencies" and detail["created"] == 3 and not detail["dry_run"]
    assert uscc(1) not in trailkit.serialised(entry) and "代理1" not in trailkit.serialised(entry)


def test_y1_a_dry_run_reports_and_writes_nothing(app, system):
    response = upload(system, agencies(1, 2), dry_run=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "试运行" in html
    assert count(AgencyFiling) == 0
    assert trailkit.detail(trailkit.only("admin.register_imported"))["dry_run"] is True


def test_y1_a_reimport_updates_the_rows_it_matches(app, system):
    upload(system, agencies(1, 2))
    html = upload(system, agencies(2, 3)).get_data(as_text=True)
    assert "<dt>新增</dt><dd>1</dd>" in html and "<dt>更新</dt><dd>1</dd>" in html
    assert count(AgencyFiling) == 3


def test_y2_a_rejected_row_imports_nothing_and_the_report_names_its_row(app, system):
    content = (
        "姓名,证件类型,证件号码\n"
        f"张三,resident_id,{resident_id(1)}\n"
        "李四,resident_id,110105198001011234\n"
    )
    response = upload(system, content, "practitioners")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "未导入任何记录" in html and "第 2 条" in html and "居民身份证号码校验位" in html
    assert "110105198001011234" not in html
    assert count(Practitioner) == 0
    entry = trailkit.only("admin.register_imported")
    assert entry.result == "refused" and trailkit.detail(entry)["rejected"] == 1
    assert "110105198001011234" not in trailkit.serialised(entry)


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "文件"),  # empty: no header
        ("机构名称\n代理1\n".encode(), "uscc"),  # a required column missing
        ("统一社会信用代码,机构名称\n".encode() + "代理".encode("gb18030"), "编码"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_imported(app, system, content, words):
    response = upload(system, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html
    assert 'role="alert"' in html
    assert count(AgencyFiling) == 0
    assert trailkit.only("admin.register_imported").result == "refused"


def test_a_file_over_the_limit_is_refused(app, system, monkeypatch):
    monkeypatch.setattr(admin_registers, "MAX_UPLOAD", 100)  # the same check as at 8 MB
    response = upload(system, agencies(1, 2, 3, 4))
    assert response.status_code == 413 and "MB" in response.get_data(as_text=True)
    assert count(AgencyFiling) == 0
    assert trailkit.detail(trailkit.only("admin.register_imported"))["reason"] == "too_large"


def test_no_file_is_a_form_error(app, system):
    page = system.get("/admin/registers/import")
    response = system.post(
        "/admin/registers/import",
        data={"csrf_token": csrf(page), "kind": "agencies", "encoding": "utf-8-sig"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and count(AgencyFiling) == 0


def test_the_upload_needs_the_csrf_token(app, system):
    response = system.post(
        "/admin/registers/import",
        data={"kind": "agencies", "encoding": "utf-8-sig", "file": (io.BytesIO(b"x"), "a.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and not trailkit.entries("admin.register_imported")


def search(system, kind: str, query: str, page: int | None = None):
    token = csrf(system.get(f"/admin/registers?kind={kind}"))
    data = {"csrf_token": token, "kind": kind, "q": query}
    if page is not None:
        data["page"] = str(page)
    return system.post("/admin/registers", data=data)


def test_d5_browsing_shows_masked_numbers_and_finds_by_uscc_or_name(app, system):
    upload(system, agencies(*range(1, 56)))
    html = system.get("/admin/registers?kind=agencies").get_data(as_text=True)
    assert "共 55 条，第 1 / 2 页" in html and "代理55" in html and "代理1<" not in html
    assert uscc(55) not in html and f"{uscc(55)[:4]}" in html
    assert "page=2" in html
    second = system.get("/admin/registers?kind=agencies&page=2").get_data(as_text=True)
    assert "代理1<" in second
    found = search(system, "agencies", uscc(7)).get_data(as_text=True)
    assert "共 1 条" in found and "代理7" in found and uscc(7) not in found.split("<table>")[1]
    by_name = search(system, "agencies", "代理5").get_data(as_text=True)
    assert "共 7 条" in by_name  # 代理5, 代理50..55


def test_d5_a_search_keeps_the_typed_number_out_of_every_url(app, system):
    """The search and its pages are POSTs: an ID number or USCC typed by the administrator
    never reaches a URL (browser history, proxies' access logs)."""
    upload(system, agencies(*range(1, 56)))
    response = search(system, "agencies", "代理")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "共 55 条，第 1 / 2 页" in html
    assert "q=" not in html and 'name="page" value="2"' in html
    second = search(system, "agencies", "代理", page=2).get_data(as_text=True)
    assert "第 2 / 2 页" in second and "代理1<" in second
    assert (
        system.get(f"/admin/registers?kind=agencies&q={uscc(7)}")
        .get_data(as_text=True)
        .count("共 55 条")
        == 1
    )  # a query in a URL is not a search


def test_d5_a_search_without_its_csrf_token_is_refused(app, system):
    response = system.post("/admin/registers", data={"kind": "agencies", "q": "代理"})
    assert response.status_code == 400


def test_d5_practitioners_are_browsed_with_masked_id_numbers(app, system):
    number = resident_id(1)
    upload(system, f"姓名,证件类型,证件号码\n张三,resident_id,{number}\n", "practitioners")
    html = system.get("/admin/registers?kind=practitioners").get_data(as_text=True)
    assert "张三" in html and number not in html and number[:4] in html
    found = search(system, "practitioners", number).get_data(as_text=True)
    assert "共 1 条" in found and number not in found.split("<table>")[1]


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_other_roles_may_not_import_or_browse(app, client, role):
    _, secret = make_admin("other", role)
    login(client, "other", secret)
    assert client.get("/admin/registers").status_code == 403
    assert client.get("/admin/registers/import").status_code == 403
