"""Messages translated at render time but written without a gettext call where they are defined.

``errors/page.html`` renders ``_(title)`` and ``_(message)``, and the consent page ``_(label)``
for scope labels; their sources (protocol code, the error handlers) stay free of Flask-Babel, so
pybabel cannot see these strings there. Listing them here with the ``N_`` marker puts them into
the catalog (scripts/translations). Nothing imports this module. Keep it in step with:
idp/protocol/claims.py SCOPE_LABELS, idp/protocol/authorize.py, idp/protocol/end_session.py,
idp/web/errors.py, idp/web/hostile.py, idp/web/oidc.py, idp/web/interaction.py, idp/web/login.py.
"""


def N_(message: str) -> str:  # noqa: N802 — the conventional "no-op gettext" marker
    return message


SCOPE_LABELS = [
    N_("确认您的身份（唯一用户标识）"),
    N_("姓名、用户类型、认证状态、所代表的机构"),
    N_("电子邮箱及其验证状态"),
    N_("手机号码及其验证状态"),
    N_("联系地址"),
    N_("在您离线时保持访问（刷新令牌）"),
    N_("关联的商标网上申请系统历史账号"),
]

ERROR_PAGES = [
    N_("服务暂时不可用"), N_("系统繁忙或正在维护，请稍后再试。"),
    N_("页面已过期"), N_("页面已过期或表单无效，请返回上一页刷新后重试。"),
    N_("页面不存在"), N_("请求方式不正确"), N_("请求无效"), N_("请求无法完成"), N_("上传的文件过大"),
    N_("您访问的页面不存在或请求无效。"),
    N_("请求中含有无法处理的字符（例如空字符），请检查输入后重试。"),
    N_("登录请求已过期或无效，请返回应用重新发起登录。"),
    N_("无法继续登录"), N_("无法完成退出"),
]

PROTOCOL_ERRORS = [
    N_("请求参数重复（client_id 或 redirect_uri），无法继续。"),
    N_("未知的应用：client_id 无效或该应用尚未启用。"),
    N_("请求缺少 redirect_uri，无法返回应用。"),
    N_("redirect_uri 与该应用登记的回调地址不一致，为安全起见已停止。"),
    N_("退出请求中的 id_token_hint 无效，未执行跳转。"),
    N_("未知的应用：client_id 无效。"),
    N_("client_id 与 id_token_hint 不匹配。"),
    N_("post_logout_redirect_uri 未登记或缺少有效的 id_token_hint，为安全起见不会跳转。"),
]
