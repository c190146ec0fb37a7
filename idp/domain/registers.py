"""The office's registers: agency filings (Y1) and filed agency practitioners (Y2).

Imported from CSV files with a header row (UTF-8, a BOM is allowed):
- agencies: ``uscc,name[,filed_on]`` (filed_on as YYYY-MM-DD);
- practitioners: ``name,id_type,id_number[,agency_uscc]`` (id_type: a key of documents.ID_TYPES).
Every row is validated (uscc.validate_uscc, documents.validate_id_number). The import is all or
nothing: one rejected row and nothing is written, so the register never holds half a file; the
report lists every rejected row with its line number and reason. Re-importing is idempotent:
rows are matched by blind index and updated. Values are stored encrypted with a blind index (D5).
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..services import services
from . import documents, names
from .errors import DomainError
from .models import AgencyFiling, Practitioner

USCC_INDEX, ID_INDEX = "uscc", "id-number"  # the same purposes as organisations and accounts
COLUMNS = {"agencies": (("uscc", "name"), ("filed_on",)),
           "practitioners": (("name", "id_type", "id_number"), ("agency_uscc",))}


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


def uscc_index(uscc: str) -> str:
    """The USCC's blind index (normalised first, as the login page does)."""
    return services().blind_index(documents.normalize(uscc), USCC_INDEX)


def filing_for(uscc_bidx: str | None) -> AgencyFiling | None:
    """The filing of this USCC blind index, if the agency is on the register (Y1)."""
    if not uscc_bidx:
        return None
    return db.session.scalar(select(AgencyFiling).where(AgencyFiling.uscc_bidx == uscc_bidx))


def practitioner_for(id_number_bidx: str | None) -> Practitioner | None:
    """The filed practitioner with this ID-number blind index (Y2), if any."""
    if not id_number_bidx:
        return None
    return db.session.scalar(select(Practitioner).where(
        Practitioner.id_number_bidx == id_number_bidx))


def _agency(row: dict, today: dt.date) -> tuple:
    uscc = documents.validate_uscc(row["uscc"])
    name = _name(row["name"], 200)
    filed = (row.get("filed_on") or "").strip()
    try:
        filed_on = dt.date.fromisoformat(filed) if filed else None
    except ValueError:
        raise DomainError(f"备案日期“{filed}”应为 YYYY-MM-DD 格式。", "filed_on") from None
    return uscc_index(uscc), dict(uscc_enc=services().cipher.encrypt(uscc, USCC_INDEX),
                                  name=name, filed_on=filed_on)


def _practitioner(row: dict, today: dt.date) -> tuple:
    name = _name(row["name"], 100)
    id_type = (row["id_type"] or "").strip()
    if id_type not in documents.ID_TYPES:
        raise DomainError(f"证件类型“{id_type}”无效，应为 {'、'.join(documents.ID_TYPES)} 之一。")
    number = documents.validate_id_number(id_type, row["id_number"], today=today)
    agency = (row.get("agency_uscc") or "").strip()
    svc = services()
    return svc.blind_index(number, ID_INDEX), dict(
        id_number_enc=svc.cipher.encrypt(number, ID_INDEX), name=name,
        agency_uscc_bidx=uscc_index(documents.validate_uscc(agency)) if agency else None)


def _name(value: str | None, limit: int) -> str:
    return names.check_name(value, label="名称", limit=limit)


def import_file(path: str, kind: str, dry_run: bool = False) -> ImportReport:
    """Validate every row, then (unless ``dry_run`` or a row was rejected) upsert them all."""
    if kind not in COLUMNS:
        raise DomainError("kind 应为 agencies 或 practitioners。", "kind")
    model, key = ((AgencyFiling, "uscc_bidx") if kind == "agencies"
                  else (Practitioner, "id_number_bidx"))
    parse = _agency if kind == "agencies" else _practitioner
    required, optional = COLUMNS[kind]
    report = ImportReport(kind, dry_run)
    today = documents.beijing_date(services().clock.now())
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in required if c not in header]
        unknown = [c for c in header if c not in required + optional]
        if missing or unknown:
            report.rejected.append((1, f"表头应为 {','.join(required + optional)}（缺少："
                                       f"{','.join(missing) or '无'}；"
                                       f"多余：{','.join(unknown) or '无'}）"))
            return report
        reader.fieldnames = header
        parsed, seen = {}, {}
        for row in reader:
            line = reader.line_num
            report.rows += 1
            try:
                bidx, values = parse(row, today)
            except DomainError as exc:
                report.rejected.append((line, exc.message))
                continue
            if bidx in seen:
                report.rejected.append((line, f"与第 {seen[bidx]} 行重复。"))
                continue
            seen[bidx], parsed[bidx] = line, values
    if report.rejected:
        return report
    keys, existing = list(parsed), {}
    for start in range(0, len(keys), 1000):  # bounded IN lists for large registers
        existing.update((getattr(r, key), r) for r in db.session.scalars(
            select(model).where(getattr(model, key).in_(keys[start:start + 1000]))))
    for bidx, values in parsed.items():
        row = existing.get(bidx)
        if row is None:
            report.created += 1
            db.session.add(model(**{key: bidx}, **values))
        else:
            report.updated += 1
            for name, value in values.items():
                setattr(row, name, value)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report
