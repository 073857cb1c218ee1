"""The authors' API fuzzed (see ``fuzzing.py``): the stateful phase follows the links on
``POST /submissions``, so the routes behind a submission's token are exercised with a real one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.fuzzing import ORGANIZERS, fuzz, fuzzed_stack

pytestmark = pytest.mark.slow

AUTHENTICATED = {
    "GET": r"/submissions/[a-z0-9]+",
    "PATCH": r"/submissions/[a-z0-9]+",
    "DELETE": r"/submissions/[a-z0-9]+",
    "POST": r"/submissions/[a-z0-9]+/upload-url",
}


def test_schemathesis_finds_nothing_in_the_authors_api(tmp_path: Path) -> None:
    stack = fuzzed_stack(tmp_path)
    try:
        served = fuzz(stack, tmp_path, "--exclude-path-regex", ORGANIZERS)
    finally:
        assert stack.stop() == 0, stack.output()[-4000:]
    for method, path in AUTHENTICATED.items():
        assert re.search(rf"{method} {path} -> 200", served), f"{method} {path} never answered 200"
    assert not re.search(r" /organizers", served), "the organizers' API is fuzzed in its own file"
