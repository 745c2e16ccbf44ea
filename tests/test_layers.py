"""The apps stand in one order, each importing only those below it (docs/ARCHITECTURE.md):

    pkkdata helpers < hierarchy < documents < jobs < households < onboarding < reports < recaps < demo < pkkdata top

This reads every module of ours (tests included, migrations excluded) and fails on an import of an app
above, or on an import of another app inside a function (a late import hides a cycle). The one
exception is ``AppConfig.ready()``, Django's place for registering with an app below (the exporter
registry of documents)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ORDER = ["hierarchy", "documents", "jobs", "households", "onboarding", "reports", "recaps", "demo"]
# pkkdata is the ground (helpers that import nothing of ours) and the top (URLs, the home page, the
# WSGI/ASGI entry points that compose everything).
PKKDATA_TOP = {"urls", "views", "wsgi", "asgi"}
TOP = len(ORDER) + 1


def _rank(module: str) -> int | None:
    """The layer of a dotted module name of ours, None for third-party and standard modules."""
    parts = module.split(".")
    if parts[0] == "tests":
        return TOP + 1
    if parts[0] == "pkkdata":
        return TOP if len(parts) > 1 and parts[1] in PKKDATA_TOP else 0
    if parts[0] in ORDER:
        return ORDER.index(parts[0]) + 1
    return None


def _app(module: str) -> str:
    """The app a module belongs to; pkkdata's ground and top count as two apps."""
    parts = module.split(".")
    if parts[0] == "pkkdata" and len(parts) > 1 and parts[1] in PKKDATA_TOP:
        return "pkkdata-top"
    return parts[0]


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _modules():
    for app in ["pkkdata", *ORDER, "tests"]:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield module.removesuffix(".__init__"), path


def _imports(tree: ast.Module, module: str, is_package: bool):
    """(imported module, line, inside which function or None) for every import of a module."""
    package = module if is_package else module.rpartition(".")[0]

    def walk(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno, function
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)] if child.level > 1 else base
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                for alias in child.names:
                    # "from pkkdata import views" imports the module pkkdata.views, not the package.
                    submodule = f"{target}.{alias.name}"
                    yield (submodule if _is_module(submodule) else target), child.lineno, function
            yield from walk(child, inner)

    yield from walk(tree, None)


def _violations():
    found = []
    for module, path in _modules():
        own = _rank(module)
        own_app = _app(module)
        tree = ast.parse(path.read_text(), filename=str(path))
        for target, line, function in _imports(tree, module, path.name == "__init__.py"):
            rank = _rank(target)
            if rank is None or _app(target) == own_app:
                continue
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if rank > own:
                found.append(f"{where} (an app above)")
            elif function is not None and not (path.name == "apps.py" and function == "ready"):
                found.append(f"{where} inside {function}() (a late import)")
    return found


def test_every_app_imports_only_apps_below_it_and_at_the_top_of_the_module():
    assert _violations() == []


def test_the_check_sees_an_upward_and_a_late_import():
    tree = ast.parse("from recaps import recaps\n\ndef f():\n    from hierarchy import access\n")
    found = list(_imports(tree, "households.views_browse", False))
    assert ("recaps.recaps", 1, None) in found and ("hierarchy.access", 4, "f") in found
    tree = ast.parse("from pkkdata import views, periods\n")
    assert {t for t, _line, _f in _imports(tree, "pkkdata.forms", False)} == {"pkkdata.views", "pkkdata.periods"}
    assert _app("pkkdata.views") != _app("pkkdata.forms")
    assert _rank("recaps.recaps") > _rank("households.views_browse") > _rank("hierarchy.access") > _rank("pkkdata.env")
    assert _rank("pkkdata.urls") > _rank("demo.seed")
