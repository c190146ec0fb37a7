"""Forms (Flask-WTF, CSRF on every one). Labels and messages in Chinese, wrapped for Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


class LoginForm(FlaskForm):
    identifier = StringField(
        _l("手机号码或证件号码"),
        validators=[DataRequired(_l("请输入手机号码或证件号码。")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("密码"),
        validators=[DataRequired(_l("请输入密码。")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    # checked by the view (idp.web.login.passwords.attempt) only where the entry asks for it
    captcha = StringField(
        _l("验证码"),
        validators=[Optional(), Length(max=8)],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "inputmode": "latin",
        },
    )
    submit = SubmitField(_l("登录"))


class ChooseOrganisationForm(FlaskForm):
    """A handler bound to several organisations picks the one to act for (P3)."""

    organisation = RadioField(
        _l("选择要代表的机构"), coerce=int, validators=[DataRequired(_l("请选择机构。"))]
    )
    submit = SubmitField(_l("进入"))


class ConsentForm(FlaskForm):
    approve = SubmitField(_l("同意并继续"))
    deny = SubmitField(_l("拒绝"))


class ConfirmForm(FlaskForm):
    """A bare CSRF-protected POST (sign out, withdraw consent)."""

    target = HiddenField()
    submit = SubmitField(_l("确认"))
