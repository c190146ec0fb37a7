"""The direction of imports between layers (docs: architecture.md, "Layers and the direction of
imports"): web → flows → protocol → domain ← adapters. Checked over the source with ``ast`` so
the rule holds as the code grows; an import inside a function counts like any other. Also
here (issue 10, item 4): no import circles among the modules of idp, no private name used across
modules, and the place of the coming ``idp/admin`` package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "idp"

# layer -> (forbidden module prefixes, forbidden names imported from flask)
RULES = {
    "domain": (
        (
            "authlib",
            "idp.protocol",
            "idp.flows",
            "idp.web",
            "idp.admin",
            "flask_babel",
            "idp.messages",
        ),
        {"request", "session", "g"},
    ),
    "protocol": (("idp.flows", "idp.web", "idp.admin", "flask_babel", "idp.messages"), set()),
    "flows": (("idp.web", "idp.admin"), set()),
    "adapters": (("idp.web", "idp.flows", "idp.protocol", "idp.admin"), set()),
}
# Known, deliberate exceptions: (file, forbidden prefix) -> why.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def _module_name(path: Path, package: Path | None = None) -> str:
    parts = path.relative_to((package or PACKAGE).parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(path: Path, package: Path | None = None):
    """(imported module, names imported from it, line) for every import in the file."""
    module = _module_name(path, package)
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
                found.append(
                    f"{where} imports flask.{'/'.join(sorted(names & forbidden_flask))}"
                    f" ({layer} must not depend on the request context)"
                )
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
    (fake / "bad.py").write_text(
        "from ..web import forms\nfrom flask import g as ctx\ndef f():\n    import authlib.oauth2\n"
    )
    monkeypatch.setitem(globals(), "PACKAGE", tmp_path / "idp")
    found = violations("domain")
    assert any("imports idp.web" in v for v in found)
    assert any("flask.g" in v for v in found)
    assert any("imports authlib.oauth2" in v for v in found)


def test_every_exception_is_still_needed():
    for file, prefix in EXCEPTIONS:
        path = PACKAGE.parent / file
        assert any(_under(target, prefix) for target, _n, _l in imports(path)), (
            f"{file} no longer imports {prefix}: drop it from EXCEPTIONS"
        )


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
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ENDINGS
        ):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if name in ("session", "transaction"):
            found.append(
                f"{path.relative_to(root or PACKAGE.parent)}:{node.lineno} "
                f"{name}.{node.func.attr}()"
            )
    return found


@pytest.mark.parametrize("layer", UNIT_OF_WORK_LAYERS)
def test_the_request_is_the_transaction(layer):
    """Issue 10 item 1: domain, protocol and flows flush and never commit or roll back; the
    request and CLI edges do (``idp/web/__init__.py``, ``idp/cli/common.py``)."""
    found = [
        hit
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        if str(path.relative_to(PACKAGE.parent)) not in UNIT_OF_WORK_EXCEPTIONS
        for hit in transaction_endings(path)
    ]
    assert found == []


def test_the_transaction_checker_sees_commits(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def f(db, transaction, self):\n    db.session.commit()\n"
        "    transaction.rollback()\n    self.commit()\n"
    )
    assert [hit.split(" ", 1)[1] for hit in transaction_endings(bad, root=tmp_path)] == [
        "session.commit()",
        "transaction.rollback()",
    ]


# No import circles among the modules of idp (issue 10, item 4), counting imports inside
# functions like any other: a circle hidden in a function still ties the two modules together.
# Imports under ``if TYPE_CHECKING:`` are not counted (they never run).


def module_files(root: Path | None = None) -> dict[str, Path]:
    package = root or PACKAGE
    return {_module_name(path, package): path for path in sorted(package.rglob("*.py"))}


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def import_graph(root: Path | None = None) -> dict[str, dict[str, int]]:
    """module -> {idp module it imports at run time: line}. ``from pkg import name`` counts as
    importing ``pkg.name`` when that is a module, else ``pkg``."""
    files = module_files(root)
    graph: dict[str, dict[str, int]] = {}
    for module, path in files.items():
        edges = graph.setdefault(module, {})
        stack: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"), filename=str(path))]
        while stack:
            node = stack.pop()
            if _type_checking(node):
                stack.extend(node.orelse)  # type: ignore[attr-defined]
                continue
            stack.extend(ast.iter_child_nodes(node))
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, path.name == "__init__.py", node)
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names
                ]
            else:
                continue
            for target in targets:
                if target in files and target != module:
                    edges[target] = min(edges.get(target, node.lineno), node.lineno)
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The groups of two or more modules that import each other, directly or around a circle
    (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def describe_cycle(graph: dict[str, dict[str, int]], group: list[str]) -> str:
    """One circle through the group, with the line of each import: ``a -> b (line 3) -> a``."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node]):
            if target == start:
                path = paths[node] + [start]
                return " -> ".join(
                    path[0] if i == 0 else f"{step} (line {graph[path[i - 1]][step]})"
                    for i, step in enumerate(path)
                )
            if target in members and target not in paths:
                paths[target] = paths[node] + [target]
                queue.append(target)
    return " <-> ".join(group)


