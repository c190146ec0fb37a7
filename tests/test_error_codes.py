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
CODED = {"DomainError", "ValidationError", "Conflict", "Refused", "CodeRefused", "WrongCode",
         "CodeExpired", "TooManyTries", "DeliveryFailed", "SendLimited", "IdentityMismatch",
         "AppealInvalid", "UnsafeRequest", "InvalidLogoutRequest"}
# (RealNameUnavailable and EnterpriseUnavailable take a detail for the log; their code is fixed)


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts and path.name != "messages.py":
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "code"`` assignments (``S3_MESSAGE = "person.taken"``)."""
    found = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
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
    return {node.value for _, tree in _sources() for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and CODE.fullmatch(node.value)}


def test_every_raised_code_has_words():
    codes = raised_codes()
    assert len(codes) > 120  # the finder sees the raise sites
    missing = {code: where for code, where in codes.items() if code not in messages.MESSAGES}
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
    sentences = [*messages.MESSAGES.values(), *messages.LABELS.values(), messages.LIST_SEPARATOR]
    untranslated = [s for s in sentences
                    if s not in catalogue or not catalogue[s].string or catalogue[s].fuzzy]
    assert not untranslated, untranslated


def test_the_finder_sees_literals_constants_and_conditional_codes(tmp_path):
    tree = ast.parse('TAKEN = "x.taken"\n'
                     'def f(a):\n'
                     '    raise Conflict(TAKEN)\n'
                     '    raise ValidationError("x.one" if a else "x.two", "f")\n')
    constants = _constants(tree)
    assert constants == {"TAKEN": "x.taken"}
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert {getattr(c.func, "id", None) for c in calls} <= CODED


def test_words_format_params_labels_lists_and_nested_errors():
    from idp.domain.errors import ValidationError
    assert messages.words("code.wrong", {"left": 3}) == "验证码错误，还可尝试 3 次。"
    assert messages.describe(ValidationError("name.no_letter", label="rep_name")) == \
        "法定代表人姓名应包含文字，不能只有数字或符号。"
    assert messages.describe(ValidationError("password.classes", missing=["upper", "digit"])) \
        .endswith("当前缺少：大写字母、数字。")
    nested = ValidationError("register.agency_uscc", reason=ValidationError("uscc.missing"))
    assert messages.describe(nested) == "所属机构的请填写统一社会信用代码。"
    assert messages.describe("phone.taken") == "该手机号码已被其他账号使用。"
