"""What a handler's import loads is what its cold start costs: each handler leaves out the heavy modules
its cold start does not need, and loads them on the code path that uses them. Counted in modules, never
timed (``cfp coldstart --artifact`` times them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache

import pytest

from tests.support.aws import FUNCTION_ENVIRONMENT, ROOT

FUNCTIONS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/app.py"))

_PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps(sorted(sys.modules)))
"""

# Loaded by no handler's import: e-mail validation (with dnspython) only where an address is validated.
NOWHERE = ("email_validator", "dns")
# Loaded only by the import of the handler that uses them on every invocation: the PDF libraries and the
# format check's extraction by the validator (it warms them up for its checks), the mail templates by the
# notifier.
ONLY = {
    "pikepdf": "validator",
    "pypdfium2": "validator",
    "cfp.formatcheck.extract": "validator",
    "jinja2": "notifier",
    "cfp.mail": "notifier",
}
# Each function's import leaves these out as well.
LEFT_OUT = {
    "deadline": ("cfp.store", "cfp.model", "cfp.events", "cfp.formatcheck", "cfp.keeper"),
    # Each room builds its service on the first request that needs it (``cfp.bootstrap``): the console, the
    # operations (whose reconciliation alone loads the validator's S3 event models), the authors' use cases
    # and the table's adapters load then, not at import.
    "api": (
        "cfp.keeper",
        "cfp.validation",
        "cfp.console",
        "cfp.operations",
        "cfp.submissions",
        "cfp.store",
        "cfp.bookkeeping_store",
    ),
    # Sign-in links are mailed through the sign-in records and the renderer, made on the first request.
    "signin": ("cfp.store", "cfp.signin_store", "cfp.model", "cfp.events"),
}


@cache
def _loaded(name: str) -> frozenset[str]:
    """The modules a fresh interpreter holds after importing the handler, as a cold start does."""
    environment = {**os.environ, **FUNCTION_ENVIRONMENT}
    output = subprocess.run(
        [sys.executable, "-c", _PROBE, str(ROOT / "functions" / name / "app.py")],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return frozenset(json.loads(output.stdout))


def _present(loaded: frozenset[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == p or m.startswith(p + ".") for p in packages))


def test_every_function_of_the_template_is_covered() -> None:
    assert set(LEFT_OUT) <= set(FUNCTIONS)
    assert {"api", "validator", "notifier", "deadline", "archiver", "signin"} <= set(FUNCTIONS)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_no_handler_loads_email_validation_at_import(name: str) -> None:
    assert _present(_loaded(name), NOWHERE) == []


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_pdf_and_mail_libraries_load_only_where_every_invocation_uses_them(name: str) -> None:
    assert _present(_loaded(name), tuple(p for p, user in ONLY.items() if user != name)) == []


@pytest.mark.parametrize("name", sorted(LEFT_OUT))
def test_each_handler_leaves_out_what_its_cold_start_does_not_use(name: str) -> None:
    assert _present(_loaded(name), LEFT_OUT[name]) == []
