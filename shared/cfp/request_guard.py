"""Checks on a request's raw body that no model can make: its size in bytes, its nesting, and text that
cannot be stored.

API Gateway hands the body over as text (or as base64 for a binary type), so counting its characters
undercounts: 16,000 emoji are 64,000 bytes. JSON can carry a lone surrogate (``"\\ud800"``), which Python
reads into a string that no UTF-8 encoder (DynamoDB's, SES's, the CSV's) accepts; it is refused as a field
error with every other one, before any limit is spent. A JSON parser recurses once per bracket, so a few
kilobytes of ``[[[[...`` would exhaust Python's stack (a ``RecursionError``, not a ``ValueError``: a 500)
wherever the body is parsed; its depth is measured without parsing and a body nested deeper than any the
API takes is refused as a field error on ``body``, before anything parses it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

# The API's limit on one request body, in bytes.
MAX_REQUEST_BYTES = 64 * 1024
# The deepest body the API reads: its bodies nest three levels (a submission's authors); far below the
# depth at which parsing exhausts the stack.
MAX_NESTING = 32
TOO_DEEP = f"the body nests too deeply (at most {MAX_NESTING} levels)"
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def body_bytes(event: dict[str, Any]) -> int:
    """The size in bytes of the body the client sent."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return len(base64.b64decode(body, validate=True))
        except (binascii.Error, ValueError):
            return len(body)
    return len(body.encode("utf-8", "surrogatepass"))


def body_problems(event: dict[str, Any]) -> list[dict[str, str]]:
    """Every field problem of the body no model can see (too deep, or text that is not valid Unicode), as
    the API's ``fields``; [] for a body that has none, or is not JSON (the routes refuse that themselves)."""
    body = _text(event)
    if too_deep(body):
        return [{"field": "body", "problem": TOO_DEEP}]
    return [{"field": name, "problem": UNENCODABLE} for name in unencodable_fields(body)]


def _text(event: dict[str, Any]) -> str:
    """The body as the routes will read it (a base64 body decoded)."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return body
    return str(body)


def too_deep(body: str) -> bool:
    """Whether the brackets of ``body`` outside its strings nest deeper than ``MAX_NESTING``. Counted up to an
    unterminated string, as far as a parser would read; the work is a few regular-expression passes."""
    if body.count("[") + body.count("{") <= MAX_NESTING:
        return False
    outside = _STRING.sub("", body).partition('"')[0]
    depth = 0
    for bracket in _NOT_BRACKET.sub("", outside):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_NESTING:
            return True
    return False


def encodable(value: str) -> bool:
    """Whether ``value`` is text UTF-8 can carry (no lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


UNENCODABLE = "must be valid Unicode text: a lone surrogate (such as \\ud800) cannot be stored"


def unencodable_fields(body: str | None) -> list[str]:
    """The dotted path of every string in a JSON body (a key or a value) that is not valid Unicode text;
    [] for a body that is not JSON, which the routes refuse on their own."""
    if not body:
        return []
    try:
        document = json.loads(body)
    except ValueError:
        return []
    found: list[str] = []
    _walk(document, [], found)
    return found


def _walk(value: Any, path: list[str], found: list[str]) -> None:
    if isinstance(value, str):
        if not encodable(value):
            found.append(".".join(path) or "body")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, [*path, str(index)], found)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not encodable(key):
                found.append(".".join(path) or "body")
                continue
            _walk(item, [*path, key], found)
