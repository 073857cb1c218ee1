"""Submissions API: HTTP API events in, ``cfp.submissions`` use cases, JSON out.

Routes, request validation and the OpenAPI document come from Powertools' resolver; every domain error is
mapped to one JSON shape ``{"error": code, "message": text, ...}`` so clients can act on it.
"""

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from cfp import wiring
from cfp.deadline import describe
from cfp.observability import logger, metrics
from cfp.sealing import SealingFailed
from cfp.store import Conflict
from cfp.submissions import (
    CallClosed,
    IdempotencyKeyReused,
    NotAuthorized,
    RateLimited,
    SubmissionCreate,
    SubmissionCreated,
    SubmissionPatch,
    SubmissionView,
    UploadIssued,
)

MAX_REQUEST_BYTES = 64 * 1024

app = APIGatewayHttpResolver(enable_validation=True)
TOKEN: list[dict[str, list[str]]] = [{"submissionToken": []}]

SubmissionId = Annotated[str, Path(pattern=r"^[a-z0-9]{4,40}$", description="The submission's id.")]


def _error(status: int, code: str, message: str, **extra: Any) -> Response[dict[str, Any]]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": code, "message": message, **extra},
    )


def _token() -> str | None:
    header = app.current_event.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@app.exception_handler(RequestValidationError)
def _invalid_request(error: RequestValidationError) -> Response[dict[str, Any]]:
    fields = [
        {
            "field": ".".join(str(part) for part in item["loc"] if part != "body") or "body",
            "problem": item["msg"],
        }
        for item in error.errors()
    ]
    names = ", ".join(sorted({f["field"] for f in fields}))
    return _error(422, "invalid_request", f"fix these fields: {names}", fields=fields)


@app.exception_handler(NotAuthorized)
def _not_authorized(error: NotAuthorized) -> Response[dict[str, Any]]:
    return _error(401, "not_authorized", str(error))


@app.exception_handler(CallClosed)
def _call_closed(error: CallClosed) -> Response[dict[str, Any]]:
    return _error(
        403,
        "call_closed",
        f"The call for posters closed at {describe(error.closed_at)}; reading and withdrawing stay open.",
        closed_at=error.closed_at.isoformat(),
    )


@app.exception_handler(RateLimited)
def _rate_limited(error: RateLimited) -> Response[dict[str, Any]]:
    response = _error(429, "rate_limited", str(error))
    if error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


@app.exception_handler(IdempotencyKeyReused)
def _key_reused(error: IdempotencyKeyReused) -> Response[dict[str, Any]]:
    return _error(422, "idempotency_key_reused", f"{error}; use a new key for a new submission")


@app.exception_handler(SealingFailed)
def _unavailable(error: SealingFailed) -> Response[dict[str, Any]]:
    logger.warning("token sealing failed", extra={"error": str(error)})
    return _error(
        503, "unavailable", "The service could not take the request just now; nothing was saved. Try again."
    )


@app.exception_handler(Conflict)
def _conflict(error: Conflict) -> Response[dict[str, Any]]:
    return _error(409, "withdrawn", f"{error}; it can no longer be changed")


@app.post("/submissions", status_code=201, summary="Create a submission and get its first upload URL")
def create_submission(
    request: SubmissionCreate,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="idempotency-key",
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description=(
                "Any unique string (a UUID) chosen by the client: a retry with the same key and body within "
                "24 hours answers with the same submission and token instead of creating a second one."
            ),
        ),
    ] = None,
) -> SubmissionCreated:
    client = app.current_event.request_context.http.source_ip
    created = wiring.submission_service().create(request, idempotency_key, client)
    metrics.add_metric(name="SubmissionCreated", unit="Count", value=1)
    return created


@app.get(
    "/submissions/<submission_id>", summary="Read a submission, its versions and its verdict", security=TOKEN
)
def read_submission(submission_id: SubmissionId) -> SubmissionView:
    return wiring.submission_service().read(submission_id, _token())


@app.post(
    "/submissions/<submission_id>/upload-url",
    summary="Get a presigned POST for a new version",
    security=TOKEN,
)
def new_upload_url(submission_id: SubmissionId) -> UploadIssued:
    return wiring.submission_service().new_upload(submission_id, _token())


@app.patch(
    "/submissions/<submission_id>", summary="Edit the title, authors, contact or abstract", security=TOKEN
)
def edit_submission(submission_id: SubmissionId, patch: SubmissionPatch) -> SubmissionView:
    return wiring.submission_service().update(submission_id, _token(), patch)


@app.delete(
    "/submissions/<submission_id>", summary="Withdraw a submission (its files are kept)", security=TOKEN
)
def withdraw_submission(submission_id: SubmissionId) -> SubmissionView:
    return wiring.submission_service().withdraw(submission_id, _token())


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=openapi_json())


def openapi_json() -> str:
    """The API's OpenAPI document, also committed as ``openapi.json`` and checked for drift.

    Configured here rather than at import: the OpenAPI models cost more to import than the rest of the
    API together, and only this route needs them, so a cold start for any other request skips them.
    """
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    app.configure_openapi(
        title="cfp submissions API",
        version="1.0.0",
        summary="Create a poster submission, upload its PDF straight to S3, and follow its verdict.",
        security_schemes={
            "submissionToken": HTTPBearer(
                description="The token returned once by POST /submissions; it opens that submission only."
            )
        },
    )
    return app.get_openapi_json_schema()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if len(event.get("body") or "") > MAX_REQUEST_BYTES:
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
    return app.resolve(event, context)
