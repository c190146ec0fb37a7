"""Errors are codes, words live in the table (issue 10, item 5): every code raised in idp has
words in idp/messages.py, every entry of the table is raised somewhere (no dead words), and
every sentence has an English translation in the catalogue."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

from idp import messages

PACKAGE = Path(__file__).resolve().parent.parent / "idp"
CATALOGUE = PACKAGE / "translations" / "en" / "LC_MESSAGES" / "messages.po"
CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
# the exceptions that carry a code as their first argument
CODED = {
    "DomainError",
    "ValidationError",
    "Conflict",
    "Refused",
    "CodeRefused",
    "WrongCode",
    "CodeExpired",
    "TooManyTries",
    "DeliveryFailed",
    "SendLimited",
    "IdentityMismatch",
    "AppealInvalid",
    "UnsafeRequest",
    "InvalidLogoutRequest",
    "Notice",
    "Unusable",
}
# (RealNameUnavailable and EnterpriseUnavailable take a detail for the log; their code is fixed)


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts and path.name != "messages.py":
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "code"`` assignments (``S3_MESSAGE = "person.taken"``)."""
    found = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def raised_codes() -> dict[str, str]:
    """code -> where, for the first argument of every coded exception built in idp: a literal,
    or a module-level constant of any module (by name or ``module.NAME``)."""
    trees = list(_sources())
    constants: dict[str, str] = {}
    for _, tree in trees:
        constants.update(_constants(tree))
    codes = {}
    for path, tree in trees:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in CODED:
                continue
            first = node.args[0]
            for arg in (first.body, first.orelse) if isinstance(first, ast.IfExp) else (first,):
                value = None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    value = arg.value
                elif isinstance(arg, ast.Name | ast.Attribute):
                    value = constants.get(arg.id if isinstance(arg, ast.Name) else arg.attr)
                if value is not None:
                    codes[value] = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
    return codes


def literal_codes() -> set[str]:
    """Every string literal in idp shaped like a code (also those passed on in tuples and
    dicts, such as the send limits' pairs and the errors mappings of registration)."""
    return {
        node.value
        for _, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CODE.fullmatch(node.value)
    }


def test_every_raised_code_has_words():
    codes = raised_codes()
    assert len(codes) > 120  # the finder sees the raise sites
    # the import reports' notices have theirs in REPORTS (test_report_notices_...)
    known = messages.MESSAGES | messages.REPORTS
    missing = {code: where for code, where in codes.items() if code not in known}
    assert not missing, missing


def test_every_code_is_a_short_dotted_ascii_identifier():
    bad = [code for code in messages.MESSAGES if not CODE.fullmatch(code) or len(code) > 40]
    assert not bad, bad


def test_no_dead_words_every_message_is_raised_somewhere():
    dead = sorted(set(messages.MESSAGES) - literal_codes())
    assert not dead, dead


def test_every_message_and_label_has_an_english_translation():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="en")
    sentences = [
        *messages.MESSAGES.values(),
        *messages.LABELS.values(),
        messages.LIST_SEPARATOR,
        messages.CHOICE_SEPARATOR,
    ]
    untranslated = [
        s for s in sentences if s not in catalogue or not catalogue[s].string or catalogue[s].fuzzy
    ]
    assert not untranslated, untranslated


def test_the_finder_sees_literals_constants_and_conditional_codes(tmp_path):
    tree = ast.parse(
        'TAKEN = "x.taken"\n'
        "def f(a):\n"
        "    raise Conflict(TAKEN)\n"
        '    raise ValidationError("x.one" if a else "x.two", "f")\n'
    )
    constants = _constants(tree)
    assert constants == {"TAKEN": "x.taken"}
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert {getattr(c.func, "id", None) for c in calls} <= CODED


def test_words_format_params_labels_lists_and_nested_errors():
    from idp.domain.errors import ValidationError

    assert messages.words("code.wrong", {"left": 3}) == "验证码错误，还可尝试 3 次。"
    assert (
        messages.describe(ValidationError("name.no_letter", label="rep_name"))
        == "法定代表人姓名应包含文字，不能只有数字或符号。"
    )
    assert messages.describe(
        ValidationError("password.classes", missing=["upper", "digit"])
    ).endswith("当前缺少：大写字母、数字。")
    nested = ValidationError("register.agency_uscc", reason=ValidationError("uscc.missing"))
    assert messages.describe(nested) == "所属机构的请填写统一社会信用代码。"
    assert messages.describe("phone.taken") == "该手机号码已被其他账号使用。"


