"""Importing the office's registers: agency filings (domain.md Y1) and filed agency practitioners
(Y2); values stored encrypted with a blind index (D5); all or nothing; re-import idempotent."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from idp.domain import accounts, registers
from idp.domain.errors import DomainError
from idp.domain.models import AgencyFiling, Practitioner
from idp.extensions import db
from idp.services import services
from orgkit import resident_id, uscc


def write(tmp_path, text: str, name: str = "reg.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    return str(path)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_y1_agencies_imported_encrypted_with_blind_index(app, tmp_path):
    path = write(tmp_path, f"uscc,name,filed_on\n{uscc(1)},甲代理,2020-05-01\n"
                           f"{uscc(2).lower()},乙代理,\n")
    report = registers.import_file(path, "agencies")
    assert report.ok and (report.rows, report.created, report.updated) == (2, 2, 0)
    filing = registers.filing_for(registers.uscc_index(uscc(1)))
    assert filing.name == "甲代理" and str(filing.filed_on) == "2020-05-01"
    assert uscc(1) not in filing.uscc_enc
    assert services().cipher.decrypt(filing.uscc_enc, "uscc") == uscc(1)
    assert registers.filing_for(registers.uscc_index(uscc(2))) is not None


def test_y1_reimport_is_idempotent_and_updates(app, tmp_path):
    registers.import_file(write(tmp_path, f"uscc,name\n{uscc(1)},甲代理\n"), "agencies")
    report = registers.import_file(write(tmp_path, f"uscc,name\n{uscc(1)},甲代理（更名）\n"
                                                   f"{uscc(2)},乙代理\n"), "agencies")
    assert (report.created, report.updated) == (1, 1)
    assert count(AgencyFiling) == 2
    assert registers.filing_for(registers.uscc_index(uscc(1))).name == "甲代理（更名）"


def test_y1_any_rejected_row_imports_nothing(app, tmp_path):
    path = write(tmp_path, f"uscc,name,filed_on\n{uscc(1)},甲代理,\n91110000000100015X,乙代理,\n"
                           f"{uscc(3)},,\n{uscc(1)},重复,\n{uscc(4)},丁代理,2020/01/01\n")
    report = registers.import_file(path, "agencies")
    lines = [line for line, _ in report.rejected]
    assert lines == [3, 4, 5, 6]
    reasons = dict(report.rejected)
    assert "校验码" in reasons[3] and "与第 2 行重复" in reasons[5] and "YYYY-MM-DD" in reasons[6]
    assert count(AgencyFiling) == 0


def test_y1_dry_run_writes_nothing(app, tmp_path):
    report = registers.import_file(write(tmp_path, f"uscc,name\n{uscc(1)},甲代理\n"), "agencies",
                                   dry_run=True)
    assert report.ok and report.created == 1 and count(AgencyFiling) == 0


def test_y2_practitioners_imported_by_id_number_blind_index(app, tmp_path):
    path = write(tmp_path, "name,id_type,id_number,agency_uscc\n"
                           f"张三,resident_id,{resident_id(1)},{uscc(1)}\n"
                           f"李四,passport,E12345678,\n")
    report = registers.import_file(path, "practitioners")
    assert report.ok and report.created == 2
    person = registers.practitioner_for(accounts.id_number_index(resident_id(1)))
    assert person.name == "张三" and person.agency_uscc_bidx == registers.uscc_index(uscc(1))
    assert registers.practitioner_for(accounts.id_number_index("E12345678")).agency_uscc_bidx \
        is None
    assert resident_id(1) not in person.id_number_enc


def test_y2_practitioner_rows_validated(app, tmp_path):
    path = write(tmp_path, "name,id_type,id_number\n张三,resident_id,110105198001011234\n"
                           "李四,driving_licence,123\n")
    report = registers.import_file(path, "practitioners")
    assert [line for line, _ in report.rejected] == [2, 3]
    assert "证件类型" in report.rejected[1][1]
    assert count(Practitioner) == 0


def test_registers_header_checked(app, tmp_path):
    report = registers.import_file(write(tmp_path, "code,name\nx,y\n"), "agencies")
    assert report.rejected and report.rejected[0][0] == 1 and "uscc" in report.rejected[0][1]
    with pytest.raises(DomainError):
        registers.import_file(write(tmp_path, "uscc,name\n"), "people")
