"""The words of every error code that idp/domain and idp/protocol raise (issue 10, item 5).

The domain and the protocol refuse with a code and parameters (``idp/domain/errors.py``); this
table gives each code its Chinese sentence, the one the UI has always shown, with ``%(name)s``
placeholders for the parameters. Pages translate it through ``idp/web/messages.py`` (the English
catalogue holds a translation of every entry); the ``idp`` commands, which speak Chinese and run
without Flask-Babel (the batch app of issue 9 never imports it), print it as it is. ``N_`` marks
each sentence for pybabel (``scripts/translations`` extracts the ``N_`` keyword).

Parameters: ``label`` and ``id_type`` name an entry of ``LABELS`` (a field's or a document
type's words), ``missing`` a list of them; a parameter that is itself an error is told in its
own words (``redacted``: without its quoted parts, D5; ``clause``: without its full stop),
``choices`` are joined with "or" (``CHOICE_SEPARATOR``), ``missing`` and ``id_types`` are lists
of ``LABELS`` keys, any other list is joined with ``LIST_SEPARATOR`` (an empty one is "none");
anything else is shown as given.

``REPORTS`` holds the words of the import reports' notices (``idp.domain.errors.Notice``), which
only the batch commands print.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

Translate = Callable[[str], str]


def N_(message: str) -> str:  # noqa: N802 — the conventional "no-op gettext" marker
    return message


class Coded(Protocol):
    code: str


# Each code raised in idp/domain and idp/protocol, sorted (tests/test_error_codes.py: both ways).
MESSAGES: dict[str, str] = {
    "admin.display_name_invalid": N_("请填写管理员姓名（不超过 100 个字符）。"),
    "admin.role_invalid": N_("角色应为 %(choices)s。"),
    "admin.self_disable": N_("不能停用自己的管理员账号。"),
    "admin.unknown": N_("没有用户名为“%(username)s”的管理员。"),
    "admin.username_invalid": N_(
        "用户名应为 3–64 个字符，由小写字母、数字和 . _ - 组成，并以字母或数字开头。"
    ),
    "admin.username_taken": N_("该用户名已被其他管理员使用。"),
    "agency.already": N_("该账号已是代理机构。"),
    "agreement.required": N_("请阅读并同意《国家知识产权局统一身份认证系统用户服务协议》。"),
    "appeal.already_decided": N_("该申诉已处理。"),
    "appeal.correction_refused": N_("更正的内容未通过校验（与导入历史账号的规则相同），未作更正。"),
    "appeal.nothing_corrected": N_(
        "请至少填写一项要更正的内容（姓名、证件号码或统一社会信用代码）。"
    ),
    "appeal.no_such_user": N_("没有这个用户编号的账号。"),
    "appeal.person_mismatch": N_(
        "该账号的姓名或证件号码与历史账号登记的不一致。确认属于本人时，请勾选“确认覆盖身份比对”后再关联。"
    ),
    "appeal.reason_missing": N_("请填写驳回理由，申请人会在短信中看到。"),
    "appeal.unknown_account": N_("申诉所填历史账号不存在，只能驳回。"),
    "appeal.account_missing": N_("请填写历史账号（商标网上申请系统的用户名）。"),
    "appeal.account_too_long": N_("历史账号不能超过 64 个字符。"),
    "appeal.content_length": N_("请说明遇到的问题（%(min)s–%(max)s 个字），当前 %(length)s 个字。"),
    "appeal.identity_proof_missing": N_("请上传身份证明文件（PDF）。"),
    "appeal.phone_unverified": N_("请先获取并填写短信验证码，以验证手机号码。"),
    "authorize.missing_redirect_uri": N_("请求缺少 redirect_uri，无法返回应用。"),
    "authorize.redirect_uri_mismatch": N_(
        "redirect_uri 与该应用登记的回调地址不一致，为安全起见已停止。"
    ),
    "authorize.repeated_parameter": N_("请求参数重复（client_id 或 redirect_uri），无法继续。"),
    "authorize.unknown_client": N_("未知的应用：client_id 无效或该应用尚未启用。"),
    "category.missing": N_("请选择法人类型。"),
    "city.missing": N_("请选择城市。"),
    "city.not_in_province": N_("所选城市不属于%(province)s。"),
    "client.auth_method": N_("不支持的客户端认证方式：%(value)s"),
    "client.batch": N_("批次名称不超过 %(maximum)s 个字符，且不含控制字符。"),
    "client.client_id_format": N_("client_id 应为 3–64 个 ASCII 字符且不含空格。"),
    "client.exists": N_("client_id 已存在：%(client_id)s"),
    "client.grant_type": N_("不支持的授权类型：%(value)s"),
    "client.id_token_alg": N_("ID Token 签名算法只能是 %(allowed)s"),
    "client.jwks_required": N_("private_key_jwt 需要提供客户端公钥 JWKS。"),
    "client.name": N_("请填写应用名称（不超过 100 个字符）。"),
    "client.no_secret": N_("该应用的认证方式（%(method)s）不使用 client_secret。"),
    "client.public_client_credentials": N_("公开客户端不能使用 client_credentials。"),
    "client.redirect_uri_required": N_("授权码模式至少需要一个 redirect_uri。"),
    "client.scope": N_("不支持的 scope：%(value)s"),
    "client.secret_length": N_("client_secret 至少 %(minimum)s 个字符。"),
    "client.too_many_uris": N_("%(what)s 最多 %(maximum)s 个。"),
    "client.unknown": N_("没有这个应用：%(client_id)s"),
    "code.expired": N_("验证码已过期，请重新获取。"),
    "code.format": N_("验证码应为 6 位数字。"),
    "code.handler_missing": N_("请输入经办人手机收到的短信验证码。"),
    "code.mail_failed": N_("邮件发送失败，请稍后重试。"),
    "code.mail_missing": N_("请填写邮件验证码。"),
    "code.sms_failed": N_("短信发送失败，请稍后重试。"),
    "code.sms_missing": N_("请填写短信验证码。"),
    "code.too_many_tries": N_("验证码错误次数过多，请重新获取。"),
    "code.wrong": N_("验证码错误，还可尝试 %(left)s 次。"),
    "county.missing": N_("请选择区县。"),
    "county.none": N_("%(city)s不设区县，请不要选择区县。"),
    "county.not_in_city": N_("所选区县不属于所选城市。"),
    "date.format": N_("日期格式不正确，请按“年-月-日”填写，例如 2020-01-31。"),
    "demo.production": N_(
        '生产环境（env = "production"）拒绝写入演示数据：演示账号和密钥是公开的。'
    ),
    "email.format": N_("电子邮箱格式不正确：请填写一个电子邮箱地址，例如 zhangsan@example.cn。"),
    "email.missing": N_("请填写电子邮箱。"),
    "email.unchanged": N_("新电子邮箱与当前电子邮箱相同。"),
    "enterprise.mismatch": N_(
        "统一社会信用代码、单位名称与法定代表人的姓名、证件号码未通过企业信"
        "息核验。请按营业执照（或登记证书）如实填写，与国家企业信用信息公示"
        "系统登记的信息一致。"
    ),
    "enterprise.unavailable": N_("企业信息核验服务暂时无法使用，请稍后再试。"),
    "handler.already_bound": N_("该自然人已是本机构的经办人。"),
    "handler.code_refused": N_("验证码错误或已失效，请核对后重新输入，或重新发送验证码。"),
    "handler.not_bound": N_("未找到该经办人的绑定，可能已经解除。"),
    "handler.not_person": N_("经办人必须是已注册的自然人用户。"),
    "handler.not_practitioner": N_(
        "该自然人不在商标代理从业人员备案名单中，不能绑定为代理机构的经办人。"
    ),
    "handler.not_verified": N_(
        "经办人须先完成实名认证：请该经办人登录个人中心，在“实名认证”中完成认证后再绑定。"
    ),
    "handler.organisation_unavailable": N_("该机构账号不可用，不能绑定经办人。"),
    "handler.other_agency": N_("该自然人已是其他代理机构的经办人。"),
    "id_number.birth_date_invalid": N_(
        "%(id_type)s号码中的出生日期“%(digits)s”不是有效日期，请核对。"
    ),
    "id_number.birth_date_range": N_(
        "%(id_type)s号码中的出生日期“%(digits)s”应在 1900 年 1 月 1 日至今天之间。"
    ),
    "id_number.foreign_checksum": N_("外国人永久居留身份证号码校验位（最后一位）不正确，请核对。"),
    "id_number.foreign_format": N_(
        "外国人永久居留身份证号码应为 18 位（2023 年版：9 开头，17 位"
        "数字加 1 位校验位）或 15 位（2017 年版：3 位英文字母加 12 位"
        "数字）。"
    ),
    "id_number.foreign_place": N_(
        "外国人永久居留身份证号码第 2–3 位（受理地代码）“%(place)s”不存在，请核对。"
    ),
    "id_number.hk_macau_format": N_(
        "港澳居民来往内地通行证号码应为 H 或 M 加 8 位数字（旧版为 H 或 M 加 10 位数字）。"
    ),
    "id_number.missing": N_("请填写%(id_type)s号码。"),
    "id_number.passport_format": N_(
        "普通护照号码应为 E 加 8 位数字、E 加 1 个字母（不含 I、O）再"
        "加 7 位数字，或旧版 G 加 8 位数字。"
    ),
    "id_number.resident_15": N_("不支持 15 位身份证号码，请使用 18 位居民身份证号码。"),
    "id_number.resident_checksum": N_("居民身份证号码校验位（最后一位）不正确，请核对。"),
    "id_number.resident_format": N_(
        "居民身份证号码应为 18 位：17 位数字加 1 位校验位（数字或 X）。"
    ),
    "id_number.resident_is_foreign": N_(
        "以 9 开头的是外国人永久居留身份证号码，请选择证件类型“外国人永久居留身份证”。"
    ),
    "id_number.resident_province": N_(
        "居民身份证号码前 2 位（省级行政区划代码）“%(province)s”不存在，请核对。"
    ),
    "id_number.taiwan_format": N_("台湾居民来往大陆通行证号码应为 8 位数字（旧版为 10 位数字）。"),
    "id_number.taiwan_suffix": N_(
        "台湾居民来往大陆通行证号码括号内的字母表示换证次数，不属于号码：请只填写括号前的数字。"
    ),
    "id_type.invalid": N_("证件类型不正确，请选择证件类型。"),
    "id_type.missing": N_("请选择证件类型。"),
    "import.default_scheme": N_("默认密码方案无效：%(reason)s"),
    "import.encoding": N_("编码应为 %(choices)s。"),
    "import.file_unreadable": N_("无法读取文件：%(reason)s。"),
    "import.format_unknown": N_(
        "无法从扩展名判断文件格式，请用 --format csv 或 --format jsonl 指定。"
    ),
    "import.header_missing": N_("表头缺少必需的列：%(columns)s；未导入任何记录。"),
    "import.header_unreadable": N_("无法读取表头：%(reason)s。"),
    "import.id_type": N_("证件类型无法识别。"),
    "import.legacy_id": N_("历史账号为空或超过 64 个字符。"),
    "import.not_encoding": N_("文件不是 %(encoding)s 编码，请用 --encoding 指定正确的编码。"),
    "import.registered_at": N_(
        "注册时间为空或格式不正确（应为 ISO 8601 或 YYYY-MM-DD HH:MM:SS）。"
    ),
    "import.type": N_(
        "用户类型应为 natural、legal、agency、simple（或 自然人、法人、代理机构、简易用户）之一。"
    ),
    "import.undecodable": N_("%(column)s 含有无法解码的字节或空字符，请核对文件编码。"),
    "import.write_conflict": N_(
        "写入失败：是否有另一个导入同时在运行？之前的批次已保存，请稍后重"
        "新运行（已导入的记录会被跳过）。"
    ),
    "jwks.invalid": N_("JWKS 中有无法解析的密钥。"),
    "jwks.not_json": N_("JWKS 不是合法的 JSON。"),
    "jwks.not_object": N_("JWKS 必须是 JSON 对象。"),
    "jwks.private": N_("JWKS 只能包含公钥。"),
    "jwks.unreadable": N_("无法读取 JWKS 文件：%(reason)s"),
    "keys.next_too_new": N_(
        "密钥 %(kid)s 发布才 %(age)s 秒，依赖方缓存的 JWKS 可能还没有它（须满 %(minimum)s 秒）；"
        "请 %(wait)s 秒后再轮换。"
    ),
    "legacy.agency_uscc_mismatch": N_(
        "统一社会信用代码须为您登录时填写的、在商标局代理机构备案的"
        "统一社会信用代码。如备案时提供的统一社会信用代码有误，请先"
        "办理备案变更，变更通过后再完善信息；其他情况请提交人工申诉"
        "。"
    ),
    "legacy.agency_use_uscc": N_(
        "该历史账号登记有统一社会信用代码，请填写在商标局进行代理机构备"
        "案时报备的统一社会信用代码登录。"
    ),
    "legacy.l2_too_new": N_(
        "该历史账号注册于 2025 年 8 月 1 日之后，暂不能在统一身份认证系统登录"
        "或关联。待新的商标网上申请系统上线后，即可进行关联。"
    ),
    "legacy.l4_not_bindable": N_(
        "您在商标网上申请系统有多个账号（含简易用户），只能关联我局已通"
        "过邮件和短信通知您的可绑定历史账号。请使用该账号登录或关联；如"
        "有疑问，请拨打服务热线 010-63218500。"
    ),
    "legacy.legal_at_agency_entry": N_(
        "该历史账号为法人账号，请在“法人”入口选择“历史账号”，填写"
        "在商标网上申请系统注册时填写的统一社会信用代码（无统一社"
        "会信用代码的填写历史账号）和历史账号密码登录。商标代理机"
        "构如已经注册为法人的，需在个人中心变更为代理机构，并重新"
        "绑定经办人。"
    ),
    "legacy.legal_uscc_mismatch": N_(
        "统一社会信用代码须与历史账号中登记的统一社会信用代码（即您"
        "登录时填写的代码）一致，不能关联其他机构。如该代码有误，请"
        "提交人工申诉。"
    ),
    "legacy.legal_use_uscc": N_(
        "该历史账号登记有统一社会信用代码，请填写在商标网上申请系统注册时"
        "填写的统一社会信用代码登录。"
    ),
    "legacy.no_uscc": N_(
        "该历史账号未登记有效的统一社会信用代码，不能填写统一社会信用代码进行关"
        "联。请按无统一社会信用代码的方式提交证明文件，由我局审核；如有疑问，请"
        "提交人工申诉。"
    ),
    "legacy.person_mismatch": N_(
        "您填写的姓名或证件号码与该历史账号登记的不一致，不能关联。关联"
        "后不能解除，只有历史账号登记的本人才能完善信息并关联。如该历史"
        "账号确属于您，请提交人工申诉。"
    ),
    "legacy.taken": N_(
        "该历史账号已被其他用户关联，不能重复关联。如有疑问，请拨打服务热线 010-63218500。"
    ),
    "legacy.use_agency_entry": N_(
        "该历史账号为代理机构账号，请在“代理机构”入口选择“历史账号”，填"
        "写在商标局进行代理机构备案时报备的统一社会信用代码（注意非商标"
        "网上申请系统账号中的统一社会信用代码）和历史账号密码登录。"
    ),
    "legacy.use_legal_entry": N_(
        "该历史账号为法人账号，请在“法人”入口选择“历史账号”，填写在商标"
        "网上申请系统注册时填写的统一社会信用代码（无统一社会信用代码的"
        "填写历史账号）和历史账号密码登录。"
    ),
    "legacy.use_personal_entry": N_(
        "该历史账号为自然人（含简易用户）账号，请在“自然人”入口选择“"
        "历史账号”，填写历史账号和历史账号密码登录。"
    ),
    "legacy.user_has_link": N_(
        "您的账号已关联历史账号。一个账号只能关联一个历史账号，且关联后不能解除。"
    ),
    "legacy.wrong_kind": N_(
        "历史账号的用户类型与您的账号不一致，不能关联。代理机构请先在个人中心变更为代理机构。"
    ),
    "legacy.y1_filing_change": N_(
        "该代理机构历史账号中的统一社会信用代码与在商标局代理机构备案的"
        "统一社会信用代码不一致。代理机构备案时提供的统一社会信用代码错"
        "误的，应先办理备案变更，变更通过的才能进行历史账号关联。如有疑"
        "问，请拨打服务热线 010-63218500。"
    ),
    "legacy.y1_not_filed": N_(
        "该代理机构历史账号没有在商标代理机构备案名单中的统一社会信用代码。"
        "代理机构的证件号码只能为在商标局备案的统一社会信用代码；代理机构备"
        "案时提供的统一社会信用代码错误的，应先办理备案变更，变更通过的才能"
        "进行历史账号关联。如有疑问，请拨打服务热线 010-63218500。"
    ),
    "legacy_reset.code_refused": N_("验证码错误或已失效，请重新获取验证码。"),
    "logout.client_mismatch": N_("client_id 与 id_token_hint 不匹配。"),
    "logout.invalid_hint": N_("退出请求中的 id_token_hint 无效，未执行跳转。"),
    "logout.unknown_client": N_("未知的应用：client_id 无效。"),
    "logout.unregistered_redirect": N_(
        "post_logout_redirect_uri 未登记或缺少有效的 id_token_hint，为安全起见不会跳转。"
    ),
    "name.invisible": N_(
        "%(label)s含有控制字符或不可见的格式字符（如零宽空格、文字方向控制符），请删除后重新填写。"
    ),
    "name.missing": N_("请填写%(label)s（不超过 %(limit)s 个字）。"),
    "name.no_letter": N_("%(label)s应包含文字，不能只有数字或符号。"),
    "org_code.checksum": N_("组织机构代码校验码不正确，请核对。"),
    "org_code.format": N_("组织机构代码应为 9 位（8 位数字或大写字母加 1 位校验码）。"),
    "password.classes": N_(
        "密码须包含大写字母、小写字母、数字、符号中的至少三类，当前缺少：%(missing)s。"
    ),
    "password.common": N_("该密码过于常见，容易被猜中，请换一个不常见的密码。"),
    "password.confirm_mismatch": N_("两次输入的新密码不一致。"),
    "password.confirm_mismatch_plain": N_("两次输入的密码不一致。"),
    "password.current_wrong": N_("当前密码不正确。"),
    "password.length": N_("密码长度应为 %(min)s–%(max)s 个字符（当前 %(length)s 个）。"),
    "password.own_identifier": N_("密码不能包含您本人的手机号码或证件号码。"),
    "password.system_word": N_("密码不能包含“cnipa”“商标”“trademark”等与本系统相关的词。"),
    "password.unchanged": N_("新密码不能与当前密码相同。"),
    "password_reset.code_refused": N_("验证码错误或已失效，请核对后重新输入，或重新获取验证码。"),
    "pdf.active_content": N_(
        "PDF 文件包含脚本、自动执行的动作或嵌入的文件，不能上传。请用“打印为"
        " PDF”或“另存为”生成普通 PDF 文件后重新上传。"
    ),
    "pdf.choose": N_("请选择要上传的 PDF 文件。"),
    "pdf.damaged": N_("文件已损坏或不是有效的 PDF 文件，请重新上传。"),
    "pdf.encrypted": N_("PDF 文件设置了打开密码，请取消密码保护后重新上传。"),
    "pdf.missing": N_("请上传 PDF 格式的文件。"),
    "pdf.not_pdf": N_("只能上传 PDF 格式的文件。"),
    "pdf.too_complex": N_("PDF 文件结构过于复杂，无法检查，请另存为普通 PDF 文件后重新上传。"),
    "pdf.too_large": N_("文件过大：不能超过 %(limit)s MB。"),
    "person.deactivated": N_(
        "该证件对应的账号已经注销，注销后不能再次使用该证件注册或完善信息。"
        "如有疑问，请拨打服务热线 010-63218500。"
    ),
    "person.exists": N_("用户已经存在：该手机号码或证件号码已注册，请直接登录。"),
    "person.taken": N_(
        "用户已经存在：该证件号码或手机号码已注册。由于证件号码、手机号码都可以作"
        "为登录凭证，不允许重复。您可通过注册填写的手机号/证件号码+注册密码登录，"
        "在登录成功后，通过个人中心的旧账号管理功能进行关联。"
    ),
    "phone.format": N_("手机号码格式不正确：应为 1 开头的 11 位中国大陆手机号码。"),
    "phone.missing": N_("请填写手机号码。"),
    "phone.taken": N_("该手机号码已被其他账号使用。"),
    "phone.unchanged": N_("新手机号码与当前手机号码相同。"),
    "postal_code.format": N_("邮政编码应为 6 位数字。"),
    "province.missing": N_("请选择省份。"),
    "province.unknown": N_("所选省份不存在。"),
    "realname.mismatch": N_("姓名与证件号码不一致，未通过实名认证。"),
    "realname.not_needed": N_("您的账号无需再进行实名认证。"),
    "realname.other_document": N_(
        "证件号码与账号登记的证件号码不一致：实名认证只能认证本账号登记的证件。"
        "如登记有误，请拨打服务热线 010-63218500。"
    ),
    "realname.too_many": N_("今天的实名认证次数已达 %(attempts)s 次，请明天再试。"),
    "realname.mismatch_handler": N_("姓名与证件号码不一致，实名认证未通过。"),
    "realname.reason": N_("%(reason)s"),
    "realname.unavailable": N_("实名认证服务暂时无法使用，请稍后再试。"),
    "register.agency_uscc": N_("所属机构的%(reason)s"),
    "register.columns": N_("有 %(count)s 列，表头有 %(header)s 列。"),
    "register.csv_row": N_("CSV 格式错误：%(reason)s。"),
    "register.date_format": N_(
        "备案日期“%(value)s”无效，应为 YYYY-MM-DD、YYYY/MM/DD、YYYY.MM.DD、"
        "YYYY年M月D日或 YYYYMMDD。"
    ),
    "register.date_future": N_("备案日期“%(value)s”晚于今天。"),
    "register.empty": N_("文件是空的，没有表头；未导入任何记录。"),
    "register.file_changed": N_("文件在导入过程中被修改，未导入任何记录，请重新运行。"),
    "register.header_missing": N_("表头缺少必需的列：%(columns)s；未导入任何记录。"),
    "register.header_twice": N_(
        "表头的“%(first)s”和“%(second)s”都是%(column_label)s，请只保留一列；未导入任何记录。"
    ),
    "register.header_undecodable": N_(
        "表头有无法按 %(encoding)s 解码的字节，请用 --encoding 指定"
        "文件的编码（%(choices)s）；未导入任何记录。"
    ),
    "register.header_unreadable": N_("无法读取表头：%(reason)s；未导入任何记录。"),
    "register.id_type": N_("证件类型“%(value)s”无效，应为 %(id_types)s（或其英文代码）之一。"),
    "register.kind": N_("kind 应为 agencies 或 practitioners。"),
    "register.legacy_id_invisible": N_("网上申请账号含有控制字符或不可见的格式字符。"),
    "register.legacy_id_length": N_("网上申请账号超过 %(limit)s 个字符。"),
    "register.number_invisible": N_("%(column)s含有控制字符或不可见的格式字符。"),
    "register.number_length": N_("%(column)s超过 %(limit)s 个字符。"),
    "register.row_undecodable": N_(
        "第 %(row)s 条记录附近有无法按 %(encoding)s 解码的字节，请用 -"
        "-encoding 指定文件的编码（%(choices)s）；未导入任何记录。"
    ),
    "rep_id_number.foreign_format": N_("证件号码应为 4–40 位字母或数字。"),
    "rep_id_type.missing": N_("请选择法定代表人证件类型。"),
    "review.already_decided": N_("该审核已处理。"),
    "review.uscc_held": N_("该统一社会信用代码已由通过企业信息核验的机构持有，不能恢复本账号。"),
    "scheme.case": N_("case 应为 any、lower 或 upper。"),
    "scheme.encoding": N_("encoding 应为 utf-8、gbk 或 gb18030。"),
    "scheme.iterations": N_("iterations 应为 1 到 %(top)s 的整数。"),
    "scheme.parameter": N_("密码方案 %(name)s 的参数“%(key)s”无效（可用参数：%(allowed)s）。"),
    "scheme.salt": N_("salt 应为 none、prefix、suffix，或含 {password}（及 {salt}）的模板。"),
    "scheme.salt_encoding": N_("salt 模板含有所声明编码无法表示的字符。"),
    "scheme.unknown": N_("未知的密码方案“%(name)s”：应为 %(allowed)s 之一。"),
    "send.daily_limit": N_("今日发送次数已达上限，请明天再试。"),
    "send.resend_wait": N_("发送过于频繁，请 %(seconds)s 秒后再试。"),
    "send.too_frequent.minutes": N_("发送过于频繁，请 %(minutes)s 分钟后再试。"),
    "send.too_frequent.seconds": N_("发送过于频繁，请 %(seconds)s 秒后再试。"),
    "send.too_many.minutes": N_("发送次数过多，请 %(minutes)s 分钟后再试。"),
    "send.too_many.seconds": N_("发送次数过多，请 %(seconds)s 秒后再试。"),
    "street.invisible": N_("详细地址含有不可见字符。"),
    "street.missing": N_("请填写详细地址。"),
    "street.too_long": N_("详细地址不能超过 %(limit)s 个字。"),
    "text.invisible": N_("%(label)s含有控制字符或不可见的格式字符，请删除后重新填写。"),
    "text.missing": N_("请填写%(label)s（不超过 %(limit)s 个字符）。"),
    "uri.fragment": N_("%(what)s 不能包含片段（#）：%(uri)s"),
    "uri.https": N_("%(what)s 必须使用 https（仅本机回环地址可用 http）：%(uri)s"),
    "uri.https_dev": N_("%(what)s 必须使用 https（开发环境下仅本机回环地址可用 http）：%(uri)s"),
    "uri.not_absolute": N_("%(what)s 必须是完整的 http(s) 地址：%(uri)s"),
    "uri.unsafe": N_(
        "%(what)s 含有不允许的字符（空格、控制字符、反斜杠或通配符 *）或过长：%(uri)s"
    ),
    "uri.userinfo": N_("%(what)s 不能包含用户信息（@ 之前的部分）：%(uri)s"),
    "uscc.authority": N_("统一社会信用代码第 1 位（登记管理部门代码）“%(authority)s”不存在。"),
    "uscc.category": N_(
        "统一社会信用代码第 2 位（机构类别代码）“%(category)s”与登记管理部门代码“"
        "%(authority)s”不对应。"
    ),
    "uscc.character": N_(
        "统一社会信用代码含有不允许的字符“%(char)s”：只能使用数字和除 I、O、Z、S"
        "、V 以外的大写英文字母。"
    ),
    "uscc.checksum": N_("统一社会信用代码第 18 位校验码不正确，请核对。"),
    "uscc.deactivated": N_(
        "该统一社会信用代码对应的账号已注销。账号注销后，同一统一社会信用代码不能再次注册或补录。"
    ),
    "uscc.length": N_("统一社会信用代码应为 18 位，您填写了 %(length)s 位。"),
    "uscc.missing": N_("请填写统一社会信用代码。"),
    "uscc.not_filed": N_(
        "该统一社会信用代码不在商标代理机构备案名单中。如备案时提供的统一社会信"
        "用代码有误，请先办理备案变更，变更通过后再注册。"
    ),
    "uscc.org_code_checksum": N_(
        "统一社会信用代码第 9–17 位（组织机构代码）的校验码不正确，请核对。"
    ),
    "uscc.region": N_("统一社会信用代码第 3–8 位（登记管理机关行政区划码）应为 6 位数字。"),
    "uscc.taken": N_(
        "用户已经存在：该统一社会信用代码已注册。请使用已注册的账号登录，并在个人中"
        "心的“旧账号管理”中关联历史账号。"
    ),
    "uscc.unverified_claim": N_("未经企业信息核验的机构不能占用统一社会信用代码。"),
    "validity.expired": N_("证件已过期，请使用有效期内的证件。"),
    "validity.from_future": N_("证件有效期开始日期不能晚于今天，请核对。"),
    "validity.from_missing": N_("请填写证件有效期开始日期。"),
    "validity.long_term_type": N_("只有居民身份证可以为长期有效，请填写证件有效期结束日期。"),
    "validity.long_term_with_end": N_("已选择“长期”，请不要再填写证件有效期结束日期。"),
    "validity.to_before_from": N_("证件有效期结束日期应晚于开始日期，请核对。"),
    "validity.to_missing": N_("请填写证件有效期结束日期，或选择“长期”。"),
}

# The words of the import reports' notices (``Notice``: idp/domain/legacy, idp/domain/registers),
# sorted. Only the batch commands print them, in Chinese (operators read them): no page shows
# them, so they are not marked for the catalogue. ``hash.*`` are the clauses of
# ``import.hash_unusable`` (no full stop: the sentence adds it).
REPORTS: dict[str, str] = {
    "hash.bad_scheme": "password_scheme 无效：%(reason)s",
    "hash.bcrypt_format": "不符合声明的 bcrypt 格式（$2a$、$2b$ 或 $2y$）",
    "hash.case": "密码哈希的大小写与声明的 case=%(case)s 不符（比较时不区分大小写）。",
    "hash.empty": "密码哈希为空",
    "hash.format": "不符合声明的 %(scheme)s 格式",
    "hash.hex_format": "不符合声明的 %(name)s 格式（%(size)s 位十六进制）",
    "hash.pbkdf2_format": "不符合声明的 pbkdf2 格式（passlib、Django 或 Werkzeug 的写法）",
    "hash.salt_empty": "password_salt 为空：按空盐值计算。",
    "hash.salt_encoding": "盐值含有 %(encoding)s 无法表示的字符",
    "hash.salt_in_hash": "password_salt 已忽略：方案 %(name)s 的盐值在哈希之中。",
    "hash.salt_too_long": "盐值超过 %(limit)s 个字符",
    "hash.salt_unplaced": "password_salt 已忽略：方案 %(name)s 未声明 salt 位置。",
    "hash.salted_hex": (
        "有盐值的 %(size)s 位十六进制哈希可能是 %(name)s;salt=prefix、%(name)s;"
        "salt=suffix 或其他模板，无法确定；请用 password_scheme 列或 "
        "--password-scheme 声明方案后重新导入"
    ),
    "hash.too_costly": (
        "%(scheme)s 的计算强度超过上限（bcrypt 代价 %(cost)s，PBKDF2 %(iterations)s 次迭代）"
    ),
    "hash.undecodable": "密码哈希、盐值或密码方案含有无法解码的字节或空字符，请核对文件编码",
    "hash.unencodable": "密码哈希或盐值含有无法编码的字符",
    "hash.unknown_shape": (
        "无法识别的密码哈希格式；请用 password_scheme 列或 --password-scheme 声明方案"
    ),
    "hash.werkzeug_digest": "不支持的 Werkzeug PBKDF2 摘要算法 %(digest)s",
    "hash.werkzeug_format": "不符合声明的 pbkdf2 格式（Werkzeug 写法）",
    "hash.werkzeug_iterations": "Werkzeug 写法中的迭代次数无效",
    "hash.werkzeug_no_iterations": (
        "Werkzeug 写法省略了迭代次数，而其默认值随版本而变（1000 至 "
        "1000000），无法确定；请声明 pbkdf2;iterations=N 后重新导入"
    ),
    "import.columns": "列数与表头不一致。",
    "import.columns_ignored": "未知的列已忽略：%(columns)s。",
    "import.csv_row": "CSV 格式错误：%(reason)s。",
    "import.dropped_designated": "字段已舍弃：可绑定标记：应为 1/0、true/false 或 是/否。",
    "import.dropped_email": "字段已舍弃：电子邮箱：格式不正确。",
    "import.dropped_filed_uscc": "字段已舍弃：备案统一社会信用代码：%(redacted)s",
    "import.dropped_id_number": "字段已舍弃：证件号码：%(redacted)s",
    "import.dropped_mobile": "字段已舍弃：手机号码：%(reason)s",
    "import.dropped_uscc": "字段已舍弃：统一社会信用代码：%(redacted)s",
    "import.field_undecodable": "字段已舍弃：%(column)s：含有无法解码的字节或空字符，请核对文件编码。",
    "import.fields_ignored": "未知的字段已忽略：%(fields)s。",
    "import.filed_uscc_not_agency": "字段已舍弃：备案统一社会信用代码：仅代理机构使用此字段。",
    "import.hash_unusable": (
        "密码哈希无法使用：%(clause)s。账号已导入，但不能用旧密码登录（用户可提出人工申诉）。"
    ),
    "import.id_upgraded": "15 位身份证号码已转换为 18 位。",
    "import.name_empty": "名称为空。",
    "import.name_invisible": "名称中的控制字符或不可见的格式字符已删除。",
    "import.name_truncated": "名称超过 %(limit)s 个字，已截断。",
    "import.name_undecodable": "名称含有无法解码的字节或空字符，请核对文件编码。",
    "import.not_json": "不是有效的 JSON。",
    "import.not_object": "每行应为一个 JSON 对象。",
    "import.register_none": "代理机构备案登记册中没有该历史账号，备案统一社会信用代码为空。",
    "import.register_several": "代理机构备案登记册中该历史账号对应多个统一社会信用代码，未取用。",
    "import.repeated": "历史账号与第 %(first)s 条记录重复。",
    "register.columns_ignored": "未知的列已忽略：%(columns)s。",
    "register.legacy_id_moved": "网上申请账号原属登记簿中另一机构，导入后改归本条记录的机构。",
    "register.repeated": "%(column)s与第 %(first)s 条记录重复。",
    "register.unnamed_column": "第 %(position)s 列（无列名）",
}

LABELS: dict[str, str] = {
    "country": N_("注册国家（地区）"),
    "none": N_("无"),
    "digit": N_("数字"),
    "foreign_permanent_residence": N_("外国人永久居留身份证"),
    "hk_macau_permit": N_("港澳居民来往内地通行证"),
    "lower": N_("小写字母"),
    "name": N_("姓名"),
    "name_en": N_("英文名称"),
    "name_or_org": N_("姓名或单位名称"),
    "org_name": N_("机构名称"),
    "passport": N_("普通护照"),
    "registration_number": N_("注册号"),
    "rep_name": N_("法定代表人姓名"),
    "resident_id": N_("居民身份证"),
    "symbol": N_("符号"),
    "taiwan_permit": N_("台湾居民来往大陆通行证"),
    "unit_name": N_("单位名称"),
    "upper": N_("大写字母"),
}

LIST_SEPARATOR = N_("、")
CHOICE_SEPARATOR = N_(" 或 ")
_LABELLED = ("label", "id_type")
_LABEL_LISTS = ("missing", "id_types")
_QUOTED = re.compile(r"“[^”]*”")


def _same(message: str) -> str:
    return message


def words(code: str, params: Mapping[str, Any] | None = None, translate: Translate = _same) -> str:
    """The sentence of ``code`` with its parameters, through ``translate`` (Chinese as is)."""
    sentence = translate(MESSAGES[code]) if code in MESSAGES else REPORTS[code]
    if not params:
        return sentence
    return sentence % {name: _param(name, value, translate) for name, value in params.items()}


def describe(reason: str | Coded, translate: Translate = _same) -> str:
    """The words of a reason: a bare code, or an error carrying ``code`` (and ``params``)."""
    if isinstance(reason, str):
        return words(reason, None, translate)
    return words(reason.code, getattr(reason, "params", None), translate)


def _param(name: str, value: Any, translate: Translate) -> Any:
    if name == "redacted":  # a validator's words without the quoted parts of the number (D5)
        return _QUOTED.sub("", describe(value, translate))
    if name == "clause":  # a sentence inside a sentence: its full stop is the outer one's
        return describe(value, translate).rstrip("。")
    if hasattr(value, "code"):
        return describe(value, translate)
    if name in _LABELLED:
        return translate(LABELS[value])
    if name in _LABEL_LISTS:
        return translate(LIST_SEPARATOR).join(translate(LABELS[v]) for v in value)
    if name == "choices":
        return translate(CHOICE_SEPARATOR).join(value)
    if isinstance(value, list):
        return translate(LIST_SEPARATOR).join(
            describe(v, translate) if hasattr(v, "code") else str(v) for v in value
        ) or translate(LABELS["none"])
    return value
