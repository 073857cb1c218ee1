"""API fuzzing: schemathesis runs every check it has against ``cfp local`` and must find nothing.

Every operation is fuzzed from ``openapi.json`` (coverage, fuzzing and stateful phases); the stateful phase
follows the links on ``POST /submissions``, so the routes behind a token are exercised with a real one.
Two checks are left out, each for a reason that is part of the design, not a defect:

- ``ignored_auth`` takes a token carried forward by a link for a generated one and expects it refused; the
  handler tests prove that a missing or wrong token gets 401 on every route.
- ``use_after_free`` expects 404 after ``DELETE``; withdrawing keeps the record readable by its authors.

The run is bounded (a few examples per operation, a fixed seed) so it takes well under a minute; run it
alone, or with another seed, with ``./dev test tests/e2e/test_api_fuzz.py`` (``CFP_FUZZ_SEED=n``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.infra.running import RunningStack

pytestmark = pytest.mark.slow

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
AUTHENTICATED = {
    "GET": r"/submissions/[a-z0-9]+",
    "PATCH": r"/submissions/[a-z0-9]+",
    "DELETE": r"/submissions/[a-z0-9]+",
    "POST": r"/submissions/[a-z0-9]+/upload-url",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    deadline = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()
    # The fuzzer opens hundreds of submissions from one address and client; the hourly limits have tests of
    # their own, and here they would only turn its creations into 429s.
    no_limits = [
        "--param",
        "MaxSubmissionsPerClientPerHour=0",
        "--param",
        "MaxSubmissionsPerContactPerHour=0",
    ]
    running = RunningStack(tmp_path_factory.mktemp("fuzz"), "--deadline", deadline, *no_limits)
    try:
        yield running
    finally:
        assert running.stop() == 0, running.output()[-4000:]


def test_schemathesis_finds_nothing(stack: RunningStack, tmp_path: Path) -> None:
    assert SCHEMATHESIS.exists(), f"schemathesis is not installed next to {sys.executable}: run ./dev test"
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{stack.api}/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        "ignored_auth,use_after_free",
        "--max-examples",
        "5",
        "--seed",
        os.environ.get("CFP_FUZZ_SEED", "1"),
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--no-color",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-12000:]
    assert re.search(r"\d+ generated, \d+ passed", report), report[-4000:]
    served = stack.output()
    for method, path in AUTHENTICATED.items():
        assert re.search(rf"{method} {path} -> 200", served), f"{method} {path} never answered 200"
    assert not re.search(r" -> 5\d\d ", served), "the API answered 5xx"
