"""What the demo data of ``demo`` and ``demo_legacy`` share: the demo user 张三, whom a legacy
account is linked to (L6), and the way both fill the registers (Y1, Y2): one CSV row through
``registers_import.import_file``, as an operator imports."""

from __future__ import annotations

import os
import tempfile

DEMO_USER = {
    "name": "张三",
    "phone": "13800138000",
    "password": "Demo-pass-2026",
    "id_type": "resident_id",
    "id_number": "11010519491231002X",
    "email": "zhangsan@example.com",
}

REGISTER_HEADERS = {
    "agencies": "uscc,name,filed_on",
    "practitioners": "name,id_type,id_number,agency_uscc",
}


def import_register_row(kind: str, row: str) -> list[str]:
    """One CSV row into a register through ``registers_import.import_file``, as an operator
    imports."""
    from .domain.registers import importer as registers_import

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"{kind}.csv")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(f"{REGISTER_HEADERS[kind]}\n{row}\n")
        report = registers_import.import_file(path, kind)
    if not report.ok:
        raise RuntimeError(f"demo {kind} rejected: {report.rejected}")
    return [f"register {kind}: {report.created} row"] if report.created else []
