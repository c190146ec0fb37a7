"""Forms of the personal center (P2, P3, P4, P6); CSRF on every one, labels in Chinese."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ...domain.identity.documents import ID_TYPES
from ...messages import LABELS

CONFIRM_PHRASE = "确认注销"


def _password(label, message, autocomplete="current-password"):
    return PasswordField(
        label,
        validators=[DataRequired(message), Length(max=128)],
        render_kw={"autocomplete": autocomplete, "maxlength": 128},
    )


def _code(label=_l("验证码")):
    return StringField(
        label,
        validators=[Optional(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 12},
    )


class ReauthForm(FlaskForm):
    password = _password(_l("当前密码"), _l("请输入当前密码。"))
    submit = SubmitField(_l("验证身份"))


class PasswordChangeForm(FlaskForm):
    current_password = _password(_l("当前密码"), _l("请输入当前密码。"))
    password = _password(_l("新密码"), _l("请输入新密码。"), "new-password")
    password_confirm = _password(_l("确认新密码"), _l("请再次输入新密码。"), "new-password")
    submit = SubmitField(_l("修改密码"))


class MobileForm(FlaskForm):
    phone = StringField(
        _l("新手机号码"),
        validators=[DataRequired(_l("请输入新手机号码。")), Length(max=20)],
        render_kw={"autocomplete": "tel", "inputmode": "tel", "maxlength": 20},
    )
    code = _code(_l("短信验证码"))
    send = SubmitField(_l("获取短信验证码"))
    submit = SubmitField(_l("修改手机号码"))


class EmailForm(FlaskForm):
    email = EmailField(
        _l("新电子邮箱"),
        validators=[DataRequired(_l("请输入新电子邮箱。")), Length(max=254)],
        render_kw={"autocomplete": "email", "maxlength": 254},
    )
    code = _code(_l("邮件验证码"))
    send = SubmitField(_l("获取邮件验证码"))
    submit = SubmitField(_l("修改电子邮箱"))


class DeactivateForm(FlaskForm):
    phrase = StringField(
        _l("请输入“%(phrase)s”以确认", phrase=CONFIRM_PHRASE),
        validators=[DataRequired(_l("请输入确认文字。")), Length(max=20)],
        render_kw={"autocomplete": "off", "maxlength": 20},
    )
    submit = SubmitField(_l("注销账号"))


class HandlerFindForm(FlaskForm):
    """P3 经办人已注册: the person's mobile and document (handler_confirmation)."""

    phone = StringField(
        _l("经办人手机号码"),
        validators=[DataRequired(_l("请输入经办人手机号码。")), Length(max=20)],
        render_kw={"autocomplete": "off", "inputmode": "tel", "maxlength": 20},
    )
    id_type = SelectField(
        _l("经办人证件类型"), choices=[SelectChoice(k, _l(LABELS[k])) for k in ID_TYPES]
    )
    id_number = StringField(
        _l("经办人证件号码"),
        validators=[DataRequired(_l("请输入经办人证件号码。")), Length(max=40)],
        render_kw={"autocomplete": "off", "maxlength": 40},
    )
    submit = SubmitField(_l("发送验证码给经办人"))


class HandlerCodeForm(FlaskForm):
    code = StringField(
        _l("经办人收到的短信验证码"),
        validators=[DataRequired(_l("请输入验证码。")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 12},
    )
    submit = SubmitField(_l("确认绑定"))


class HandlerRegisterForm(FlaskForm):
    name = StringField(
        _l("姓名"),
        validators=[DataRequired(_l("请输入姓名。")), Length(max=100)],
        render_kw={"maxlength": 100},
    )
    id_type = SelectField(
        _l("证件类型"), choices=[SelectChoice(k, _l(LABELS[k])) for k in ID_TYPES]
    )
    id_number = StringField(
        _l("证件号码"),
        validators=[DataRequired(_l("请输入证件号码。")), Length(max=40)],
        render_kw={"maxlength": 40},
    )
    phone = StringField(
        _l("手机号码"),
        validators=[DataRequired(_l("请输入手机号码。")), Length(max=20)],
        render_kw={"inputmode": "tel", "maxlength": 20},
    )
    sms_code = _code(_l("经办人手机收到的短信验证码"))  # proves the new handler's mobile (S7)
    send = SubmitField(_l("获取短信验证码"))
    email = EmailField(_l("电子邮箱（选填）"), validators=[Optional(), Length(max=254)])
    password = _password(_l("经办人登录密码"), _l("请设置密码。"), "new-password")
    submit = SubmitField(_l("注册并绑定"))


class RealNameForm(FlaskForm):
    """实名认证 from the personal center (S7 for an existing account; domain/accounts/realname)."""

    id_type = SelectField(
        _l("证件类型"), choices=[SelectChoice(k, _l(LABELS[k])) for k in ID_TYPES]
    )
    name = StringField(
        _l("姓名（与证件一致）"),
        validators=[DataRequired(_l("请输入姓名。")), Length(max=100)],
        render_kw={"autocomplete": "name", "maxlength": 100},
    )
    id_number = StringField(
        _l("证件号码"),
        validators=[DataRequired(_l("请输入证件号码。")), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 40},
    )
    valid_from = StringField(
        _l("证件有效期起始日期（如 2020-01-31）"),
        validators=[DataRequired(_l("请输入证件有效期起始日期。")), Length(max=10)],
        render_kw={"inputmode": "numeric", "maxlength": 10, "placeholder": "2020-01-31"},
    )
    valid_to = StringField(
        _l("证件有效期截止日期（长期有效的证件不填）"),
        validators=[Optional(), Length(max=10)],
        render_kw={"inputmode": "numeric", "maxlength": 10, "placeholder": "2040-01-31"},
    )
    long_term = BooleanField(_l("证件长期有效"))
    submit = SubmitField(_l("提交实名认证"))
