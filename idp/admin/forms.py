"""The admin area's forms (Flask-WTF: CSRF on every POST). Chinese labels, through Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from ..domain.admins import accounts as admins
from ..domain.trail import events as trail_events

ROLE_LABELS = {
    admins.SYSTEM: _l("系统管理员"),
    admins.REVIEWER: _l("审核员"),
    admins.AUDITOR: _l("审计员"),
}

_CODE_ATTRS = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "pattern": "[0-9 ]*",
    "spellcheck": "false",
}


def _code_field() -> StringField:
    return StringField(
        _l("动态验证码（6 位数字）"),
        validators=[DataRequired(_l("请输入身份验证器显示的 6 位动态验证码。")), Length(max=8)],
        render_kw=_CODE_ATTRS,
    )


def _password_field(label, message, autocomplete="current-password") -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(message), Length(max=128)],
        render_kw={"autocomplete": autocomplete},
    )


class LoginForm(FlaskForm):
    username = StringField(
        _l("用户名"),
        validators=[DataRequired(_l("请输入用户名。")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = _password_field(_l("密码"), _l("请输入密码。"))
    submit = SubmitField(_l("下一步"))


class CodeForm(FlaskForm):
    code = _code_field()
    submit = SubmitField(_l("登录"))


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    new = _password_field(_l("新密码"), _l("请输入新密码。"), "new-password")
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[
            DataRequired(_l("请再次输入新密码。")),
            EqualTo("new_password", _l("两次输入的新密码不一致。")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return new, confirm


class EnrolForm(FlaskForm):
    """The first login: the authenticator's first code, and a new password in place of the
    one-time initial password."""

    code = _code_field()
    new_password, confirm = _new_password_fields()
    submit = SubmitField(_l("确认绑定"))


class ReauthForm(FlaskForm):
    password = _password_field(_l("密码"), _l("请输入密码。"))
    code = _code_field()
    submit = SubmitField(_l("确认身份"))


class PasswordChangeForm(FlaskForm):
    current_password = _password_field(_l("当前密码"), _l("请输入当前密码。"))
    code = _code_field()
    new_password, confirm = _new_password_fields()
    submit = SubmitField(_l("修改密码"))


class CreateAdminForm(FlaskForm):
    username = StringField(
        _l("用户名"),
        validators=[DataRequired(_l("请输入用户名。")), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    display_name = StringField(
        _l("姓名"), validators=[DataRequired(_l("请输入姓名。")), Length(max=100)]
    )
    role = SelectField(
        _l("角色"), choices=[SelectChoice(r, label) for r, label in ROLE_LABELS.items()]
    )
    password = _password_field(_l("初始密码"), _l("请输入初始密码。"), "new-password")
    submit = SubmitField(_l("创建管理员"))


class ActionForm(FlaskForm):
    """A bare CSRF-protected POST (disable, reset TOTP, sign out)."""

    submit = SubmitField(_l("确认"))


class TrailFilterForm(FlaskForm):
    """The audit trail's filters (a GET form: nothing changes, no CSRF token)."""

    user = IntegerField(
        _l("用户编号"),
        validators=[Optional(), NumberRange(min=1, message=_l("用户编号是正整数。"))],
        render_kw={"inputmode": "numeric"},
    )
    event = SelectField(
        _l("事件类型"),
        choices=[SelectChoice("", _l("全部"))]
        + [SelectChoice(e, e) for e in sorted(trail_events.EVENTS)],
        default="",
    )
    since = DateField(_l("起始日期（含）"), validators=[Optional()])
    until = DateField(_l("截止日期（含）"), validators=[Optional()])


class KeyRotateForm(FlaskForm):
    """Rotate the signing key of one algorithm (a hidden field names it)."""

    alg = HiddenField(validators=[DataRequired(), Length(max=10)])
    submit = SubmitField(_l("轮换密钥"))


class SessionLookupForm(FlaskForm):
    query = StringField(
        _l("登录手机号或用户编号"),
        validators=[DataRequired(_l("请输入登录手机号或用户编号。")), Length(max=32)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("查找"))


class EndSessionsForm(FlaskForm):
    """End one session of a user (``target``: its sid) or all of them (``target``: ``all``)."""

    user_id = IntegerField(validators=[DataRequired()], widget=HiddenInput())
    target = HiddenField(validators=[DataRequired(), Length(max=64)])


class ReviewDecisionForm(FlaskForm):
    """Approve or reject one review case (P7); a rejection must say why (the applicant reads
    it in the SMS), which the view checks since an approval needs no reason."""

    decision = HiddenField(validators=[DataRequired(), Length(max=10)])
    reason = StringField(
        _l("理由"),
        validators=[Optional(), Length(max=200, message=_l("理由不超过 200 个字。"))],
        render_kw={"autocomplete": "off"},
    )


class RegisterImportForm(FlaskForm):
    """Upload a register (CSV) for ``registers_import``: the same checks as ``idp registers
    import``; a dry run checks and counts, writing nothing."""

    kind = SelectField(
        _l("名录"),
        choices=[
            SelectChoice("agencies", _l("商标代理机构备案名录")),
            SelectChoice("practitioners", _l("商标代理从业人员名录")),
        ],
    )
    encoding = SelectField(
        _l("文件编码"),
        choices=[SelectChoice("utf-8-sig", "UTF-8"), SelectChoice("gb18030", "GB18030")],
    )
    file = FileField(_l("名录文件（CSV）"))
    dry_run = BooleanField(_l("试运行（只检查和计数，不写入）"))
    submit = SubmitField(_l("导入"))
