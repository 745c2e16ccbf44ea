"""The modules other code builds on keep type hints on every public function and method, so that mypy
(mypy.ini, run by .ci/run) checks their callers. Private helpers (a leading underscore) may go without."""

import ast
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _checked_files():
    config = configparser.ConfigParser()
    config.read(ROOT / "mypy.ini")
    return [ROOT / name.strip() for name in config["mypy"]["files"].split(",")]


def _untyped(path):
    tree = ast.parse(path.read_text())
    found = []

    def visit(node, owner=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef) and not child.name.startswith("_"):
                visit(child, f"{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and not child.name.startswith("_"):
                args = [*child.args.posonlyargs, *child.args.args, *child.args.kwonlyargs]
                if owner and args and args[0].arg in ("self", "cls"):
                    args = args[1:]
                missing = [a.arg for a in args if a.annotation is None]
                if missing or child.returns is None:
                    found.append(f"{path.relative_to(ROOT)}:{child.lineno} {owner}{child.name}")

    visit(tree)
    return found


def test_the_contracts_are_type_checked_files():
    names = {p.relative_to(ROOT).as_posix() for p in _checked_files()}
    assert {"hierarchy/access.py", "households/rules.py", "reports/workflow.py", "recaps/recaps.py"} <= names
    assert {"documents/exporters.py", "pkkdata/periods.py"} <= names


def test_every_public_function_of_the_contracts_has_type_hints():
    assert [name for path in _checked_files() for name in _untyped(path)] == []
