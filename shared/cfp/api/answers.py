"""What the API answers besides success: one error shape, the answers each kind of route documents, and the
path parameters' patterns, written once for every room."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, Field

TOKEN: list[dict[str, list[str]]] = [{"submissionToken": []}]
ORGANIZER: list[dict[str, list[str]]] = [{"organizerSession": []}]

ID_PATTERN = r"^[a-z0-9]{4,40}$"
SubmissionId = Annotated[str, Path(pattern=ID_PATTERN, description="The submission's id.")]
JobId = Annotated[str, Path(pattern=r"^[a-f0-9]{16}$", description="The job's id.")]
ReleaseId = Annotated[str, Path(pattern=r"^[a-f0-9]{16}$", description="The release's id, from its preview.")]
QueueName = Annotated[
    str, Path(pattern=r"^[a-z]{1,40}$", description="validation, notification, archive or release.")
]


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


def error(status: int, code: str, message: str, **extra: Any) -> Response[dict[str, Any]]:
    """The one error shape: ``{"error": code, "message": text, ...}``."""
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": code, "message": message, **extra},
    )


def documented(model: type[BaseModel], description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model}}}


def answers(success: int, description: str, errors: dict[int, OpenAPIResponse]) -> dict[int, OpenAPIResponse]:
    """A route's documented answers: its success, whose schema comes from the route's return type (a route
    that lists its answers without its success would have none documented), then its errors."""
    return {success: {"description": description}, **errors}


UNAUTHORIZED = documented(ErrorAnswer, "not_authorized: no token, or not this submission's token.")
CLOSED = documented(CallClosedAnswer, "call_closed: the deadline has passed for this submission.")
WITHDRAWN = documented(ErrorAnswer, "withdrawn: the submission was withdrawn and cannot change.")
TOO_LARGE = documented(ErrorAnswer, "request_too_large: the body is over 64 KiB.")
NOT_JSON = documented(ErrorAnswer, "unsupported_media_type: the body is not application/json.")
INVALID = documented(
    InvalidRequestAnswer, "invalid_request: every field at fault, in fields (body: nested over 32 deep)."
)
RATE_LIMITED = documented(ErrorAnswer, "rate_limited: too many requests of this kind; try again later.")
KEY_REUSED = documented(ErrorAnswer, "idempotency_key_reused: the key was used for a different request.")
UNAVAILABLE = documented(ErrorAnswer, "unavailable: nothing was saved; try again.")
# Every console route may answer these: no or a forged session (or a change asked from another site), an
# unknown submission, a withdrawn one, a resource that did not answer.
CONSOLE_ANSWERS: dict[int, OpenAPIResponse] = {
    401: documented(
        ErrorAnswer, "not_signed_in: no organizer session, a forged or expired one, or another site."
    ),
    404: documented(ErrorAnswer, "not_found: no such submission or upload."),
    409: WITHDRAWN,
    413: TOO_LARGE,
    415: NOT_JSON,
    422: INVALID,
    503: documented(ErrorAnswer, "unavailable: the console could not reach a resource; try again."),
}
LINK_INVALID: dict[int, OpenAPIResponse] = {
    401: documented(ErrorAnswer, "sign_in_link_invalid: the link is unknown, used or expired."),
    413: TOO_LARGE,
    415: NOT_JSON,
    422: INVALID,
    503: documented(ErrorAnswer, "unavailable: the sign-in could not be completed just now; try again."),
}