# Chinese text that stays in idp/domain and idp/protocol, by (module, top-level name): data, not
# words for people (docs/architecture.md, "Errors are codes").
CJK_ALLOWED = {
    # what legacy exports and the office's registers write: column headers, type names, yes/no,
    # Chinese dates (matched against the file, never shown)
    ("domain/legacy/rows.py", "KIND_NAMES"),
    ("domain/legacy/rows.py", "TRUE"),
    ("domain/legacy/rows.py", "_LOOSE_TIME"),
    ("domain/registers/rows.py", "_DATE"),
    ("domain/registers/rows.py", "COLUMNS"),
    ("domain/registers/rows.py", "ID_TYPE_NAMES"),
    ("domain/identity/identifiers.py", "_FULL_WIDTH"),
    # the registers' Chinese column names, quoted by their refusals as the file spells them
    ("domain/registers/rows.py", "LABELS"),
    # stored or sent as they are: the agreement's title, the name a deactivated account keeps,
    # the reason a set-aside registration is filed under, the SMS and mail texts, the region
    # names of the address table, the system words a password may not contain
    ("domain/accounts/agreement.py", "TITLE"),
    ("domain/accounts/profile.py", "ANONYMOUS_NAME"),
    ("domain/organisations/enterprise.py", "SET_ASIDE_REASON"),
    ("domain/verification/codes.py", "TEXTS"),
    ("domain/verification/codes.py", "ACTIONS"),
    ("domain/verification/notices.py", "TEXTS"),
    ("domain/verification/notices.py", "WORDS"),
    ("domain/verification/codes.py", "VerificationCodes"),
    ("domain/organisations/reviews.py", "TEXTS"),
    ("domain/legacy/appeal_decisions.py", "TEXTS"),
    ("domain/identity/address.py", "PLACEHOLDERS"),
    ("domain/accounts/password_policy.py", "SYSTEM_WORDS"),
    # labels shown as they are, not yet moved to idp/messages.py LABELS (not done: their pages
    # and the admin area read them from here)
    ("domain/identity/documents.py", "ID_TYPES"),
    ("domain/models/organisation.py", "CATEGORIES"),
    ("domain/identity/audit.py", "RULES"),
    # the missing columns named as the register's file spells them, "uscc（统一社会信用代码）"
    ("domain/registers/rows.py", "header"),
}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _scope(node: ast.stmt) -> str:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name
    if isinstance(node, ast.Assign | ast.AnnAssign):
        target = node.targets[0] if isinstance(node, ast.Assign) else node.target
        target = target.elts[0] if isinstance(target, ast.Tuple) else target
        return getattr(target, "id", "")
    return ""


def cjk_literals() -> dict[tuple[str, str], list[str]]:
    """(module, top-level name) -> the Chinese string literals under it that are no docstring,
    in idp/domain and idp/protocol."""
    found: dict[tuple[str, str], list[str]] = {}
    for path, tree in _sources():
        where = path.relative_to(PACKAGE).as_posix()
        if not where.startswith(("domain/", "protocol/")):
            continue
        docs = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        for top in tree.body:
            for node in ast.walk(top):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in docs
                    and CJK.search(node.value)
                ):
                    found.setdefault((where, _scope(top)), []).append(node.value)
    return found


def test_domain_and_protocol_hold_no_words_only_the_allowed_data():
    words = {where: texts for where, texts in cjk_literals().items() if where not in CJK_ALLOWED}
    assert not words, words


def test_the_cjk_allow_list_has_no_stale_entries():
    assert not CJK_ALLOWED - set(cjk_literals())


def test_report_notices_all_have_words_and_none_are_dead():
    """Every Notice built in idp has words in REPORTS (or the table of errors), and every
    REPORTS entry is built somewhere (a code literal)."""
    codes = raised_codes()
    notices = {code for code in codes if code.startswith(("hash.", "import.", "register."))}
    assert {"import.hash_unusable", "hash.empty", "register.repeated"} <= notices
    missing = {c: codes[c] for c in notices if c not in messages.MESSAGES | messages.REPORTS}
    assert not missing, missing
    assert not set(messages.MESSAGES) & set(messages.REPORTS)
    assert not sorted(set(messages.REPORTS) - literal_codes())
    bad = [code for code in messages.REPORTS if not CODE.fullmatch(code) or len(code) > 40]
    assert not bad, bad


def test_report_words_redact_quoted_numbers_and_nest_clauses():
    """D5: a dropped document number's refusal loses its quoted digits; a hash problem is a
    clause of one sentence; lists join with the list separator."""
    from idp.domain.errors import Notice, ValidationError

    refusal = Notice.of(ValidationError("id_number.resident_province", province="99"))
    assert (
        messages.describe(Notice("import.dropped_id_number", redacted=refusal))
        == "字段已舍弃：证件号码：居民身份证号码前 2 位（省级行政区划代码）不存在，请核对。"
    )
    bad_scheme = Notice("hash.bad_scheme", reason=Notice("scheme.case"))
    assert messages.describe(Notice("import.hash_unusable", clause=bad_scheme)) == (
        "密码哈希无法使用：password_scheme 无效：case 应为 any、lower 或 upper。账号已导入，但不能"
        "用旧密码登录（用户可提出人工申诉）。"
    )
    ignored = Notice(
        "register.columns_ignored", columns=["备注", Notice("register.unnamed_column", position=3)]
    )
    assert messages.describe(ignored) == "未知的列已忽略：备注、第 3 列（无列名）。"


def test_choices_lists_and_label_lists_are_joined_in_the_table_not_the_domain():
    from idp.domain.errors import DomainError, ValidationError

    assert (
        messages.describe(DomainError("import.encoding", choices=("utf-8-sig", "gb18030")))
        == "编码应为 utf-8-sig 或 gb18030。"
    )
    assert messages.describe(
        ValidationError("scheme.parameter", name="bcrypt", key="x", allowed=[])
    ).endswith("（可用参数：无）。")
    assert (
        messages.describe(
            ValidationError("register.id_type", value="x", id_types=["resident_id", "passport"])
        )
        == "证件类型“x”无效，应为 居民身份证、普通护照（或其英文代码）之一。"
    )


def test_notices_survive_the_trip_to_a_worker_process_with_their_parameters():
    import pickle

    from idp.domain.errors import Notice, ValidationError

    notice = Notice.of(
        ValidationError(
            "import.default_scheme", "f", reason=ValidationError("scheme.unknown", name="x")
        )
    )
    assert pickle.loads(pickle.dumps(notice)) == notice
    assert notice.params["reason"] == Notice("scheme.unknown", name="x")
