"""Checks on a request's raw body that no model can make: its size in bytes, and text that cannot be stored.

API Gateway hands the body over as text (or as base64 for a binary type), so counting its characters
undercounts: 16,000 emoji are 64,000 bytes. JSON can carry a lone surrogate (``"\\ud800"``), which Python
reads into a string that no UTF-8 encoder (DynamoDB's, SES's, the CSV's) accepts; it is refused as a field
error with every other one, before any limit is spent.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

# The API's limit on one request body, in bytes.
MAX_REQUEST_BYTES = 64 * 1024


def body_bytes(event: dict[str, Any]) -> int:
    """The size in bytes of the body the client sent."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return len(base64.b64decode(body, validate=True))
        except (binascii.Error, ValueError):
            return len(body)
    return len(body.encode("utf-8", "surrogatepass"))


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
