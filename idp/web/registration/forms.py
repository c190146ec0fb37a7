"""Registration forms (P1, S2). CSRF on every form; labels in Chinese, wrapped for Babel.

The fields only parse and bound lengths: the rules live in ``idp.domain.accounts.registration``, which
reports every error on its field. Selects accept any code (the domain checks the address), so a
form re-rendered with new city or county options never loses what was chosen.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ...domain.accounts.applicant import PersonApplication
from ...domain.identity import address
from ...domain.identity.documents import ID_TYPES
from ...messages import LABELS

KINDS = [
    SelectChoice("person", _l("自然人")),
    SelectChoice("legal", _l("法人")),
    SelectChoice("foreign", _l("法人（无统一社会信用代码）")),
    SelectChoice("agency", _l("代理机构")),
]


class ChooseKindForm(FlaskForm):
    kind = RadioField(_l("用户类型"), choices=KINDS, default="person")
    submit = SubmitField(_l("下一步"))


def _text(label, max_length, **render_kw):
    return StringField(label, validators=[Length(max=max_length)], render_kw=render_kw)


class PersonForm(FlaskForm):
    id_type = SelectField(
        _l("证件类型"),
        choices=[SelectChoice(k, _l(LABELS[k])) for k in ID_TYPES],
        validate_choice=False,
    )
    name = _text(_l("姓名"), 100, autocomplete="name")
    id_number = _text(_l("证件号码"), 40, autocapitalize="characters", spellcheck="false")
    valid_from = _text(_l("证件有效期开始"), 10, type="date")
    valid_to = _text(_l("证件有效期结束"), 10, type="date")
    long_term = BooleanField(_l("长期（仅居民身份证）"))
    province = SelectField(_l("省份"), choices=[], validate_choice=False)
    city = SelectField(_l("市"), choices=[], validate_choice=False)
    county = SelectField(_l("县（区）"), choices=[], validate_choice=False)
    street = _text(_l("详细地址"), 200, autocomplete="street-address")
    postal_code = _text(_l("邮政编码"), 12, inputmode="numeric", autocomplete="postal-code")
    email = _text(_l("电子邮箱"), 254, type="email", autocomplete="email")
    email_code = _text(_l("邮件验证码"), 12, inputmode="numeric", autocomplete="one-time-code")
    phone = _text(_l("本人手机号"), 20, type="tel", autocomplete="tel")
    sms_code = _text(_l("短信验证码"), 12, inputmode="numeric", autocomplete="one-time-code")
    password = PasswordField(
        _l("密码"), validators=[Length(max=128)], render_kw={"autocomplete": "new-password"}
    )
    password_confirm = PasswordField(
        _l("确认密码"), validators=[Length(max=128)], render_kw={"autocomplete": "new-password"}
    )
    agreed = BooleanField(_l("我已阅读并同意"))
    refresh = SubmitField(_l("更新地址选项"))
    submit = SubmitField(_l("提交注册"))


def address_options(form: PersonForm) -> None:
    """Server-rendered address selects: the cities of the chosen province, the counties of the
    chosen city (re-rendered by "更新地址选项" when there is no script)."""
    form.province.choices = _choices(_("请选择省份"), address.provinces())
    province = address.get(form.province.data)
    cities = address.children(province.code) if province and province.parent is None else []
    form.city.choices = _choices(_("请选择城市"), cities)
    city = address.get(form.city.data)
    counties = address.children(city.code) if city and city in cities else []
    form.county.choices = _choices(
        _("请选择区县") if counties or not city else _("（该市不设区县）"), counties
    )


def _choices(prompt: str, divisions) -> list[SelectChoice]:
    return [SelectChoice("", prompt)] + [SelectChoice(d.code, d.name) for d in divisions]


def person_application(form: PersonForm) -> PersonApplication:
    """The S2 data as typed (registration and supplementation of a natural person)."""
    fields = PersonApplication.__dataclass_fields__
    return PersonApplication(
        **{
            name: bool(form[name].data)
            if name in ("long_term", "agreed")
            else (form[name].data or "")
            for name in fields
        }
    )
