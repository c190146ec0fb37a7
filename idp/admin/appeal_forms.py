"""The forms of the appeals queue (人工申诉, L10/P7): reject, link, correct. Flask-WTF (CSRF on
every POST); the domain (``legacy.appeal_decisions``) checks the values again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..domain.identity import documents

_REASON = {"autocomplete": "off"}
_CODE = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}


class AppealRejectForm(FlaskForm):
    reason = StringField(
        _l("驳回理由（申请人会在短信中看到）"),
        validators=[
            DataRequired(_l("请填写驳回理由，申请人会在短信中看到。")),
            Length(max=200, message=_l("理由不超过 200 个字。")),
        ],
        render_kw=_REASON,
    )


class AppealLinkForm(FlaskForm):
    user_id = IntegerField(
        _l("要关联的用户编号"),
        validators=[
            DataRequired(_l("请填写要关联的用户编号。")),
            NumberRange(min=1, max=2**31 - 1, message=_l("用户编号不正确。")),
        ],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )
    override = BooleanField(
        _l("确认覆盖身份比对（该账号与历史账号登记的身份不一致，经核实确属本人）")
    )
    reason = StringField(
        _l("说明（可选）"),
        validators=[Optional(), Length(max=200, message=_l("说明不超过 200 个字。"))],
        render_kw=_REASON,
    )


class AppealCorrectForm(FlaskForm):
    name = StringField(
        _l("更正后的姓名或名称"), validators=[Optional(), Length(max=200)], render_kw=_REASON
    )
    id_type = SelectField(
        _l("证件类型"),
        choices=[SelectChoice(key, label) for key, label in documents.ID_TYPES.items()],
        default="resident_id",
    )
    id_number = StringField(
        _l("更正后的证件号码"), validators=[Optional(), Length(max=40)], render_kw=_CODE
    )
    uscc = StringField(
        _l("更正后的统一社会信用代码"), validators=[Optional(), Length(max=40)], render_kw=_CODE
    )
    reason = StringField(
        _l("说明（可选）"),
        validators=[Optional(), Length(max=200, message=_l("说明不超过 200 个字。"))],
        render_kw=_REASON,
    )
