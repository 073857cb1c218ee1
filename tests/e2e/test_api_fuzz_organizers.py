"""The organizers' API fuzzed (see ``fuzzing.py``) signed in as an organizer, beside the authors' API in a
file of its own: every sign-in answers after the same floor of a second, so this half waits a lot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.fuzzing import ORGANIZERS, fuzz, fuzzed_stack, organizer_session

pytestmark = pytest.mark.slow


def test_schemathesis_finds_nothing_in_the_organizers_api(tmp_path: Path) -> None:
    stack = fuzzed_stack(tmp_path)
    try:
        session = organizer_session(stack)
        # No link leads from one organizers' route to another, so there is no stateful phase to run.
        phases = ("--phases", "examples,coverage,fuzzing")
        served = fuzz(stack, tmp_path, "--include-path-regex", ORGANIZERS, *phases, organizer_session=session)
    finally:
        assert stack.stop() == 0, stack.output()[-4000:]
    for signed_in in (
        r"GET /organizers/submissions",
        r"POST /organizers/archives",
        r"GET /organizers/export",
    ):
        assert re.search(rf"{signed_in}\S* -> 2\d\d", served), (
            f"{signed_in} never answered a signed-in request"
        )
    assert not re.search(r" /submissions", served), "the authors' API is fuzzed in its own file"
