"""Submissions API: HTTP API events in, ``cfp.submissions`` use cases, JSON out; and the authors' page.

Routes, request validation and the OpenAPI document come from Powertools' resolver; every domain error is
mapped to one JSON shape ``{"error": code, "message": text, ...}`` so clients can act on it, and every
answer an operation can give is documented on it. The page's static files (``cfp.web``) are served from the
same origin, so the page calls the API without CORS.
"""

import json
import re
from datetime import datetime
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Header, Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from cfp import web, wiring
from cfp.call import CallFacts, call_facts
from cfp.deadline import describe
from cfp.errors import SealingFailed, SubmissionWithdrawn
from cfp.observability import logger, metrics
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
TOKEN: list[dict[str, list[str]]] = [{"submissionToken": []}]

ID_PATTERN = r"^[a-z0-9]{4,40}$"
SubmissionId = Annotated[str, Path(pattern=ID_PATTERN, description="The submission's id.")]
_ABOUT_ONE = re.compile(r"^/submissions/(?P<id>[^/]+)(?:/upload-url)?/?$")


class ErrorAnswer(BaseModel):
    """Every error the API answers."""

    error: str = Field(
        description="A stable code: not_authorized, call_closed, withdrawn, request_too_large, "
        "unsupported_media_type, invalid_request, rate_limited, method_not_allowed or not_found."
    )
    message: str = Field(description="What went wrong and what to do, in words.")


class FieldProblem(BaseModel):
    field: str = Field(description="The field at fault, dotted (authors.0.email), or body.")
    problem: str


class InvalidRequestAnswer(ErrorAnswer):
    fields: list[FieldProblem] = Field(description="Every field at fault, not only the first.")


class CallClosedAnswer(ErrorAnswer):
    closed_at: datetime = Field(description="The instant the call closed for this submission.")


def _documented(model: type[BaseModel], description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model}}}


_UNAUTHORIZED = _documented(ErrorAnswer, "not_authorized: no token, or not this submission's token.")
_CLOSED = _documented(CallClosedAnswer, "call_closed: the deadline has passed for this submission.")
_WITHDRAWN = _documented(ErrorAnswer, "withdrawn: the submission was withdrawn and cannot change.")
_TOO_LARGE = _documented(ErrorAnswer, "request_too_large: the body is over 64 KiB.")
_NOT_JSON = _documented(ErrorAnswer, "unsupported_media_type: the body is not application/json.")
_INVALID = _documented(InvalidRequestAnswer, "invalid_request: every field at fault, in fields.")
_RATE_LIMITED = _documented(ErrorAnswer, "rate_limited: too many requests of this kind; try again later.")
_KEY_REUSED = _documented(ErrorAnswer, "idempotency_key_reused: the key was used for a different request.")
_UNAVAILABLE = _documented(ErrorAnswer, "unavailable: nothing was saved; try again.")
_CREATED_LINKS = {
    name: {
        "operationId": operation,
        "parameters": {
            "submission_id": "$response.body#/id",
            "header.Authorization": "Bearer {$response.body#/token}",
        },
        "description": description,
    }
    for name, operation, description in (
        ("ReadIt", "readSubmission", "Read the submission just created, with its token."),
        ("EditIt", "editSubmission", "Edit the submission just created, with its token."),
        ("NewUploadUrl", "newUploadUrl", "Get a presigned POST for its next version."),
        ("WithdrawIt", "withdrawSubmission", "Withdraw the submission just created."),
    )
}


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


def _authenticate_first() -> None:
    """A request about one submission is authenticated before its input is judged, so whoever lacks the
    token gets 401 whatever they sent, and learns nothing about the submission's rules or existence."""
    about = _ABOUT_ONE.match(app.current_event.path)
    if about is None:
        return
    if not re.match(ID_PATTERN, about["id"]):
        raise NotAuthorized("no submission with this id accepts this token")
    wiring.submission_service().authorize(about["id"], _token())


@app.exception_handler(RequestValidationError)
def _invalid_request(error: RequestValidationError) -> Response[dict[str, Any]]:
    try:
        _authenticate_first()
    except NotAuthorized as refused:
        return _error(401, "not_authorized", str(refused))
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
    return _error(409, "idempotency_key_reused", f"{error}; use a new key for a new submission")


@app.exception_handler(SealingFailed)
def _unavailable(error: SealingFailed) -> Response[dict[str, Any]]:
    logger.warning("token sealing failed", extra={"error": str(error)})
    return _error(
        503, "unavailable", "The service could not take the request just now; nothing was saved. Try again."
    )


