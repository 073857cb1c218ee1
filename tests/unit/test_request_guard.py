"""A body's nesting is measured without parsing it: brackets inside strings do not count, escaped quotes
do not end a string, and an unterminated string ends what a parser would read."""

from __future__ import annotations

import json

from cfp.request_guard import MAX_NESTING, too_deep


def test_nesting_is_counted_outside_strings() -> None:
    assert not too_deep(json.dumps([[[0]]] * 100))
    assert not too_deep("[" * MAX_NESTING + "]" * MAX_NESTING)
    assert too_deep("[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1))
    assert too_deep("{" + '"a":[' * MAX_NESTING + "0" + "]" * MAX_NESTING + "}")
    assert not too_deep(json.dumps({"title": "[{" * 500, "quote": 'a "[[[[" b\\'}))
    assert too_deep(json.dumps('\\"') + "[" * 100)
    assert not too_deep('{"open": "' + "[" * 100)  # the parser stops at the unterminated string
    assert too_deep("[" * 100 + '"')
