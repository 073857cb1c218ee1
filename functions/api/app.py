"""Submissions API and organizers' console: HTTP API events in, ``cfp`` use cases, JSON out; and the pages.

The routes live in rooms (``cfp.api``); this module assembles them, with what is refused before routing
(``cfp.api.guards``) and the API's own description (``cfp.api.document``). Request validation and the
OpenAPI document come from Powertools' resolver; every core error is answered from one table
(``cfp.api.failures``) in one JSON shape ``{"error": code, "message": text, ...}`` so clients can act on
it. The pages are served from the same origin, so they call the API without CORS, and the console's
session cookie (``SameSite=Strict``) travels only with the console's own requests.
"""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from cfp import wiring
from cfp.api import authors, console, document, finals, operations, organizers, pages, program
from cfp.api.failures import install
from cfp.api.guards import refused
from cfp.observability import logger, metrics

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
document.describe(app)


def openapi_json() -> str:
    """The API's OpenAPI document (``cfp.api.document``), as committed in ``openapi.json``."""
    return document.openapi_json(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return refused(event) or app.resolve(event, context)