@app.exception_handler(SubmissionWithdrawn)
def _withdrawn(error: SubmissionWithdrawn) -> Response[dict[str, Any]]:
    return _error(409, "withdrawn", f"{error}; it can no longer be changed")


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
            response = _error(
                405,
                "method_not_allowed",
                f"{app.current_event.http_method} is not allowed here; use {', '.join(methods)}",
            )
            response.headers["Allow"] = ", ".join(methods)
            return response
    return _error(404, "not_found", f"no such resource: {path}")


@app.post(
    "/submissions",
    status_code=201,
    summary="Create a submission and get its first upload URL",
    operation_id="createSubmission",
    responses={
        201: {
            "description": "Created: the id, the token (shown once) and the first upload.",
            "links": _CREATED_LINKS,
        },
        403: _CLOSED,
        409: _KEY_REUSED,
        413: _TOO_LARGE,
        415: _NOT_JSON,
        422: _INVALID,
        429: _RATE_LIMITED,
        503: _UNAVAILABLE,
    },
)
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
    "/submissions/<submission_id>",
    summary="Read a submission, its versions and its verdict",
    security=TOKEN,
    operation_id="readSubmission",
    responses={200: {"description": "The submission."}, 401: _UNAUTHORIZED, 413: _TOO_LARGE, 422: _INVALID},
)
def read_submission(submission_id: SubmissionId) -> SubmissionView:
    return wiring.submission_service().read(submission_id, _token())


@app.post(
    "/submissions/<submission_id>/upload-url",
    summary="Get a presigned POST for a new version",
    security=TOKEN,
    operation_id="newUploadUrl",
    responses={
        200: {"description": "A presigned POST for the next version."},
        401: _UNAUTHORIZED,
        403: _CLOSED,
        409: _WITHDRAWN,
        413: _TOO_LARGE,
        422: _INVALID,
        429: _RATE_LIMITED,
    },
)
def new_upload_url(submission_id: SubmissionId) -> UploadIssued:
    return wiring.submission_service().new_upload(submission_id, _token())


@app.patch(
    "/submissions/<submission_id>",
    summary="Edit the title, authors, contact or abstract",
    security=TOKEN,
    operation_id="editSubmission",
    responses={
        200: {"description": "The submission as edited."},
        401: _UNAUTHORIZED,
        403: _CLOSED,
        409: _WITHDRAWN,
        413: _TOO_LARGE,
        415: _NOT_JSON,
        422: _INVALID,
    },
)
def edit_submission(submission_id: SubmissionId, patch: SubmissionPatch) -> SubmissionView:
    return wiring.submission_service().update(submission_id, _token(), patch)


@app.delete(
    "/submissions/<submission_id>",
    summary="Withdraw a submission (its files are kept)",
    security=TOKEN,
    operation_id="withdrawSubmission",
    responses={
        200: {"description": "The submission, withdrawn."},
        401: _UNAUTHORIZED,
        409: _WITHDRAWN,
        413: _TOO_LARGE,
        422: _INVALID,
    },
)
def withdraw_submission(submission_id: SubmissionId) -> SubmissionView:
    return wiring.submission_service().withdraw(submission_id, _token())


@app.get("/call", summary="The call's public facts: deadline, upload and field limits")
def read_call() -> CallFacts:
    return call_facts(wiring.settings(), wiring.clock().now())


def _page_file(name: str) -> Response[str]:
    item = web.asset(name)
    headers = web.headers(item, web.origin_of(wiring.bucket().post_url()))
    if app.current_event.headers.get("if-none-match") == item.etag:
        return Response(status_code=304, headers=headers, body="")
    return Response(status_code=200, headers=headers, body=item.body)


@app.get("/", include_in_schema=False)
def authors_page() -> Response[str]:
    return _page_file(web.PAGE)


@app.get("/assets/<name>", include_in_schema=False)
def page_asset(name: str) -> Response[Any]:
    if name not in web.ASSETS:
        return _error(404, "not_found", f"no page file {name!r}")
    return _page_file(name)


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=openapi_json())


def openapi_json() -> str:
    """The API's OpenAPI document, also committed as ``openapi.json`` and checked for drift."""
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
    media_type = (event.get("headers") or {}).get("content-type", "").partition(";")[0].strip().lower()
    if event.get("body") and media_type not in {"", "application/json"}:
        return {
            "statusCode": 415,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": json.dumps(
                {"error": "unsupported_media_type", "message": "send the body as application/json"}
            ),
        }
    return app.resolve(event, context)
