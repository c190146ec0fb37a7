"""Forms of the organisation registration pages (S4, S5, S6, P3). CSRF on every form.

Fields only parse and bound lengths; the rules live in ``idp.domain.organisations.registration`` and
``idp.domain.organisations.handlers``. Step-1 field names follow the domain's error fields (``name``, ``uscc``,
``rep_*``, ``phone``, ``email``, ``password``), so each refusal is shown next to its input.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ...domain.accounts import agreement
from ...domain.errors import ValidationError
from ...domain.identity import documents
from ...domain.organisations.registration import FOREIGN_DOCUMENT, Contact, Representative, Upload
from ...messages import LABELS
from .. import messages

ID_CHOICES = [SelectChoice(k, _l(LABELS[k])) for k in documents.ID_TYPES]
# domain error field -> form field, when the form has no field of the domain's name
FIELD_MAP = {
    "id_type": "rep_id_type",
    "id_number": "rep_id_number",
    "valid_from": "rep_valid_from",
    "valid_to": "rep_valid_to",
    "long_term": "rep_long_term",
    "code": "sms_code",
}


def _text(label, max_length, **render_kw):
    return StringField(label, validators=[Length(max=max_length)], render_kw=render_kw)


def _password(label):
    return PasswordField(
        label, validators=[Length(max=128)], render_kw={"autocomplete": "new-password"}
    )


class OrgForm(FlaskForm):
    """Step 1 of S4 (legal person) and S6 (agency)."""

    category = SelectField(
        _l("法人类型"),
        choices=[SelectChoice("", _l("请选择"))]
        + [SelectChoice(k, v) for k, v in messages.CATEGORIES.items()],
        validate_choice=False,
    )
    name = _text(_l("单位名称"), 200, autocomplete="organization")
    uscc = _text(_l("统一社会信用代码"), 40, autocapitalize="characters", spellcheck="false")
    rep_id_type = SelectField(_l("法定代表人证件类型"), choices=ID_CHOICES, validate_choice=False)
    rep_name = _text(_l("法定代表人姓名"), 100)
    rep_nationality = _text(_l("法定代表人国籍"), 64)
    rep_id_number = _text(_l("法定代表人证件号码"), 40, autocapitalize="characters")
    rep_valid_from = _text(_l("证件有效期开始"), 10, type="date")
    rep_valid_to = _text(_l("证件有效期结束"), 10, type="date")
    rep_long_term = BooleanField(_l("长期（仅居民身份证）"))
    phone = _text(_l("联系人手机号"), 20, type="tel", autocomplete="tel")
    sms_code = _text(_l("短信验证码"), 12, inputmode="numeric", autocomplete="one-time-code")
    email = _text(_l("电子邮箱"), 254, type="email", autocomplete="email")
    email_code = _text(_l("邮件验证码"), 12, inputmode="numeric", autocomplete="one-time-code")
    password = _password(_l("密码"))
    password_confirm = _password(_l("确认密码"))
    agreed = BooleanField(_l("我已阅读并同意"))
    submit = SubmitField(_l("法人信息验证"))


class ForeignForm(OrgForm):
    """Step 1 of S5/D2: no USCC; registration data of the home country and two PDFs."""

    uscc = None
    email = None
    email_code = None
    rep_id_type = SelectField(
        _l("法定代表人证件类型"),
        validate_choice=False,
        choices=[SelectChoice(FOREIGN_DOCUMENT, _l("境外证件（护照等）"))] + ID_CHOICES,
    )
    country = _text(_l("注册国家（地区）"), 64)
    name_en = _text(_l("英文名称"), 200)
    registration_number = _text(_l("注册号"), 64)
    identity_proof = FileField(_l("经办人身份证明（PDF）"))
    qualification = FileField(_l("主体资格证明（PDF）"))


class NoticeForm(FlaskForm):
    submit = SubmitField(_l("我已知悉，开始完善"))


class HandlerLookupForm(FlaskForm):
    """P3 经办人已注册: name the person by mobile and document; they confirm with the code sent
    to their mobile (only when both match: handler_confirmation)."""

    phone = _text(_l("经办人手机号码"), 20, type="tel", autocomplete="off")
    id_type = SelectField(_l("经办人证件类型"), choices=ID_CHOICES, validate_choice=False)
    id_number = _text(_l("经办人证件号码"), 40, autocapitalize="characters", autocomplete="off")
    code = _text(
        _l("经办人收到的短信验证码"), 12, inputmode="numeric", autocomplete="one-time-code"
    )
    send = SubmitField(_l("发送验证码到经办人手机"))
    confirm = SubmitField(_l("确认绑定"))


class NewHandlerForm(FlaskForm):
    """P3 经办人未注册: the natural person is registered (real-name checked) and bound."""

    id_type = SelectField(_l("证件类型"), choices=ID_CHOICES, validate_choice=False)
    name = _text(_l("姓名"), 100, autocomplete="name")
    id_number = _text(_l("证件号码"), 40, autocapitalize="characters")
    phone = _text(_l("经办人手机号"), 20, type="tel", autocomplete="tel")
    sms_code = _text(_l("短信验证码"), 12, inputmode="numeric", autocomplete="one-time-code")
    email = _text(_l("电子邮箱（选填）"), 254, type="email", autocomplete="email")
    password = _password(_l("经办人登录密码"))
    password_confirm = _password(_l("确认密码"))
    submit = SubmitField(_l("注册并绑定经办人"))


def _date(value: str | None, field: str) -> dt.date | None:
    text = documents.normalize(value or "")
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError("date.format", field) from None


def representative(form: OrgForm) -> Representative:
    """The representative as typed; a ValidationError on a date that does not parse."""
    return Representative(
        name=form.rep_name.data or "",
        id_type=form.rep_id_type.data or "",
        id_number=form.rep_id_number.data or "",
        nationality=form.rep_nationality.data or None,
        valid_from=_date(form.rep_valid_from.data, "rep_valid_from"),
        valid_to=_date(form.rep_valid_to.data, "rep_valid_to"),
        long_term=bool(form.rep_long_term.data),
    )


def organisation_data(kind: str, form) -> dict:
    """The keyword arguments of ``organisations.register_*`` (and of the supplementation's
    ``complete_*``) for this form: what every kind has, then the USCC (legal, agency) or the
    foreign entity's data and its two PDFs (S5). Codes were checked before (S7), so the contact
    is marked verified; the agreement's current version is what the applicant accepted."""
    email = form.email.data if "email" in form else None
    data = {
        "category": form.category.data or "",
        "name": form.name.data or "",
        "representative": representative(form),
        "contact": Contact(
            password=form.password.data or "",
            phone=form.phone.data,
            email=email or None,
            phone_verified=True,
            email_verified=bool(email),
            agreement_version=agreement.current_version(),
        ),
    }
    if kind != "foreign":
        return {**data, "uscc": form.uscc.data or ""}
    for field in ("identity_proof", "qualification"):
        upload = form[field].data
        if not upload or not getattr(upload, "filename", ""):
            raise ValidationError("pdf.choose", field)
        data[field] = Upload(upload.filename, upload.read())
    return {
        **data,
        "country": form.country.data or "",
        "name_en": form.name_en.data or "",
        "registration_number": form.registration_number.data or "",
    }


def field_for(form: FlaskForm, field: str | None) -> str:
    """The form field a domain error belongs next to ("form" when none fits)."""
    for name in (field, FIELD_MAP.get(field or ""), "identifier" if field == "handler" else None):
        if name and name in form._fields and name != "csrf_token":
            return name
    return "form"
