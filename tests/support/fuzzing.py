"""API fuzzing: schemathesis runs every check it has against ``cfp local`` and must find nothing.

Every operation is fuzzed from ``openapi.json`` (coverage, fuzzing and stateful phases), the authors' API
and the organizers' API each in a file of its own so the two halves run side by side. Two checks are left
out, each for a reason that is part of the design, not a defect:

- ``ignored_auth`` takes a token carried forward by a link for a generated one and expects it refused; the
  handler tests prove that a missing or wrong token gets 401 on every route.
- ``use_after_free`` expects 404 after ``DELETE``; withdrawing keeps the record readable by its authors.

The run is bounded (a few examples per operation, a fixed seed); run it alone, or with another seed, with
``./dev test tests/e2e/test_api_fuzz*.py`` (``CFP_FUZZ_SEED=n``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from tests.support.running import RunningStack
from tests.support.stories import parse, text_of

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# The organizers' routes; every other operation in openapi.json is the authors' API.
ORGANIZERS = "^/organizers"


def fuzzed_stack(workdir: Path) -> RunningStack:
    """A stack with a call open for a month and no hourly limits: the fuzzer opens hundreds of submissions
    from one address and client, and the limits (which have tests of their own) would only turn its
    creations into 429s."""
    deadline = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()
    no_limits = [
        "--param",
        "MaxSubmissionsPerClientPerHour=0",
        "--param",
        "MaxMailsPerMailboxPerHour=0",
    ]
    return RunningStack(workdir, "--deadline", deadline, *no_limits)


def organizer_session(stack: RunningStack) -> str:
    """A session cookie's value, got as an organizer gets it: a sign-in link mailed, then redeemed."""
    environments = requests.get(f"{stack.api}/_local/resources", timeout=30).json()["environments"]
    organizer = environments["ApiFunction"]["ORGANIZER_EMAILS"].split(",")[0].strip()
    asked = requests.post(f"{stack.api}/organizers/sign-in", json={"email": organizer}, timeout=30)
    assert asked.status_code == 202, asked.text
    stack.settle()
    mail = parse(stack.await_mail("Sign in", timeout=30))
    secret = re.search(r"#signin=(\S+)", text_of(mail))
    assert secret, text_of(mail)
    session = requests.post(f"{stack.api}/organizers/session", json={"secret": secret.group(1)}, timeout=30)
    assert session.status_code == 200, session.text
    cookie = session.cookies.get("cfp_organizer")
    assert cookie, session.headers
    return cookie


def fuzz(
    stack: RunningStack,
    workdir: Path,
    *selection: str,
    organizer_session: str = "",
    path_parameters: dict[str, str] | None = None,
) -> str:
    """Run schemathesis on the operations ``selection`` picks, signed in as an organizer when given a
    session; what the stack served while it ran, once schemathesis found nothing and no answer was a 5xx.

    The session goes to schemathesis as the value of the API's ``organizerSession`` security scheme, so
    its negative tests still send requests without it and expect them refused. ``path_parameters`` name
    records that exist (a submission, an archive job), so routes behind an id reach their records."""
    assert SCHEMATHESIS.exists(), f"schemathesis is not installed next to {sys.executable}: run ./dev test"
    config = workdir / "schemathesis.toml"
    lines = ["[auth.openapi.organizerSession]", 'api_key = "${CFP_ORGANIZER_SESSION}"', "[parameters]"]
    lines += [f'"path.{name}" = "{value}"' for name, value in (path_parameters or {}).items()]
    config.write_text("\n".join(lines) + "\n")
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{stack.api}/openapi.json",
        *selection,
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
    environment = {**os.environ, "CFP_ORGANIZER_SESSION": organizer_session}
    before = len(stack.output())
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=workdir, env=environment
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-12000:]
    assert re.search(r"\d+ generated, \d+ passed", report), report[-4000:]
    assert not re.search(r" -> 5\d\d ", stack.output()), "the API answered 5xx"
    return stack.output()[before:]