def test_no_import_cycles_among_idp_modules():
    """Issue 10 item 4: every circle found is reported as one path of imports, with lines."""
    graph = import_graph()
    found = [describe_cycle(graph, group) for group in strongly_connected(graph)]
    assert found == []


def test_the_cycle_checker_sees_function_level_imports(tmp_path):
    fake = tmp_path / "idp"
    (fake / "web").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "web" / "__init__.py").write_text("")
    (fake / "web" / "a.py").write_text("from . import b\n")
    (fake / "web" / "b.py").write_text("def f():\n    from .c import thing\n")
    (fake / "web" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nimport idp.web.a\n"
        "if TYPE_CHECKING:\n    from . import d\n"
    )
    (fake / "web" / "d.py").write_text("from .c import x\n")
    graph = import_graph(fake)
    assert strongly_connected(graph) == [["idp.web.a", "idp.web.b", "idp.web.c"]]
    assert describe_cycle(graph, ["idp.web.a", "idp.web.b", "idp.web.c"]) == (
        "idp.web.a -> idp.web.b (line 1) -> idp.web.c (line 2) -> idp.web.a (line 2)"
    )


# No module uses a private (``_underscore``) name of another module of idp: what two modules
# share is public, named without the underscore (issue 10, item 4).


def private_uses(root: Path | None = None) -> list[str]:
    """``from idp.x import _name`` and ``x._name`` (x an imported idp module or name) in every
    module of idp, with file and line."""
    package = root or PACKAGE
    files = module_files(package)
    found = []
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        imported: set[str] = set()
        where = path.relative_to(package.parent)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = _resolve(module, path.name == "__init__.py", node)
                if not _under(base, "idp"):
                    continue
                for alias in node.names:
                    imported.add(alias.asname or alias.name)
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{where}:{node.lineno} imports {base}.{alias.name}")
            elif isinstance(node, ast.Import):
                imported.update(
                    (a.asname or a.name).split(".")[0] for a in node.names if _under(a.name, "idp")
                )
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                found.append(f"{where}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_no_module_uses_a_private_name_of_another():
    assert private_uses() == []


def test_the_private_name_checker_sees_imports_and_attributes(tmp_path):
    fake = tmp_path / "idp"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "a.py").write_text("_hidden = 1\n")
    (fake / "b.py").write_text(
        "from .a import _hidden\nfrom . import a\nfrom __future__ import "
        "annotations\nfrom flask_babel import gettext as _\n"
        "x = a._hidden + a.__name__.__len__()\n"
    )
    assert private_uses(fake) == ["idp/b.py:1 imports idp.a._hidden", "idp/b.py:5 uses a._hidden"]


