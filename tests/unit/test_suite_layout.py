"""The tests share code through ``tests/support`` only: no test module or conftest imports another test
module or a conftest, so moving or deleting one test file never breaks another."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def imports_outside_support(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names = [f"{'.' * node.level}{node.module or ''}"]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith(".") or (name.startswith("tests.") and not name.startswith("tests.support")):
                found.append(f"{path.relative_to(TESTS.parent)}:{node.lineno} imports {name}")
    return found


def test_only_the_support_modules_are_imported_across_test_files() -> None:
    found = [line for path in sorted(TESTS.rglob("*.py")) for line in imports_outside_support(path)]
    assert found == [], "move what is shared into tests/support:\n" + "\n".join(found)


def test_the_support_modules_hold_no_tests_or_fixtures() -> None:
    for path in sorted((TESTS / "support").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
        assert not [f.name for f in functions if f.name.startswith("test_")], path
        fixtures = [
            f.name for f in functions for decorator in f.decorator_list if "fixture" in ast.unparse(decorator)
        ]
        assert fixtures == [], f"{path.name}: fixtures belong in a conftest.py: {fixtures}"
