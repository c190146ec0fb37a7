"""The form of a subsystem (R1): every metadata field of ``registry.Spec``, to register a client
or edit one. The form only reads what was typed (lines, boxes ticked, JSON); the one check of
the values is the domain's (``registry.check``), whose refusals are shown at the field that
caused them (``refuse``). Choices are not checked here either: a value outside them is the
domain's refusal too, in its words."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput

from ..domain.clients import registry
from ..domain.errors import DomainError, ValidationError
from ..domain.vocab import (
    AUTH_METHODS,
    AUTH_NONE,
    AUTHORIZATION_CODE,
    CLIENT_SECRET_BASIC,
    CLIENT_SECRET_POST,
    GRANT_TYPES,
    ID_TOKEN_ALGS,
    PRIVATE_KEY_JWT,
    REFRESH_TOKEN,
)
from ..services import services
from .words import message

AUTH_LABELS = {
    CLIENT_SECRET_BASIC: _l("client_secret_basic（client_secret，HTTP Basic 认证）"),
    CLIENT_SECRET_POST: _l("client_secret_post（client_secret，放在请求正文中）"),
    PRIVATE_KEY_JWT: _l("private_key_jwt（用该系统的私钥签名，需填写公钥 JWKS）"),
    AUTH_NONE: _l("none（公开客户端：没有 client_secret，必须使用 PKCE）"),
}
# the grants a new subsystem starts with (what ``registry.check`` gives when none is named)
NEW_GRANTS = [AUTHORIZATION_CODE, REFRESH_TOKEN]
# the form field of each field name a domain refusal names
FIELD_OF = {
    "redirect_uri": "redirect_uris",
    "post_logout_redirect_uri": "post_logout_redirect_uris",
    "grant_type": "grant_types",
}
MAX_JWKS_TEXT = 50_000  # a JWKS of a few RSA keys is a few thousand characters; joserfc parses it

_URI_ATTRS = {"spellcheck": "false", "autocapitalize": "none", "autocomplete": "off"}


def _choices(
    values: tuple[str, ...] | list[str], labels: dict[str, Any] | None = None
) -> list[SelectChoice]:
    return [SelectChoice(v, (labels or {}).get(v, v)) for v in values]


class SubsystemForm(FlaskForm):
    name = StringField(_l("名称"), render_kw={"autocomplete": "off"})
    batch = StringField(_l("批次（可不填）"), render_kw={"autocomplete": "off"})
    redirect_uris = TextAreaField(_l("回调地址 redirect_uri"), render_kw=_URI_ATTRS)
    post_logout_redirect_uris = TextAreaField(
        _l("退出后返回地址 post_logout_redirect_uri（可不填）"), render_kw=_URI_ATTRS
    )
    backchannel_logout_uri = StringField(
        _l("后台退出通知地址 backchannel_logout_uri（可不填）"),
        render_kw={**_URI_ATTRS, "inputmode": "url"},
    )
    scope = SelectMultipleField(
        _l("允许的 scope"),
        validators=[InputRequired(_l("请至少选择一个 scope。"))],
        validate_choice=False,
        option_widget=CheckboxInput(),
    )
    grant_types = SelectMultipleField(
        _l("授权类型"),
        choices=_choices(GRANT_TYPES),
        validators=[InputRequired(_l("请至少选择一种授权类型。"))],
        validate_choice=False,
        option_widget=CheckboxInput(),
    )
    auth_method = RadioField(
        _l("客户端认证方式"),
        choices=_choices(AUTH_METHODS, AUTH_LABELS),
        validators=[InputRequired(_l("请选择客户端认证方式。"))],
        validate_choice=False,
    )
    first_party = BooleanField(_l("本局自有系统（不显示授权同意页）"))
    require_pkce = BooleanField(_l("要求 PKCE（公开客户端总是要求）"))
    id_token_alg = SelectField(
        _l("ID Token 签名算法"), choices=_choices(ID_TOKEN_ALGS), validate_choice=False
    )
    jwks = TextAreaField(
        _l("客户端公钥 JWKS（JSON，仅用于 private_key_jwt）"),
        validators=[Length(max=MAX_JWKS_TEXT, message=_l("JWKS 不超过 %(max)d 个字符。"))],
        render_kw={"spellcheck": "false", "autocapitalize": "none", "autocomplete": "off"},
    )
    submit = SubmitField(_l("保存"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope.choices = _choices(services().settings.protocol.scopes_supported)


class NewSubsystemForm(SubsystemForm):
    enable_now = BooleanField(_l("立即启用（不勾选则先登记，待其批次接入时再启用）"))
    submit = SubmitField(_l("登记业务系统"))


def initial(spec: registry.Spec) -> dict[str, Any]:
    """The form's values for ``spec`` (a stored client's, or a new one's defaults)."""
    return {
        "name": spec.name,
        "batch": spec.batch or "",
        "redirect_uris": "\n".join(spec.redirect_uris),
        "post_logout_redirect_uris": "\n".join(spec.post_logout_redirect_uris),
        "backchannel_logout_uri": spec.backchannel_logout_uri or "",
        "scope": (spec.scope or registry.DEFAULT_SCOPE).split(),
        "grant_types": list(spec.grant_types) or NEW_GRANTS,
        "auth_method": AUTH_NONE if spec.public else spec.auth_method,
        "first_party": spec.first_party,
        "require_pkce": spec.require_pkce,
        "id_token_alg": spec.id_token_alg,
        "jwks": json.dumps(spec.jwks, indent=2, ensure_ascii=False) if spec.jwks else "",
    }


def _lines(text: str | None) -> list[str]:
    return (text or "").splitlines()


def _jwks(text: str | None) -> dict[str, Any] | None:
    """The JWKS typed, parsed as JSON only (never a file name, unlike the command line's
    ``--jwks``); ``registry.check`` decides whether its keys will do."""
    if not (text or "").strip():
        return None
    try:
        data = json.loads(text or "")
    except ValueError:
        raise ValidationError("jwks.not_json", "jwks") from None
    if not isinstance(data, dict):
        raise ValidationError("jwks.not_object", "jwks")
    return data


def spec_from(form: SubsystemForm) -> registry.Spec:
    """What was typed, as the domain's ``Spec`` (raises ``ValidationError`` on JWKS that is not
    a JSON object)."""
    auth_method = form.auth_method.data or ""
    return registry.Spec(
        name=form.name.data or "",
        batch=form.batch.data or "",
        redirect_uris=_lines(form.redirect_uris.data),
        post_logout_redirect_uris=_lines(form.post_logout_redirect_uris.data),
        backchannel_logout_uri=form.backchannel_logout_uri.data or None,
        scope=" ".join(form.scope.data or []),
        grant_types=list(form.grant_types.data or []),
        auth_method=auth_method,
        public=auth_method == AUTH_NONE,
        first_party=form.first_party.data,
        require_pkce=form.require_pkce.data,
        id_token_alg=form.id_token_alg.data or "",
        jwks=_jwks(form.jwks.data),
    )


def refuse(form: SubsystemForm, exc: DomainError) -> str | None:
    """Show the domain's refusal at the field it names; returns it when it names none of the
    form's fields (shown at the top)."""
    name = FIELD_OF.get(exc.field or "", exc.field or "")
    if name and name in form:
        form[name].errors = [message(exc)]
        return None
    return message(exc)
