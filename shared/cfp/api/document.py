"""The API's own description: its OpenAPI document, served at ``/openapi.json``, and the answers to a path
it has not or a method a path does not declare, both read from that document.

The document is made on first use rather than at import: the OpenAPI models cost more to import than the
rest of the API together, and only these answers need them, so a cold start for any other request skips
them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from cfp import sessions
from cfp.api.answers import error


def openapi_json(app: APIGatewayHttpResolver) -> str:
    """The OpenAPI document of ``app``, also committed as ``openapi.json`` and checked for drift."""
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


def describe(app: APIGatewayHttpResolver) -> None:
    """Serve ``app``'s document at ``/openapi.json``, and answer what it does not declare: a JSON 405 with
    ``Allow`` for a method a path does not declare, as API Gateway would, and a JSON 404 otherwise."""
    declared: list[tuple[re.Pattern[str], list[str]]] = []

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document() -> Response[str]:
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=openapi_json(app))

    @app.not_found
    def no_route(_: NotFoundError) -> Response[dict[str, Any]]:
        if not declared:
            for path, operations in json.loads(openapi_json(app))["paths"].items():
                pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "/?$")
                declared.append((pattern, sorted(m.upper() for m in operations)))
        path = app.current_event.path
        for pattern, methods in declared:
            if pattern.match(path):
                method = app.current_event.http_method
                response = error(
                    405, "method_not_allowed", f"{method} is not allowed here; use {', '.join(methods)}"
                )
                response.headers["Allow"] = ", ".join(methods)
                return response
        return error(404, "not_found", f"no such resource: {path}")
