"""The sign-in's web modules (issue 10, items 3 and 4): no import circles between them, no
private names imported across them, no page module that changes the steps at import."""
from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "idp" / "web"
MODULES = ("interaction", "supplement", "supplement_flow", "supplement_org", "supplement_org_form",
           "org_binding", "org_registration", "registration", "handler_binding", "code_flow",
           "login", "sign_in")


def _imports(name: str) -> list[tuple[str, set[str]]]:
    """(sibling web module, names imported from it) for every relative import of ``name``."""
    tree = ast.parse((WEB / f"{name}.py").read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = {a.name for a in node.names}
            if node.module:
                found.append((node.module, names))
            else:  # from . import a, b
                found.extend((n, set()) for n in names)
    return found


def test_no_private_names_imported_across_the_sign_in_modules():
    private = [(m, target, n) for m in MODULES for target, names in _imports(m)
               for n in names if n.startswith("_")]
    assert private == []


def test_no_import_circle_between_the_sign_in_modules():
    graph = {m: {t for t, _ in _imports(m) if t in MODULES} for m in MODULES}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph[start]:
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    assert [m for m in MODULES if reaches(m, m, {m})] == []


def test_no_page_module_changes_the_steps():
    for path in WEB.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "insert_step" not in text and "STEPS" not in text.replace("policy.STEPS``", ""), \
            path.name
