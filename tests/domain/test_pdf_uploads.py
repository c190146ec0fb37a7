"""Uploaded PDFs (S5 review, L10 appeal): no scripts, automatic actions or embedded files, no
password to open, and the kept file name is sanitised (files.check_pdf, files.safe_filename).

The PDFs are built here (tests/pdfkit.py), each forbidden construct both in a plain object and
inside a compressed object stream, where no byte search could see it.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from idp.domain.errors import ValidationError
from idp.domain.legacy import appeals
from idp.domain.organisations import files
from idp.domain.organisations import registration as organisations
from orgkit import legal_kwargs, pdf_bytes
from pdfkit import one_page

FORBIDDEN = {
    "open_action_javascript": dict(
        catalog=b"/OpenAction 4 0 R ", extra=(b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",)
    ),
    "escaped_names": dict(
        catalog=b"/#4Fpen#41ction 4 0 R ",
        extra=(b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",),
    ),
    "open_action_uri_only": dict(catalog=b"/OpenAction << /S /URI /URI (https://x.cn) >> "),
    "document_javascript_name_tree": dict(
        catalog=b"/Names << /JavaScript 4 0 R >> ", extra=(b"<< /Names [] >>",)
    ),
    "launch_action": dict(
        page=b"/Annots [4 0 R] ",
        extra=(
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch /F (cmd.exe) >> >>",
        ),
    ),
    "page_additional_actions": dict(
        page=b"/AA << /O 4 0 R >> ", extra=(b"<< /S /URI /URI (https://example.cn/) >>",)
    ),
    "embedded_files": dict(
        catalog=b"/Names << /EmbeddedFiles 4 0 R >> ",
        extra=(b"<< /Names [(a.exe) 5 0 R] >>", b"<< /Type /Filespec /F (a.exe) >>"),
    ),
    "rich_media": dict(
        page=b"/Annots [4 0 R] ", extra=(b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 9 9] >>",)
    ),
    "xfa_form": dict(
        catalog=b"/AcroForm << /Fields [] /XFA 4 0 R >> ",
        extra=(b"<< /Length 0 >>\nstream\n\nendstream",),
    ),
}


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "object_stream"])
@pytest.mark.parametrize("kind", FORBIDDEN)
def test_pdf_with_active_content_is_refused(app, kind, compressed):
    data = one_page(**FORBIDDEN[kind], compressed=compressed)
    with pytest.raises(ValidationError) as refused:
        files.check_pdf(data, "identity_proof")
    assert refused.value.code == files.ACTIVE_MESSAGE
    assert refused.value.field == "identity_proof"


def test_object_stream_hides_the_names_from_a_byte_search(app):
    data = one_page(**FORBIDDEN["open_action_javascript"], compressed=True)
    assert b"OpenAction" not in data and b"JavaScript" not in data
    with pytest.raises(ValidationError):
        files.check_pdf(data, "identity_proof")


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "object_stream"])
def test_plain_pdf_with_links_and_the_words_in_text_is_accepted(app, compressed):
    data = one_page(
        catalog=b"/Lang (JavaScript /OpenAction /Launch) ",
        page=b"/Annots [4 0 R] ",
        extra=(
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
            b"/A << /S /URI /URI (https://example.cn/) >> >>",
        ),
        compressed=compressed,
    )
    files.check_pdf(data, "identity_proof")
    files.check_pdf(pdf_bytes(3), "identity_proof")


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "object_stream"])
def test_open_action_that_only_sets_the_first_view_is_accepted(app, compressed):
    """``/OpenAction [page /Fit]`` is a destination, not an action: many producers write it."""
    files.check_pdf(
        one_page(catalog=b"/OpenAction [3 0 R /Fit] ", compressed=compressed), "identity_proof"
    )
    files.check_pdf(
        one_page(
            catalog=b"/OpenAction 4 0 R ", extra=(b"[3 0 R /XYZ 0 0 0]",), compressed=compressed
        ),
        "identity_proof",
    )


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_that_needs_a_password_is_refused_and_owner_protection_accepted(app):
    with pytest.raises(ValidationError) as refused:
        files.check_pdf(_encrypted("open-sesame"), "qualification")
    assert refused.value.code == files.ENCRYPTED_MESSAGE
    files.check_pdf(_encrypted(""), "qualification")


def test_pdf_with_too_many_objects_is_refused_unwalked(app, monkeypatch):
    monkeypatch.setattr("idp.domain.organisations.pdf_content.MAX_OBJECTS", 3)
    with pytest.raises(ValidationError) as refused:
        files.check_pdf(one_page(extra=(b"<< >>",)), "qualification")
    assert refused.value.code == files.COMPLEX_MESSAGE


def test_l10_appeal_refuses_a_pdf_with_javascript(app):
    bad = organisations.Upload(
        "证明.pdf", one_page(**FORBIDDEN["open_action_javascript"], compressed=True)
    )
    _, errors = appeals.check(
        appeals.AppealInput("tm_zhang", "张三", "13900139000", None, "历史账号无法完成信息补录。"),
        bad,
        bad,
    )
    assert errors["identity_proof"].code == errors["other_proof"].code == files.ACTIVE_MESSAGE


def test_s5_foreign_registration_refuses_a_pdf_with_an_embedded_file(app):
    kwargs = legal_kwargs()
    del kwargs["uscc"]
    with pytest.raises(ValidationError) as refused:
        organisations.register_foreign_legal_person(
            **kwargs,
            country="美国",
            name_en="Globex",
            registration_number="C1234567",
            identity_proof=organisations.Upload("a.pdf", pdf_bytes()),
            qualification=organisations.Upload("b.pdf", one_page(**FORBIDDEN["embedded_files"])),
        )
    assert refused.value.field == "qualification"
    assert refused.value.code == files.ACTIVE_MESSAGE


@pytest.mark.parametrize(
    "sent, kept",
    [
        ("营业执照.pdf", "营业执照.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\张三\\Desktop\\身份证明.PDF", "身份证明.pdf"),
        ("\u202efdp.exe", "fdp.exe.pdf"),
        ("a\x00b\u200b.pdf", "ab.pdf"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("  ..  ", "upload.pdf"),
        ("", "upload.pdf"),
        (None, "upload.pdf"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
    ],
)
def test_kept_file_name_is_sanitised(sent, kept):
    assert files.safe_filename(sent) == kept


def test_stored_file_keeps_only_the_sanitised_name(app):
    row = files.store_pdf(pdf_bytes(), "..\\..\\\u202eevil\u200b.pdf", "identity_proof")
    try:
        assert row.original_name == "evil.pdf"
    finally:
        files.discard(row)
