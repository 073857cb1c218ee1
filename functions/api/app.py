"""Submissions API and organizers' console: HTTP API events in, ``cfp`` use cases, JSON out; and the pages.

The routes live in rooms (``cfp.api``); this module assembles them. Request validation and the OpenAPI
document come from Powertools' resolver; every core error is answered from one table
(``cfp.api.failures``) in one JSON shape ``{"error": code, "message": text, ...}`` so clients can act on
it. The pages are served from the same origin, so they call the API without CORS, and the console's
session cookie (``SameSite=Strict``) travels only with the console's own requests.
"""

import json
import re
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext

from cfp import sessions, wiring
from cfp.api import authors, console, finals, operations, organizers, pages, program
from cfp.api.answers import error
from cfp.api.failures import field_errors, install
from cfp.observability import logger, metrics
from cfp.request_guard import MAX_REQUEST_BYTES, body_bytes, body_problems

# Settings are parsed at import: a misconfigured function fails at cold start, naming the variable.
wiring.load_settings()

app = APIGatewayHttpResolver(enable_validation=True)
for room in (
    authors.router,
    finals.router,
    finals.desk,
    organizers.router,
    console.router,
    operations.router,
    program.public,
    program.router,
    pages.router,
):
    app.include_router(room)
install(app)


@cache
def _declared_methods() -> list[tuple[re.Pattern[str], list[str]]]:
    """Each path of the OpenAPI document as a pattern, with the methods it declares."""
    paths = json.loads(openapi_json())["paths"]
    return [
        (
            re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "/?$"),
            sorted(m.upper() for m in ops),
        )
        for path, ops in paths.items()
    ]


@app.not_found
def _no_route(_: NotFoundError) -> Response[dict[str, Any]]:
    """A method the path does not declare gets a JSON 405 with ``Allow``, as API Gateway would answer;
    a path the API does not have gets a JSON 404."""
    path = app.current_event.path
    for pattern, methods in _declared_methods():
        if pattern.match(path):
            response = error(
                405,
                "method_not_allowed",
                f"{app.current_event.http_method} is not allowed here; use {', '.join(methods)}",
            )
            response.headers["Allow"] = ", ".join(methods)
            return response
    return error(404, "not_found", f"no such resource: {path}")


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=openapi_json())


def openapi_json() -> str:
    """The API's OpenAPI document, also committed as ``openapi.json`` and checked for drift.

    Configured here rather than at import: the OpenAPI models cost more to import than the rest of the
    API together, and only this route (and the answer to an undeclared method) needs them, so a cold
    start for any other request skips them.
    """
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer

    app.configure_openapi(
        title="cfp submissions API",
        version="1.0.0",
        summary="Create a poster submission, upload its PDF straight to S3, and follow its verdict.",
        security_schemes={
            "submissionToken": HTTPBearer(
                description="The token returned once by POST /submissions; it opens that submission only."
            ),
            "organizerSession": APIKey(
                name=sessions.COOKIE_NAME,
                **{"in": APIKeyIn.cookie},
                description="The session cookie an organizer gets by redeeming a sign-in link.",
            ),
        },
    )
    return app.get_openapi_json_schema()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if body_bytes(event) > MAX_REQUEST_BYTES:
        return {
            "statusCode": 413,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": json.dumps(
                {
                    "error": "request_too_large",
                    "message": f"request bodies are limited to {MAX_REQUEST_BYTES} bytes",
                }
            ),
        }
    media_type = (event.get("headers") or {}).get("content-type", "").partition(";")[0].strip().lower()
    if event.get("body") and media_type not in {"", "application/json"}:
        return {
            "statusCode": 415,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": json.dumps(
                {"error": "unsupported_media_type", "message": "send the body as application/json"}
            ),
        }
    problems = body_problems(event)
    if problems:
        answer = field_errors(problems, APIGatewayProxyEventV2(event))
        return {
            "statusCode": answer.status_code,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": json.dumps(answer.body),
        }
    return app.resolve(event, context)
