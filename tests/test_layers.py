"""The direction of imports between layers (docs: architecture.md, "Layers and the direction of
imports"): web → flows → protocol → domain ← adapters. Checked over the source with ``ast`` so
the rule holds as the code grows; an import inside a function counts like any other.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "idp"

# layer -> (forbidden module prefixes, forbidden names imported from flask)
RULES = {
    "domain": (("authlib", "idp.protocol", "idp.flows", "idp.web", "idp.admin", "flask_babel",
                "idp.messages"),
               {"request", "session", "g"}),
    "protocol": (("idp.flows", "idp.web", "idp.admin", "flask_babel", "idp.messages"), set()),
    "flows": (("idp.web", "idp.admin"), set()),
    "adapters": (("idp.web", "idp.flows", "idp.protocol", "idp.admin"), set()),
}
# Known, deliberate exceptions: (file, forbidden prefix) -> why.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(path: Path):
    """(imported module, names imported from it, line) for every import in the file."""
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, set(), node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path.name == "__init__.py", node)
            names = {a.name for a in node.names}
            yield target, names, node.lineno
            # ``from idp import web`` imports the module idp.web
            for name in names:
                yield f"{target}.{name}", set(), node.lineno


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def violations(layer: str) -> list[str]:
    forbidden_modules, forbidden_flask = RULES[layer]
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for target, names, line in imports(path):
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            for prefix in forbidden_modules:
                excepted = (str(path.relative_to(PACKAGE.parent)), prefix) in EXCEPTIONS
                if _under(target, prefix) and not excepted:
                    found.append(f"{where} imports {target} ({layer} must not import {prefix})")
            if target == "flask" and names & forbidden_flask:
                found.append(f"{where} imports flask.{'/'.join(sorted(names & forbidden_flask))}"
                             f" ({layer} must not depend on the request context)")
    return found


@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_imports_point_inwards(layer):
    assert (PACKAGE / layer).is_dir()
    assert violations(layer) == []


def test_authlib_lives_only_in_protocol():
    """architecture.md: "protocol/ is where Authlib lives, and only there"."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if _under(_module_name(path), "idp.protocol"):
            continue
        for target, _names, line in imports(path):
            if _under(target, "authlib"):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert found == []


def test_the_checker_sees_relative_and_aliased_imports(tmp_path, monkeypatch):
    """The rule is only as good as its parser: relative imports resolve to absolute names."""
    fake = tmp_path / "idp" / "domain"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "bad.py").write_text("from ..web import forms\nfrom flask import g as ctx\n"
                                 "def f():\n    import authlib.oauth2\n")
    monkeypatch.setitem(globals(), "PACKAGE", tmp_path / "idp")
    found = violations("domain")
    assert any("imports idp.web" in v for v in found)
    assert any("flask.g" in v for v in found)
    assert any("imports authlib.oauth2" in v for v in found)


def test_every_exception_is_still_needed():
    for file, prefix in EXCEPTIONS:
        path = PACKAGE.parent / file
        assert any(_under(target, prefix) for target, _n, _l in imports(path)), \
            f"{file} no longer imports {prefix}: drop it from EXCEPTIONS"


# The request is the transaction (idp/domain/transaction.py): only the edges commit.
UNIT_OF_WORK_LAYERS = ("domain", "protocol", "flows")
ENDINGS = {"commit", "rollback"}
# (file) -> why it may end the transaction itself
UNIT_OF_WORK_EXCEPTIONS = {
    "idp/domain/transaction.py": "the edges' commit and rollback live here",
}


def transaction_endings(path: Path, root: Path | None = None) -> list[str]:
    """``session.commit()``, ``db.session.rollback()``, ``transaction.commit()``... in a file:
    calls that end the unit of work. A commit callable handed in by the edge (the batch
    imports' ``commit``) and other connections (``legacy_files``' own SQLite index) are not."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ENDINGS):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if name in ("session", "transaction"):
            found.append(f"{path.relative_to(root or PACKAGE.parent)}:{node.lineno} "
                         f"{name}.{node.func.attr}()")
    return found


@pytest.mark.parametrize("layer", UNIT_OF_WORK_LAYERS)
def test_the_request_is_the_transaction(layer):
    """Issue 10 item 1: domain, protocol and flows flush and never commit or roll back; the
    request and CLI edges do (``idp/web/__init__.py``, ``idp/cli.py``)."""
    found = [hit for path in sorted((PACKAGE / layer).rglob("*.py"))
             if str(path.relative_to(PACKAGE.parent)) not in UNIT_OF_WORK_EXCEPTIONS
             for hit in transaction_endings(path)]
    assert found == []


def test_the_transaction_checker_sees_commits(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(db, transaction, self):\n    db.session.commit()\n"
                   "    transaction.rollback()\n    self.commit()\n")
    assert [hit.split(" ", 1)[1] for hit in transaction_endings(bad, root=tmp_path)] == [
        "session.commit()", "transaction.rollback()"]


@pytest.mark.parametrize("layer", ["domain", "protocol"])
def test_domain_and_protocol_never_import_flask_babel_nor_the_words(layer):
    """Issue 10, item 5: errors are codes; their words (idp/messages.py) and translations
    (Flask-Babel, the web layer) stay outside the domain and the protocol."""
    found = [f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}"
             for path in sorted((PACKAGE / layer).rglob("*.py"))
             for target, _names, line in imports(path)
             if _under(target, "flask_babel") or _under(target, "idp.messages")]
    assert found == []
