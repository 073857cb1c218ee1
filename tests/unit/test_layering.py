"""Data moves one way: the core never imports an adapter, ``wiring``, the API's rooms or boto3; adapters
never import a handler. A module that breaks this fails here, named."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CFP = ROOT / "shared" / "cfp"
# The modules that speak to AWS (or hold the table's item layout), and the composition root that makes them.
ADAPTERS = {
    "cfp.store",
    "cfp.table_items",
    "cfp.submission_items",
    "cfp.bookkeeping_store",
    "cfp.final_store",
    "cfp.review_store",
    "cfp.decision_store",
    "cfp.release_store",
    "cfp.job_store",
    "cfp.signin_store",
    "cfp.program_store",
    "cfp.mail_counts",
    "cfp.uploads",
    "cfp.queues",
    "cfp.sealing",
    "cfp.mailer",
    "cfp.batches",
    "cfp.secrets",
    "cfp.suppression_store",
    "cfp.ses_feedback",
}
COMPOSITION = {"cfp.adapters", "cfp.bootstrap", "cfp.wiring"}
OUTSIDE = COMPOSITION | {"boto3", "botocore"}
# Every other module of cfp is the core: the rules, the use cases and the ports they need.
CORE = sorted(
    path.stem
    for path in CFP.glob("*.py")
    if path.stem != "__init__" and f"cfp.{path.stem}" not in ADAPTERS | COMPOSITION
)
# Past this many lines a module does more than one job; the PDF measurement reads better whole.
MOST_LINES = 400
LONGER_ON_PURPOSE = {"formatcheck/extract.py"}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_core_imports_no_adapter() -> None:
    offenders = {
        module: sorted(
            n
            for n in imported(CFP / f"{module}.py")
            if n in ADAPTERS | OUTSIDE or n.split(".")[0] in OUTSIDE or n.startswith("cfp.api")
        )
        for module in CORE
        if (CFP / f"{module}.py").exists()
    }
    assert {m: names for m, names in offenders.items() if names} == {}
    for folder in ("mail", "formatcheck"):
        for path in (CFP / folder).glob("*.py"):
            assert not imported(path) & (ADAPTERS | OUTSIDE), path


def _module_name(path: Path) -> str:
    parts = path.relative_to(CFP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Each cfp module and the cfp modules it imports (type-only imports too: a cycle is a cycle)."""
    paths = {_module_name(path): path for path in CFP.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                edges |= {alias.name for alias in node.names if alias.name in paths}
            elif isinstance(node, ast.ImportFrom) and node.module in paths:
                submodules = {f"{node.module}.{alias.name}" for alias in node.names} & paths.keys()
                edges |= submodules or {node.module}
        graph[module] = edges - {module}
    return graph


def test_no_module_of_cfp_imports_itself_through_others() -> None:
    graph = _import_graph()
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        for imported_module in sorted(graph[module]):
            if imported_module in trail:
                cycles.append([*trail[trail.index(imported_module) :], imported_module])
            elif imported_module not in done:
                visit(imported_module, [*trail, imported_module])
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert cycles == []


def test_no_module_of_the_product_does_many_jobs() -> None:
    """Every source file the functions ship (Python, and the pages' scripts) stays under ``MOST_LINES``."""
    sources = [*CFP.rglob("*.py"), *CFP.rglob("*.js"), *(ROOT / "functions").rglob("*.py")]
    too_long = {
        str(path.relative_to(CFP if path.is_relative_to(CFP) else ROOT)): lines
        for path in sources
        if (lines := len(path.read_text().splitlines())) > MOST_LINES
    }
    assert {name: n for name, n in too_long.items() if name not in LONGER_ON_PURPOSE} == {}
