"""Importing the office's registers: agency filings (domain.md Y1) and filed agency practitioners
(Y2); values stored encrypted with a blind index (D5); streaming in two passes, all or nothing;
rows numbered as data rows; re-import updates."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import func, select

from idp.domain.accounts import users as accounts
from idp.domain.errors import DomainError
from idp.domain.legacy import login as legacy
from idp.domain.models import AgencyFiling, Practitioner
from idp.domain.registers import importer as registers_import
from idp.domain.registers import lookup as registers
from idp.extensions import db
from idp.messages import describe
from idp.services import services
from orgkit import resident_id, uscc
from wordkit import raises_saying


def said(entries) -> list[tuple[int, str]]:
    """A report's (row, notice) entries with each notice in words, as the command prints them."""
    return [(row, describe(notice)) for row, notice in entries]


def write(tmp_path, text: str, name: str = "reg.csv", encoding: str = "utf-8-sig"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def filing(code: str) -> AgencyFiling:
    return registers.filing_for(registers.uscc_index(code))


def filing_of_legacy_id(legacy_id: str) -> AgencyFiling | None:
    """The filing whose 网上申请账号 is ``legacy_id``, spelled as the legacy login spells ids."""
    return db.session.scalar(
        select(AgencyFiling).where(AgencyFiling.legacy_account_key == legacy.account_key(legacy_id))
    )


def test_y1_agencies_imported_encrypted_with_blind_index(app, tmp_path):
    path = write(
        tmp_path, f"uscc,name,filed_on\n{uscc(1)},甲代理,2020-05-01\n{uscc(2).lower()},乙代理,\n"
    )
    report = registers_import.import_file(path, "agencies")
    assert report.ok and (report.rows, report.created, report.updated) == (2, 2, 0)
    assert filing(uscc(1)).name == "甲代理" and filing(uscc(1)).filed_on == dt.date(2020, 5, 1)
    assert uscc(1) not in filing(uscc(1)).uscc_enc
    assert services().cipher.decrypt(filing(uscc(1)).uscc_enc, "uscc") == uscc(1)
    assert filing(uscc(2)) is not None


def test_y1_registers_own_chinese_columns_fill_filing_no_and_legacy_key(app, tmp_path):
    path = write(
        tmp_path,
        "统一社会信用代码,机构名称,备案日期,备案号,网上申请账号\n"
        f"{uscc(1)},甲代理,2020年5月1日,TM2020001,ＡＧＥＮＣＹ01\n"
        f"{uscc(2)},乙代理,2021/02/03,,\n",
    )
    report = registers_import.import_file(path, "agencies")
    assert report.ok and report.created == 2 and not said(report.warnings)
    first = filing(uscc(1))
    assert (first.filing_no, first.filed_on) == ("TM2020001", dt.date(2020, 5, 1))
    assert first.legacy_account_key == legacy.account_key("agency01") == "agency01"
    assert filing_of_legacy_id(" Agency01 ").uscc_bidx == first.uscc_bidx
    second = filing(uscc(2))
    assert (second.filing_no, second.legacy_account_key) == (None, None)
    assert second.filed_on == dt.date(2021, 2, 3)


@pytest.mark.parametrize(
    "text",
    ["2020-05-01", "2020/5/1", "2020.05.01", "2020年5月1日", "20200501", "２０２０-０５-０１"],
)
def test_y1_filing_dates_in_the_registers_formats(app, tmp_path, text):
    registers_import.import_file(
        write(tmp_path, f"uscc,name,filed_on\n{uscc(1)},甲代理,{text}\n"), "agencies"
    )
    assert filing(uscc(1)).filed_on == dt.date(2020, 5, 1)


def test_unknown_columns_ignored_with_one_warning(app, tmp_path):
    path = write(
        tmp_path, f"uscc,地址,name,备注\n{uscc(1)},北京,甲代理,x\n{uscc(2)},上海,乙代理,y\n"
    )
    report = registers_import.import_file(path, "agencies")
    assert report.ok and report.created == 2
    assert said(report.warnings) == [(0, "未知的列已忽略：地址、备注。")]


def test_missing_required_column_refuses_the_file(app, tmp_path):
    with raises_saying(DomainError, "uscc（统一社会信用代码）"):
        registers_import.import_file(write(tmp_path, f"code,name\n{uscc(1)},甲代理\n"), "agencies")
    with raises_saying(DomainError, "都是统一社会信用代码"):
        registers_import.import_file(
            write(tmp_path, f"uscc,统一社会信用代码,name\n{uscc(1)},{uscc(1)},甲\n"), "agencies"
        )
    with pytest.raises(DomainError):
        registers_import.import_file(write(tmp_path, "uscc,name\n"), "people")
    assert count(AgencyFiling) == 0


def test_y1_any_rejected_row_imports_nothing_rows_numbered_as_data_rows(app, tmp_path):
    # a quoted name spanning two lines is one record: numbering follows records, not lines
    path = write(
        tmp_path,
        f'uscc,name,filed_on\n{uscc(1)},"甲代理\n有限公司",\n\n'
        f"91110000000100015X,乙代理,\n,,\n{uscc(3)},,\n{uscc(1)},重复,\n"
        f"{uscc(4)},丁代理,2020-13-01\n{uscc(5)},戊代理,2020-01-01,多\n",
    )
    report = registers_import.import_file(path, "agencies")
    assert [n for n, _ in said(report.rejected)] == [2, 3, 4, 5, 6] and report.rows == 6
    reasons = dict(said(report.rejected))
    assert "校验码" in reasons[2] and "与第 1 条记录重复" in reasons[4]
    assert "YYYY年M月D日" in reasons[5] and "列" in reasons[6]
    assert not any(uscc(1) in r or "91110000000100015X" in r for r in reasons.values())
    assert count(AgencyFiling) == 0


def test_y1_all_or_nothing_with_a_bad_row_late_in_a_file_bigger_than_a_batch(app, tmp_path):
    rows = "".join(f"{uscc(n)},代理{n}\n" for n in range(1, 13))
    path = write(tmp_path, f"uscc,name\n{rows}{uscc(13)},\n")
    report = registers_import.import_file(path, "agencies", batch_size=5)
    assert [n for n, _ in said(report.rejected)] == [13] and report.rows == 13
    assert count(AgencyFiling) == 0
    report = registers_import.import_file(
        write(tmp_path, f"uscc,name\n{rows}"), "agencies", batch_size=5
    )
    assert report.ok and report.created == 12 and count(AgencyFiling) == 12


def test_y1_write_pass_failing_in_a_late_batch_rolls_back_every_batch(app, tmp_path):
    """The second pass writes batch after batch in one transaction: a failure after some
    batches were written (here: the file was replaced between the passes, its last row now
    bad) leaves the register as it was."""
    registers_import.import_file(
        write(tmp_path, f"uscc,name\n{uscc(1)},原代理\n", "old.csv"), "agencies"
    )
    rows = "".join(f"{uscc(n)},代理{n},x\n" for n in range(1, 5))
    path = write(tmp_path, f"uscc,name,备注\n{rows}{uscc(5)},代理5,x\n")

    def replace_the_file(row, what, reason):  # the header's warning, as the first pass starts
        os.replace(write(tmp_path, f"uscc,name,备注\n{rows}{uscc(5)},,x\n", "new.csv"), path)

    with raises_saying(DomainError, "文件在导入过程中被修改"):
        registers_import.import_file(path, "agencies", batch_size=2, on_issue=replace_the_file)
    assert count(AgencyFiling) == 1 and filing(uscc(1)).name == "原代理"


def test_y1_repeat_across_batches_names_the_first_row(app, tmp_path):
    rows = "".join(f"{uscc(n)},代理{n}\n" for n in range(1, 8))
    report = registers_import.import_file(
        write(tmp_path, f"uscc,name\n{rows}{uscc(2)},又一个\n"), "agencies", batch_size=3
    )
    assert said(report.rejected) == [(8, "统一社会信用代码与第 2 条记录重复。")]


def test_y1_reimport_updates_and_leaves_columns_the_file_lacks(app, tmp_path):
    registers_import.import_file(
        write(
            tmp_path,
            f"uscc,name,filing_no,legacy_id,filed_on\n{uscc(1)},甲代理,TM1,acct1,2020-01-01\n",
        ),
        "agencies",
    )
    report = registers_import.import_file(
        write(tmp_path, f"uscc,name,filed_on\n{uscc(1)},甲代理（更名）,\n{uscc(2)},乙代理,\n"),
        "agencies",
    )
    assert (report.created, report.updated) == (1, 1) and count(AgencyFiling) == 2
    first = filing(uscc(1))
    assert first.name == "甲代理（更名）" and first.filed_on is None  # the file says: none
    assert (first.filing_no, first.legacy_account_key) == ("TM1", "acct1")  # not in the file


def test_y1_legacy_id_belongs_to_the_filing_the_latest_file_gives_it(app, tmp_path):
    registers_import.import_file(
        write(tmp_path, f"uscc,name,legacy_id\n{uscc(1)},甲代理,acct\n"), "agencies"
    )
    report = registers_import.import_file(
        write(tmp_path, f"uscc,name,legacy_id\n{uscc(2)},乙代理,ACCT\n"), "agencies"
    )
    assert report.ok and said(report.warnings) == [
        (1, "网上申请账号原属登记簿中另一机构，导入后改归本条记录的机构。")
    ]
    assert filing(uscc(1)).legacy_account_key is None
    assert filing_of_legacy_id("acct").uscc_bidx == registers.uscc_index(uscc(2))
    report = registers_import.import_file(
        write(tmp_path, f"uscc,name,legacy_id\n{uscc(3)},丙,x\n{uscc(4)},丁,X\n"), "agencies"
    )
    assert said(report.rejected) == [(2, "网上申请账号与第 1 条记录重复。")]


def test_y1_dry_run_checks_and_counts_but_writes_nothing(app, tmp_path):
    registers_import.import_file(write(tmp_path, f"uscc,name\n{uscc(1)},甲代理\n"), "agencies")
    report = registers_import.import_file(
        write(tmp_path, f"uscc,name\n{uscc(1)},甲\n{uscc(2)},乙\n"), "agencies", dry_run=True
    )
    assert report.ok and (report.created, report.updated) == (1, 1)
    assert count(AgencyFiling) == 1 and filing(uscc(1)).name == "甲代理"


def test_y1_gb18030_register_from_older_systems(app, tmp_path):
    text = f"统一社会信用代码,机构名称\n{uscc(1)},甲商标代理有限公司\n"
    report = registers_import.import_file(
        write(tmp_path, text, encoding="gb18030"), "agencies", encoding="gb18030"
    )
    assert report.ok and filing(uscc(1)).name == "甲商标代理有限公司"
    with raises_saying(DomainError, "--encoding"):  # read as UTF-8: refused, not garbled
        registers_import.import_file(write(tmp_path, text, encoding="gb18030"), "agencies")
    with raises_saying(DomainError, "编码"):
        registers_import.import_file(write(tmp_path, text), "agencies", encoding="latin-1")


def test_y1_undecodable_bytes_late_in_the_file_refuse_it(app, tmp_path):
    rows = "".join(f"{uscc(n)},代理{n}\n" for n in range(1, 400))  # past the first read
    path = tmp_path / "mixed.csv"
    path.write_bytes(f"uscc,name\n{rows}".encode() + f"{uscc(400)},代理\n".encode("gb18030"))
    with raises_saying(DomainError, "条记录附近有无法按 utf-8-sig 解码的字节"):
        registers_import.import_file(str(path), "agencies")
    assert count(AgencyFiling) == 0


def test_y2_practitioners_imported_by_id_number_blind_index(app, tmp_path):
    path = write(
        tmp_path,
        "name,id_type,id_number,agency_uscc\n"
        f"张三,resident_id,{resident_id(1)},{uscc(1)}\n"
        f"李四,passport,E12345678,\n",
    )
    report = registers_import.import_file(path, "practitioners")
    assert report.ok and report.created == 2
    person = registers.practitioner_for(accounts.id_number_index(resident_id(1)))
    assert person.name == "张三" and person.agency_uscc_bidx == registers.uscc_index(uscc(1))
    assert (
        registers.practitioner_for(accounts.id_number_index("E12345678")).agency_uscc_bidx is None
    )
    assert resident_id(1) not in person.id_number_enc


def test_y2_registers_own_chinese_columns_and_id_type_labels(app, tmp_path):
    path = write(
        tmp_path,
        "姓名,证件类型,证件号码,所属机构统一社会信用代码,从业人员编号,备案日期\n"
        f"张三,居民身份证,{resident_id(1)},{uscc(1)},CY001,2019.03.04\n"
        f"李四,护照,E12345678,,,\n"
        f"王五,港澳居民来往内地通行证,H12345678,{uscc(2)},CY003,20200101\n",
    )
    report = registers_import.import_file(path, "practitioners")
    assert report.ok and report.created == 3, said(report.rejected)
    person = registers.practitioner_for(accounts.id_number_index(resident_id(1)))
    assert (person.practitioner_no, person.filed_on) == ("CY001", dt.date(2019, 3, 4))
    other = registers.practitioner_for(accounts.id_number_index("H12345678"))
    assert other.agency_uscc_bidx == registers.uscc_index(uscc(2))
    assert other.filed_on == dt.date(2020, 1, 1)


def test_y2_practitioner_rows_validated(app, tmp_path):
    path = write(
        tmp_path,
        "name,id_type,id_number,agency_uscc\n"
        "张三,resident_id,110105198001011234,\n李四,driving_licence,123,\n"
        f"王五,resident_id,{resident_id(2)},91110000000100015X\n"
        f"赵六,身份证,{resident_id(3)},\n钱七,身份证,{resident_id(3)},\n",
    )
    report = registers_import.import_file(path, "practitioners")
    assert [n for n, _ in said(report.rejected)] == [1, 2, 3, 5]
    reasons = dict(said(report.rejected))
    assert "证件类型" in reasons[2] and "所属机构的统一社会信用代码" in reasons[3]
    assert reasons[5] == "证件号码与第 4 条记录重复。"
    assert count(Practitioner) == 0


def test_y2_reimport_updates_practitioner(app, tmp_path):
    registers_import.import_file(
        write(
            tmp_path,
            f"name,id_type,id_number,practitioner_no\n张三,resident_id,{resident_id(1)},CY1\n",
        ),
        "practitioners",
    )
    report = registers_import.import_file(
        write(
            tmp_path,
            f"name,id_type,id_number,practitioner_no\n张三丰,resident_id,{resident_id(1)},CY2\n",
        ),
        "practitioners",
    )
    assert (report.created, report.updated) == (0, 1) and count(Practitioner) == 1
    person = registers.practitioner_for(accounts.id_number_index(resident_id(1)))
    assert (person.name, person.practitioner_no) == ("张三丰", "CY2")


def test_y1_a_row_the_csv_reader_cannot_read_is_rejected_with_its_reason(app, tmp_path):
    """A record the CSV module refuses (here a field over its size limit) is one rejected row
    with the reader's reason, not a crash of the import."""
    path = write(tmp_path, f'uscc,name\n{uscc(1)},"{"甲" * 140_000}"\n{uscc(2)},乙代理\n')
    report = registers_import.import_file(path, "agencies")
    assert [n for n, _ in said(report.rejected)] == [1]
    assert (
        "CSV 格式错误" in dict(said(report.rejected))[1]
        and "field larger" in dict(said(report.rejected))[1]
    )
    assert count(AgencyFiling) == 0