# The back-office package, idp/admin (issue 12): it stands on the same layers as the web pages
# (domain, protocol, flows, adapters, services, extensions, and the words of idp.messages),
# never on the web package, and nothing in idp imports it but the app factory (idp/__init__.py),
# which registers its blueprint. Checked now, so the rule holds from its first module.
ADMIN = "idp.admin"
ADMIN_MAY_IMPORT = (
    "idp.domain",
    "idp.protocol",
    "idp.flows",
    "idp.adapters",
    "idp.services",
    "idp.extensions",
    "idp.messages",  # the words of the domain's error codes, shown by its pages
    ADMIN,
)
# the one module outside idp/admin that imports it: the app factory registers its blueprint
ADMIN_IMPORTED_BY = {"idp"}


def admin_violations(root: Path | None = None) -> list[str]:
    package = root or PACKAGE
    found = []
    for module, path in module_files(package).items():
        inside = _under(module, ADMIN)
        where = path.relative_to(package.parent)
        for target, _names, line in imports(path, package):
            if not _under(target, "idp"):
                continue
            if inside and not any(_under(target, ok) for ok in ADMIN_MAY_IMPORT):
                found.append(
                    f"{where}:{line} imports {target} (idp.admin may import only "
                    f"{', '.join(ADMIN_MAY_IMPORT[:-1])})"
                )
            if not inside and module not in ADMIN_IMPORTED_BY and _under(target, ADMIN):
                found.append(f"{where}:{line} imports {target} (nothing in idp imports idp.admin)")
    return found


def test_the_admin_package_uses_the_inner_layers_and_nothing_imports_it():
    assert admin_violations() == []


def test_the_admin_checker_sees_both_directions(tmp_path):
    fake = tmp_path / "idp"
    (fake / "admin").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "admin" / "__init__.py").write_text(
        "from ..domain import accounts\nfrom . import views\n"
    )
    (fake / "admin" / "views.py").write_text("def f():\n    from ..web import forms\n")
    (fake / "cli.py").write_text("from .admin import views\n")
    assert sorted(admin_violations(fake)) == [
        "idp/admin/views.py:2 imports idp.web (idp.admin may import only idp.domain, "
        "idp.protocol, idp.flows, idp.adapters, idp.services, idp.extensions, idp.messages)",
        "idp/admin/views.py:2 imports idp.web.forms (idp.admin may import only idp.domain, "
        "idp.protocol, idp.flows, idp.adapters, idp.services, idp.extensions, idp.messages)",
        "idp/cli.py:1 imports idp.admin (nothing in idp imports idp.admin)",
        "idp/cli.py:1 imports idp.admin.views (nothing in idp imports idp.admin)",
    ]


@pytest.mark.parametrize("layer", ["domain", "protocol"])
def test_domain_and_protocol_never_import_flask_babel_nor_the_words(layer):
    """Issue 10, item 5: errors are codes; their words (idp/messages.py) and translations
    (Flask-Babel, the web layer) stay outside the domain and the protocol."""
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for target, _names, line in imports(path)
        if _under(target, "flask_babel") or _under(target, "idp.messages")
    ]
    assert found == []


# Issue 10, item 4: packages by capability. The top of idp/domain and of idp/web holds only what
# every package there stands on; a new module goes into the package of its capability.
HOUSE = {
    "domain": {
        "__init__",
        "errors",
        "ports",
        "transaction",
        "vocab",
        "purposes",
        "crypto",
        "rekey",
        "keycheck",
        "storable_text",
    },
    "web": {
        "__init__",
        "errors",
        "hostile",
        "locale",
        "forms",
        "messages",
        "client_ip",
        "code_flow",
        "divisions",
        "dev",
    },
}


@pytest.mark.parametrize("layer", sorted(HOUSE))
def test_domain_and_web_keep_only_the_house_at_their_top(layer):
    top = {path.stem for path in (PACKAGE / layer).glob("*.py")}
    assert top - HOUSE[layer] == set(), "put these modules into the package of their capability"
    packages = {path.parent.name for path in (PACKAGE / layer).glob("*/__init__.py")}
    undocumented = [
        name
        for name in packages
        if not ast.get_docstring(
            ast.parse((PACKAGE / layer / name / "__init__.py").read_text(encoding="utf-8"))
        )
    ]
    assert undocumented == [], "each package's __init__ says what it owns"
