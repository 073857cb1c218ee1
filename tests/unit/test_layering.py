"""Data moves one way: the core never imports an adapter, ``wiring`` or boto3; adapters never import a
handler. A module that breaks this fails here, named."""

from __future__ import annotations

import ast
from pathlib import Path

CFP = Path(__file__).resolve().parents[2] / "shared" / "cfp"
ADAPTERS = {
    "cfp.store",
    "cfp.uploads",
    "cfp.queues",
    "cfp.sealing",
    "cfp.mailer",
    "cfp.batches",
    "cfp.secrets",
}
OUTSIDE = {"cfp.wiring", "boto3", "botocore"}
CORE = [
    "submissions",
    "validation",
    "keeper",
    "notifications",
    "model",
    "deadline",
    "events",
    "errors",
    "ports",
    "clock",
    "settings",
    "call",
    "rejudge",
    "console",
    "archive",
    "signin",
    "sessions",
]


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
            n for n in imported(CFP / f"{module}.py") if n in ADAPTERS | OUTSIDE or n.split(".")[0] in OUTSIDE
        )
        for module in CORE
        if (CFP / f"{module}.py").exists()
    }
    assert {m: names for m, names in offenders.items() if names} == {}
    for folder in ("mail", "formatcheck"):
        for path in (CFP / folder).glob("*.py"):
            assert not imported(path) & (ADAPTERS | OUTSIDE), path
