"""What the API refuses before any route sees a request: a body over the size limit, a body that is not
JSON, a body nested too deep. Each gets the API's JSON error shape, as a route's refusals do."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import content_types
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from cfp.api.failures import field_errors
from cfp.request_guard import MAX_REQUEST_BYTES, body_bytes, body_problems


def _answer(status: int, body: object) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps(body),
    }


def refused(event: dict[str, Any]) -> dict[str, Any] | None:
    """The answer to a request refused before routing, or None for one the routes may take."""
    if body_bytes(event) > MAX_REQUEST_BYTES:
        message = f"request bodies are limited to {MAX_REQUEST_BYTES} bytes"
        return _answer(413, {"error": "request_too_large", "message": message})
    media_type = (event.get("headers") or {}).get("content-type", "").partition(";")[0].strip().lower()
    if event.get("body") and media_type not in {"", "application/json"}:
        return _answer(
            415, {"error": "unsupported_media_type", "message": "send the body as application/json"}
        )
    problems = body_problems(event)
    if problems:
        answer = field_errors(problems, APIGatewayProxyEventV2(event))
        return _answer(answer.status_code, answer.body)
    return None
