"""The office's registers (Y1 agency filings, Y2 practitioners; role ``system``).

Import: a CSV file uploaded here goes through ``registers_import.import_file``, the same
operation as ``idp registers import`` — the same checks, all rows or none, a dry run that
writes nothing — and its report (counts, then the problems by data row, the first
``SHOWN`` of them) is shown. The import runs in the request's transaction, which commits at
the end of the request: the next agency or practitioner check (``registers_lookup``) sees it.
Each attempt is audited (``admin.register_imported``: kind, dry run, counts; never a row's
content). Browse: a page of a register, searchable by USCC/ID number (blind index) or name,
personal data masked (``registers_browse``). A search is a POST, like the sessions lookup, so a
typed ID number or USCC never stands in a URL (browser history, access logs); its pages are
POSTs that carry the query on."""

from __future__ import annotations

import os
import tempfile

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from ..domain.admins import accounts as admins
from ..domain.errors import DomainError, Notice
from ..domain.registers import browse
from ..domain.registers import importer as registers_import
from . import guard
from .audit import admin_audit
from .blueprint import bp
from .forms import RegisterImportForm
from .words import message

MAX_UPLOAD = 8 * 1024 * 1024
SHOWN = 100  # problems listed on the page; the counts hold them all


def _save_upload(upload) -> str | None:
    """The uploaded file in a private temporary file (its path), or None when larger than
    ``MAX_UPLOAD`` (nothing kept)."""
    fd, path = tempfile.mkstemp(prefix="register-", suffix=".csv")
    size = 0
    with os.fdopen(fd, "wb") as out, upload.stream:
        while chunk := upload.stream.read(64 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD:
                break
            out.write(chunk)
    if size > MAX_UPLOAD:
        os.unlink(path)
        return None
    return path


def _import_page(form, report=None, problems=(), error=None, status=200):
    return render_template(
        "admin/registers_import.html",
        form=form,
        report=report,
        problems=problems,
        error=error,
        shown=SHOWN,
        max_mb=MAX_UPLOAD // (1024 * 1024),
    ), status


@bp.route("/registers/import", methods=["GET", "POST"])
@guard.requires(admins.SYSTEM)
def registers_import_page():
    form = RegisterImportForm()
    if request.method == "GET":
        return _import_page(form)
    if not form.validate_on_submit():
        return _import_page(form, status=400)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        return _import_page(form, error=_("请选择要导入的名录文件（CSV）。"), status=400)
    kind, dry_run = form.kind.data or "", bool(form.dry_run.data)
    path = _save_upload(upload)
    if path is None:
        admin_audit("admin.register_imported", result="refused", kind=kind, reason="too_large")
        error = _("文件超过 %(n)s MB，未导入。", n=MAX_UPLOAD // (1024 * 1024))
        return _import_page(form, error=error, status=413)
    problems: list[tuple[int, str, str]] = []

    def on_issue(row: int, what: str, reason: Notice) -> None:
        if len(problems) < SHOWN:
            problems.append((row, what, message(reason)))

    try:
        report = registers_import.import_file(
            path, kind, dry_run=dry_run, encoding=form.encoding.data or "", on_issue=on_issue
        )
    except DomainError as exc:
        admin_audit(
            "admin.register_imported",
            result="refused",
            kind=kind,
            dry_run=dry_run,
            reason=exc.code,
        )
        return _import_page(form, error=message(exc), status=400)
    finally:
        os.unlink(path)
    admin_audit(
        "admin.register_imported",
        result="success" if report.ok else "refused",
        kind=kind,
        dry_run=dry_run,
        rows=report.rows,
        created=report.created if report.ok else 0,
        updated=report.updated if report.ok else 0,
        rejected=report.rejected_count,
        warnings=report.warning_count,
    )
    return _import_page(form, report, problems, status=200 if report.ok else 422)


class RegisterSearchForm(FlaskForm):
    """A search of one register (POST: the query is personal data, D5)."""

    kind = HiddenField(validators=[Optional(), Length(max=20)])
    q = StringField(
        _l("统一社会信用代码、证件号码或名称"),
        validators=[Optional(), Length(max=100, message=_l("不超过 100 个字符。"))],
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 100},
    )
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=10**6)])


@bp.route("/registers", methods=["GET", "POST"])
@guard.requires(admins.SYSTEM)
def registers_browse():
    form = RegisterSearchForm(formdata=request.form if request.method == "POST" else None)
    status, query, number = 200, "", request.args.get("page", 1, type=int) or 1
    kind = (form.kind.data if request.method == "POST" else request.args.get("kind")) or ""
    if request.method == "POST":
        if form.validate_on_submit():
            query, number = (form.q.data or "").strip(), form.page.data or 1
        else:
            status = 400
    kind = kind if kind in browse.KINDS else "agencies"
    form.kind.data = kind
    found = browse.page(kind, query, max(1, min(number, 10**6)))
    return render_template(
        "admin/registers.html", found=found, kind=kind, query=query, form=form
    ), status
