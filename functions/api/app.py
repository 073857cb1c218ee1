"""Submissions API and organizers' console: HTTP API events in, ``cfp`` use cases, JSON out; and the pages.

Routes, request validation and the OpenAPI document come from Powertools' resolver; every domain error is
mapped to one JSON shape ``{"error": code, "message": text, ...}`` so clients can act on it, and every
answer an operation can give is documented on it. The pages' static files (``cfp.web``) are served from the
same origin, so they call the API without CORS, and the console's session cookie (``SameSite=Strict``)
travels only with the console's own requests.
"""

import json
import re
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from cfp import sessions, web, wiring
from cfp.archive import ArchiveView
from cfp.call import CallFacts, call_facts
from cfp.console import (
    ArchiveRequest,
    DeadLetterListing,
    Export,
    ExtensionRequest,
    PdfLink,
    Redriven,
    SubmissionDetail,
    SubmissionList,
)
from cfp.deadline import describe
from cfp.errors import (
    ArchiveNotFound,
    ArchiveNotReady,
    NotSignedIn,
    QueueNotFound,
    QueueUnavailable,
    SealingFailed,
    SecretUnavailable,
    SignInLinkInvalid,
    SignInUnavailable,
    SubmissionNotFound,
    SubmissionWithdrawn,
    TableUnavailable,
    UploadNotFound,
)
from cfp.instants import InstantOutOfRange
from cfp.model import Email
from cfp.observability import logger, metrics
from cfp.program import BoardRequest, BoardTaken, NotInProgram, Program, Published
from cfp.release_records import (
    Decided,
    DecisionJobView,
    DecisionRequest,
    ReleaseNotFound,
    ReleasePreview,
    ReleaseRequest,
    ReleaseStarted,
    ReleaseView,
)
from cfp.request_guard import MAX_REQUEST_BYTES, body_bytes, body_problems
from cfp.reviews import (
    CommentInput,
    CommentView,
    Conflicted,
    ConflictInput,
    ReviewConflict,
    ReviewInput,
    ReviewLocked,
    ReviewView,
    Standing,
)
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
    manage_link,
)

# Settings are parsed at import: a misconfigured function fails at cold start, naming the variable.
wiring.load_settings()

app = APIGatewayHttpResolver(enable_validation=True)
TOKEN: list[dict[str, list[str]]] = [{"submissionToken": []}]
ORGANIZER: list[dict[str, list[str]]] = [{"organizerSession": []}]

ID_PATTERN = r"^[a-z0-9]{4,40}$"
SubmissionId = Annotated[str, Path(pattern=ID_PATTERN, description="The submission's id.")]
JobId = Annotated[str, Path(pattern=r"^[a-f0-9]{16}$", description="The job's id.")]
ReleaseId = Annotated[str, Path(pattern=r"^[a-f0-9]{16}$", description="The release's id, from its preview.")]
QueueName = Annotated[
    str, Path(pattern=r"^[a-z]{1,40}$", description="validation, notification, archive or release.")
]
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


def _answers(
    success: int, description: str, errors: dict[int, OpenAPIResponse]
) -> dict[int, OpenAPIResponse]:
    """A route's documented answers: its success, whose schema comes from the route's return type (a route
    that lists its answers without its success would have none documented), then its errors."""
    return {success: {"description": description}, **errors}


_UNAUTHORIZED = _documented(ErrorAnswer, "not_authorized: no token, or not this submission's token.")
_CLOSED = _documented(CallClosedAnswer, "call_closed: the deadline has passed for this submission.")
_WITHDRAWN = _documented(ErrorAnswer, "withdrawn: the submission was withdrawn and cannot change.")
_TOO_LARGE = _documented(ErrorAnswer, "request_too_large: the body is over 64 KiB.")
_NOT_JSON = _documented(ErrorAnswer, "unsupported_media_type: the body is not application/json.")
_INVALID = _documented(
    InvalidRequestAnswer, "invalid_request: every field at fault, in fields (body: nested over 32 deep)."
)
_RATE_LIMITED = _documented(ErrorAnswer, "rate_limited: too many requests of this kind; try again later.")
_KEY_REUSED = _documented(ErrorAnswer, "idempotency_key_reused: the key was used for a different request.")
_UNAVAILABLE = _documented(ErrorAnswer, "unavailable: nothing was saved; try again.")
# Every console route may answer these: no or a forged session (or a change asked from another site), an
# unknown submission, a withdrawn one, a resource that did not answer.
_CONSOLE_ANSWERS: dict[int, OpenAPIResponse] = {
    401: _documented(
        ErrorAnswer, "not_signed_in: no organizer session, a forged or expired one, or another site."
    ),
    404: _documented(ErrorAnswer, "not_found: no such submission or upload."),
    409: _WITHDRAWN,
    413: _TOO_LARGE,
    415: _NOT_JSON,
    422: _INVALID,
    503: _documented(ErrorAnswer, "unavailable: the console could not reach a resource; try again."),
}
_EXPORTED: OpenAPIResponse = {
    "description": "Every submission as a download: CSV (one row each) or JSON (the call and every record).",
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/json": {"model": Export},
    },
}
_LINK_INVALID: dict[int, OpenAPIResponse] = {
    401: _documented(ErrorAnswer, "sign_in_link_invalid: the link is unknown, used or expired."),
    413: _TOO_LARGE,
    415: _NOT_JSON,
    422: _INVALID,
}
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


def _token(authorization: str | None = None) -> str | None:
    header = authorization if authorization is not None else app.current_event.headers.get("authorization")
    header = header or ""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _authenticate_first(path: str | None = None, authorization: str | None = None) -> None:
    """A request about one submission is authenticated before its input is judged, so whoever lacks the
    token gets 401 whatever they sent, and learns nothing about the submission's rules or existence."""
    about = _ABOUT_ONE.match(path if path is not None else app.current_event.path)
    if about is None:
        return
    if not re.match(ID_PATTERN, about["id"]):
        raise NotAuthorized("no submission with this id accepts this token")
    wiring.submission_service().authorize(about["id"], _token(authorization))


def _field_errors(
    fields: list[dict[str, str]], path: str | None = None, authorization: str | None = None
) -> Response[dict[str, Any]]:
    """422 naming every field at fault, once the token of a request about one submission is checked."""
    try:
        _authenticate_first(path, authorization)
    except NotAuthorized as refused:
        return _error(401, "not_authorized", str(refused))
    names = ", ".join(sorted({f["field"] for f in fields}))
    return _error(422, "invalid_request", f"fix these fields: {names}", fields=fields)


@app.exception_handler(RequestValidationError)
def _invalid_request(error: RequestValidationError) -> Response[dict[str, Any]]:
    fields = [
        {
            "field": ".".join(str(part) for part in item["loc"] if part != "body") or "body",
            "problem": item["msg"],
        }
        for item in error.errors()
    ]
    return _field_errors(fields)


@app.exception_handler(InstantOutOfRange)
def _instant_out_of_range(error: InstantOutOfRange) -> Response[dict[str, Any]]:
    return _field_errors([{"field": error.field, "problem": str(error)}])


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


@app.exception_handler(NotSignedIn)
def _not_signed_in(error: NotSignedIn) -> Response[dict[str, Any]]:
    return _error(401, "not_signed_in", str(error))


@app.exception_handler(SignInLinkInvalid)
def _link_invalid(error: SignInLinkInvalid) -> Response[dict[str, Any]]:
    return _error(401, "sign_in_link_invalid", str(error))


@app.exception_handler(SubmissionNotFound)
def _not_found(error: SubmissionNotFound) -> Response[dict[str, Any]]:
    return _error(404, "not_found", f"no submission {error}")


@app.exception_handler(UploadNotFound)
def _upload_not_found(error: UploadNotFound) -> Response[dict[str, Any]]:
    return _error(404, "not_found", str(error))


@app.exception_handler(ArchiveNotFound)
@app.exception_handler(QueueNotFound)
@app.exception_handler(ReleaseNotFound)
def _archive_not_found(error: Exception) -> Response[dict[str, Any]]:
    return _error(404, "not_found", str(error))


@app.exception_handler(ArchiveNotReady)
def _archive_not_ready(error: ArchiveNotReady) -> Response[dict[str, Any]]:
    return _error(409, "not_ready", f"{error}; ask again when it is done")


@app.exception_handler(ReleaseStarted)
def _release_started(error: ReleaseStarted) -> Response[dict[str, Any]]:
    return _error(409, "already_started", str(error))


@app.exception_handler(BoardTaken)
def _board_taken(error: BoardTaken) -> Response[dict[str, Any]]:
    return _error(409, "board_taken", str(error))


@app.exception_handler(NotInProgram)
def _not_in_program(error: NotInProgram) -> Response[dict[str, Any]]:
    return _error(409, "not_in_program", str(error))


@app.exception_handler(Conflicted)
def _conflicted(error: Conflicted) -> Response[dict[str, Any]]:
    return _error(403, "conflicted", str(error))


@app.exception_handler(ReviewLocked)
def _locked(error: ReviewLocked) -> Response[dict[str, Any]]:
    return _error(409, "locked", str(error))


@app.exception_handler(ReviewConflict)
def _review_conflict(error: ReviewConflict) -> Response[dict[str, Any]]:
    return _error(409, "conflict", str(error))


@app.exception_handler(SecretUnavailable)
@app.exception_handler(TableUnavailable)
@app.exception_handler(QueueUnavailable)
@app.exception_handler(SignInUnavailable)
def _console_unavailable(error: Exception) -> Response[dict[str, Any]]:
    logger.error("the console could not reach a resource", extra={"error": str(error)})
    return _error(503, "unavailable", "The console could not answer just now. Try again.")


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
    page = wiring.settings().public_url or f"https://{app.current_event.request_context.domain_name}"
    return created.model_copy(update={"manage_url": manage_link(page, created.id, created.token)})


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


@app.get(
    "/call",
    summary="The call's public facts: deadline, upload and field limits",
    responses=_answers(200, "The call's facts.", {422: _INVALID}),
)
def read_call() -> CallFacts:
    return call_facts(wiring.settings(), wiring.clock().now())


# ---- the organizers' console ------------------------------------------------------------------------


class SignInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email


class SignInAnswer(BaseModel):
    message: str


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secret: str = Field(min_length=1, max_length=200, description="The secret from the sign-in link.")


class SessionView(BaseModel):
    email: str
    expires_at: datetime


class ResendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    what: Literal["receipt", "verdict"]


class Resent(BaseModel):
    event_id: str


def _organizer() -> str:
    """The signed-in organizer's address; a request that changes something must come from this site."""
    event = app.current_event
    origin = event.headers.get("origin")
    if origin and event.request_context.http.method != "GET":
        host = event.headers.get("host") or event.request_context.domain_name
        if urlsplit(origin).netloc != host:
            raise NotSignedIn("this request did not come from the console")
    cookie = sessions.cookie_value(event.cookies or [])
    return wiring.sign_in().verify(cookie).email


def _session_cookie(value: str, max_age: int) -> Cookie:
    """Script cannot read it, it travels only over HTTPS (browsers count 127.0.0.1 as secure too) and
    only with requests this site makes."""
    return Cookie(
        name=sessions.COOKIE_NAME,
        value=value,
        path="/",
        secure=True,
        http_only=True,
        max_age=max_age,
        same_site=SameSite.STRICT_MODE,
    )


@app.post(
    "/organizers/sign-in",
    status_code=202,
    summary="Ask for a one-time sign-in link (mailed only to organizers; the answer is the same for anyone)",
    responses=_answers(
        202, "Asked: the same answer for any address.", {413: _TOO_LARGE, 415: _NOT_JSON, 422: _INVALID}
    ),
)
def ask_for_sign_in_link(request: SignInRequest) -> SignInAnswer:
    s = wiring.settings()
    base = s.public_url or f"https://{app.current_event.request_context.domain_name}"
    wiring.sign_in().request_link(request.email, base)
    return SignInAnswer(
        message="If this address is one of the organizers', a sign-in link is on its way to it. "
        "The link works once, within 15 minutes."
    )


@app.post(
    "/organizers/session",
    summary="Exchange a sign-in link's secret for a session cookie",
    responses=_answers(200, "Signed in: the session cookie is set.", _LINK_INVALID),
)
def open_session(request: SessionRequest) -> Response[SessionView]:
    signed = wiring.sign_in().redeem(request.secret)
    view = SessionView(email=signed.organizer.email, expires_at=signed.organizer.expires_at)
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=view,
        cookies=[_session_cookie(signed.cookie, signed.max_age)],
    )


@app.get(
    "/organizers/session",
    summary="Who is signed in",
    security=ORGANIZER,
    responses=_answers(200, "The organizer signed in, and when the session ends.", _CONSOLE_ANSWERS),
)
def read_session() -> SessionView:
    organizer = wiring.sign_in().verify(sessions.cookie_value(app.current_event.cookies or []))
    return SessionView(email=organizer.email, expires_at=organizer.expires_at)


@app.delete(
    "/organizers/session",
    summary="Sign out",
    responses=_answers(
        200,
        "The session is ended and the cookie cleared.",
        {
            422: _INVALID,
            503: _documented(
                ErrorAnswer, "unavailable: the cookie is cleared, but the session could not be ended."
            ),
        },
    ),
)
def close_session() -> Response[dict[str, Any]]:
    """The browser forgets the cookie whatever happens; a session the server could not close is a 503, so
    the page can say that copies of the cookie still work and to try again."""
    try:
        wiring.sign_in().sign_out(sessions.cookie_value(app.current_event.cookies or []))
    except SignInUnavailable as error:
        logger.error("a session could not be closed", extra={"error": str(error)})
        unavailable = _error(503, "unavailable", "The session could not be ended just now. Try again.")
        unavailable.cookies = [_session_cookie("", 0)]
        return unavailable
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body={"message": "signed out"},
        cookies=[_session_cookie("", 0)],
    )


@app.get(
    "/organizers/submissions",
    summary="Every submission as one compact table",
    security=ORGANIZER,
    responses=_answers(200, "Every submission, one row each, with the counts.", _CONSOLE_ANSWERS),
)
def list_for_organizers() -> SubmissionList:
    return wiring.console().listing(_organizer())


@app.get(
    "/organizers/submissions/<submission_id>",
    summary="One submission: metadata, every version with its verdict, decision and history",
    security=ORGANIZER,
    responses=_answers(
        200, "The submission: its versions, verdicts, decision and history.", _CONSOLE_ANSWERS
    ),
)
def show_for_organizers(submission_id: SubmissionId) -> SubmissionDetail:
    return wiring.console().show(submission_id, _organizer())


_REVIEW_ANSWERS: dict[int, OpenAPIResponse] = {
    **_CONSOLE_ANSWERS,
    403: _documented(ErrorAnswer, "conflicted: you declared a conflict with this submission."),
    409: _documented(
        ErrorAnswer,
        "locked: the decision was released, so reviews no longer change; withdrawn: the submission was "
        "withdrawn; conflict: it changed meanwhile, or you declared a conflict over your own review.",
    ),
}


@app.put(
    "/organizers/submissions/<submission_id>/review",
    summary="Write or change your review: merit 1-5, confidence 1-4, comments for authors and organizers",
    security=ORGANIZER,
    responses=_answers(200, "Your review as it stands now.", _REVIEW_ANSWERS),
)
def put_review(submission_id: SubmissionId, review: ReviewInput) -> ReviewView:
    return wiring.reviewing().review(submission_id, _organizer(), review)


@app.delete(
    "/organizers/submissions/<submission_id>/review",
    summary="Withdraw your review (until the decision is released)",
    security=ORGANIZER,
    responses=_answers(200, "Withdrawn: what you may see of the reviewing now.", _REVIEW_ANSWERS),
)
def withdraw_review(submission_id: SubmissionId) -> Standing:
    organizer = _organizer()
    reviewing = wiring.reviewing()
    reviewing.withdraw_review(submission_id, organizer)
    return reviewing.sight(submission_id, organizer).standing()


@app.put(
    "/organizers/submissions/<submission_id>/conflict",
    summary="Declare or lift your conflict with a submission (false also dismisses a suggested one)",
    security=ORGANIZER,
    responses=_answers(200, "What you may see of the reviewing now.", _REVIEW_ANSWERS),
)
def put_conflict(submission_id: SubmissionId, conflict: ConflictInput) -> Standing:
    return wiring.reviewing().set_conflict(submission_id, _organizer(), conflict.conflicted)


@app.post(
    "/organizers/submissions/<submission_id>/comments",
    status_code=201,
    summary="Add a comment to the organizers' discussion of a submission",
    security=ORGANIZER,
    responses=_answers(201, "The comment, added.", _REVIEW_ANSWERS),
)
def add_comment(submission_id: SubmissionId, comment: CommentInput) -> CommentView:
    return wiring.reviewing().comment(submission_id, _organizer(), comment)


@app.post(
    "/organizers/submissions/<submission_id>/versions/<version>/link",
    summary="A link to one upload's PDF, presigned now for a few minutes",
    security=ORGANIZER,
    responses=_answers(200, "A link to the PDF, presigned for a few minutes.", _CONSOLE_ANSWERS),
)
def link_to_pdf(
    submission_id: SubmissionId,
    version: Annotated[int, Path(ge=1, le=999999)],
    object_id: Annotated[str | None, Query(alias="object", max_length=1024)] = None,
) -> PdfLink:
    _organizer()
    return wiring.console().pdf_link(submission_id, version, object_id)


@app.post(
    "/organizers/decisions",
    summary="Accept or reject submissions (mailed only on release)",
    security=ORGANIZER,
    responses=_answers(200, "The submissions decided.", _CONSOLE_ANSWERS),
)
def decide(request: DecisionRequest) -> Decided:
    return wiring.releases().decide(request, _organizer())


@app.get(
    "/organizers/decisions/<job_id>",
    summary="How far a decision on many submissions has come: applying (done of total) or done",
    security=ORGANIZER,
    responses=_answers(
        200,
        "The decision job as it stands.",
        {**_CONSOLE_ANSWERS, 404: _documented(ErrorAnswer, "not_found: no such decision job.")},
    ),
)
def read_decision_job(job_id: JobId) -> DecisionJobView:
    _organizer()
    return wiring.releases().decision_job(job_id)


# A preview asked for with no body: the decisions alone.
_NO_OPTIONS = ReleaseRequest()
_RELEASE_ANSWERS: dict[int, OpenAPIResponse] = {
    **_CONSOLE_ANSWERS,
    404: _documented(ErrorAnswer, "not_found: no such release; preview again."),
    409: _documented(ErrorAnswer, "already_started: the release was started before; preview again."),
}


@app.post(
    "/organizers/releases",
    status_code=201,
    summary="Preview the decision mails a release would send, recorded under an id to send them by",
    security=ORGANIZER,
    responses=_answers(201, "The decision mails the release would send, and its id.", _CONSOLE_ANSWERS),
)
def preview_release(request: Annotated[ReleaseRequest, Body()] = _NO_OPTIONS) -> ReleasePreview:
    organizer = _organizer()
    # No body asks for the decisions alone; a body that is there must be the object its schema says
    # (a JSON null reaches the route as no body at all).
    raw = (app.current_event.decoded_body or "").strip()
    if raw and not raw.startswith("{"):
        problem = {"loc": ("body",), "msg": "must be a JSON object, or left out", "type": "model_type"}
        raise RequestValidationError([problem])
    return wiring.releases().preview(organizer, with_reviews=request.with_reviews)


@app.post(
    "/organizers/releases/<release_id>/send",
    status_code=202,
    summary="Start sending exactly the decision mails the preview showed, each once; say what changed since",
    security=ORGANIZER,
    responses=_answers(202, "The release, queued, and what changed since its preview.", _RELEASE_ANSWERS),
)
def send_release(release_id: ReleaseId) -> ReleaseView:
    return wiring.releases().start(release_id, _organizer())


@app.get(
    "/organizers/releases/<release_id>",
    summary="How far a release has come: the mails gone through and those it sent",
    security=ORGANIZER,
    responses=_answers(200, "The release as it stands.", _RELEASE_ANSWERS),
)
def read_release(release_id: ReleaseId) -> ReleaseView:
    _organizer()
    return wiring.releases().view(release_id)


@app.post(
    "/organizers/extensions",
    summary="Give submissions more time",
    security=ORGANIZER,
    responses=_answers(200, "The submissions given more time.", _CONSOLE_ANSWERS),
)
def extend(request: ExtensionRequest) -> dict[str, list[str]]:
    return {"extended": wiring.console().extend(request, _organizer())}


@app.post(
    "/organizers/submissions/<submission_id>/resend",
    summary="Mail the authors their receipt (without the token) or verdict again",
    security=ORGANIZER,
    responses=_answers(200, "The mail, sent again.", _CONSOLE_ANSWERS),
)
def resend(submission_id: SubmissionId, request: ResendRequest) -> Resent:
    return Resent(event_id=wiring.console().resend(submission_id, request.what, _organizer()))


@app.get(
    "/organizers/dead-letters",
    summary="Messages waiting in each dead-letter queue",
    security=ORGANIZER,
    responses=_answers(200, "How many messages wait in each dead-letter queue.", _CONSOLE_ANSWERS),
)
def dead_letters() -> dict[str, int]:
    _organizer()
    return wiring.console().dead_letters()


@app.get(
    "/organizers/dead-letters/<queue>",
    summary="What waits in one dead-letter queue: how many, and what the oldest are about",
    security=ORGANIZER,
    responses=_answers(200, "The queue's dead letters: how many, and the oldest.", _CONSOLE_ANSWERS),
)
def show_dead_letters(queue: QueueName) -> DeadLetterListing:
    _organizer()
    return wiring.console().dead_letter_messages(queue)


@app.post(
    "/organizers/dead-letters/<queue>/redrive",
    summary="Move every dead letter of one queue back to the queue it came from",
    security=ORGANIZER,
    responses=_answers(200, "How many letters moved back to their queue.", _CONSOLE_ANSWERS),
)
def redrive_dead_letters(queue: QueueName) -> Redriven:
    return Redriven(queue=queue, moved=wiring.console().redrive(queue, _organizer()))


_ARCHIVE_ANSWERS: dict[int, OpenAPIResponse] = {
    **_CONSOLE_ANSWERS,
    404: _documented(ErrorAnswer, "not_found: no such archive, or its zip has expired."),
    409: _documented(ErrorAnswer, "not_ready: the archive is not done (or it failed)."),
}


@app.post(
    "/organizers/archives",
    status_code=202,
    summary="Start building one zip of every on-time PDF (and the late ones when asked)",
    security=ORGANIZER,
    responses=_answers(202, "The archive job, queued.", _CONSOLE_ANSWERS),
)
def start_archive(request: ArchiveRequest) -> ArchiveView:
    return wiring.console().start_archive(request, _organizer())


@app.get(
    "/organizers/archives/<job_id>",
    summary="How far an archive has come: queued, building (files done of total), done or failed",
    security=ORGANIZER,
    responses=_answers(200, "The archive job as it stands.", _ARCHIVE_ANSWERS),
)
def read_archive(job_id: JobId) -> ArchiveView:
    _organizer()
    return wiring.console().archive(job_id)


@app.post(
    "/organizers/archives/<job_id>/link",
    summary="A link to the finished zip, presigned now for a few minutes",
    security=ORGANIZER,
    responses=_answers(200, "A link to the zip, presigned for a few minutes.", _ARCHIVE_ANSWERS),
)
def link_to_archive(job_id: JobId) -> PdfLink:
    _organizer()
    return wiring.console().archive_link(job_id)


@app.get(
    "/organizers/export",
    summary="Everything on record, as CSV or JSON",
    security=ORGANIZER,
    responses={200: _EXPORTED, **_CONSOLE_ANSWERS},
)
def export(format: Annotated[Literal["csv", "json"], Query()] = "csv") -> Response[str]:
    viewer = _organizer()
    console = wiring.console()
    data = console.export_csv(viewer) if format == "csv" else console.export_json(viewer)
    kind = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return Response(
        status_code=200,
        content_type=kind,
        headers={
            "Content-Disposition": f'attachment; filename="submissions.{format}"',
            "Cache-Control": "no-store",
        },
        body=data.decode(),
    )


# ---- the public program ---------------------------------------------------------------------------------

_PROGRAM_ANSWERS: dict[int, OpenAPIResponse] = {
    404: _documented(ErrorAnswer, "not_found: no program has been published yet."),
    503: _documented(ErrorAnswer, "unavailable: the program could not be read; try again."),
}
# A published program changes only when organizers publish: browsers and caches may keep it a minute.
_PROGRAM_CACHE = "public, max-age=60, stale-while-revalidate=300"
_NOT_PUBLISHED_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not published yet</title>'
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
    "<h1>The program is not published yet</h1><p>The organizers publish the accepted posters here once "
    "the decisions are out. Come back later.</p></main></body></html>"
)


def _published(name: str) -> Response[Any]:
    """One published file as stored (no table read, no rendering), with a validator for 304s."""
    found = wiring.program_files().read(name)
    if found is None:
        if name.endswith(".html"):
            headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}
            return Response(status_code=404, headers=headers, body=_NOT_PUBLISHED_PAGE)
        return _error(404, "not_found", "no program has been published yet")
    content_type, body, etag = found
    headers = {
        "Content-Type": content_type,
        "Cache-Control": _PROGRAM_CACHE,
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
    }
    if name.endswith(".html"):
        headers["Content-Security-Policy"] = web.content_security_policy()
        headers["Referrer-Policy"] = "no-referrer"
    if app.current_event.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers, body="")
    return Response(status_code=200, headers=headers, body=body.decode("utf-8"))


_PUBLISHED_HTML: OpenAPIResponse = {
    "description": "The published program's page.",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


@app.get(
    "/program",
    summary="The accepted posters, as published",
    responses={
        200: _PUBLISHED_HTML,
        404: {
            "description": "A plain page: no program has been published yet.",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        503: _PROGRAM_ANSWERS[503],
    },
)
def program_page() -> Response[Any]:
    return _published("program.html")


@app.get(
    "/program.json",
    summary="The published program as JSON",
    responses={
        200: {"description": "The snapshot.", "content": {"application/json": {"model": Program}}},
        **_PROGRAM_ANSWERS,
    },
)
def program_json() -> Response[Any]:
    return _published("program.json")


@app.get(
    "/program.csv",
    summary="The published program as CSV (formula-safe)",
    responses={
        200: {"description": "One row a poster.", "content": {"text/csv": {"schema": {"type": "string"}}}},
        **_PROGRAM_ANSWERS,
    },
)
def program_csv() -> Response[Any]:
    return _published("program.csv")


@app.get(
    "/program.ics",
    summary="The poster sessions as iCalendar, their posters in each event's description",
    responses={
        200: {
            "description": "One event a session.",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        },
        **_PROGRAM_ANSWERS,
    },
)
def program_ics() -> Response[Any]:
    return _published("program.ics")


@app.get(
    "/organizers/program/preview",
    summary="The program as publishing it now would make it (HTML, or JSON by Accept)",
    security=ORGANIZER,
    responses={
        200: {
            "description": "The program as it would be published.",
            "content": {"application/json": {"model": Program}, "text/html": {"schema": {"type": "string"}}},
        },
        **_CONSOLE_ANSWERS,
    },
)
def preview_program() -> Response[Any]:
    _organizer()
    program = wiring.program_desk().preview()
    accept = app.current_event.headers.get("accept") or ""
    if "text/html" in accept and "application/json" not in accept.split(",")[0]:
        from cfp.program_render import html

        page = html(program, "Preview: this is not published. Publishing makes it public as shown.")
        headers = {
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            "Content-Security-Policy": web.content_security_policy(),
        }
        return Response(status_code=200, headers=headers, body=page.decode("utf-8"))
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        headers={"Cache-Control": "no-store"},
        body=program.model_dump_json(),
    )


@app.post(
    "/organizers/program/publish",
    summary="Publish the program as previewed now; answers the snapshot's id, time and changelog",
    security=ORGANIZER,
    responses=_answers(200, "Published.", _CONSOLE_ANSWERS),
)
def publish_program() -> Published:
    return wiring.program_desk().publish(_organizer())


@app.put(
    "/organizers/submissions/<submission_id>/board",
    summary="Give an accepted poster its board by hand (kept across publications)",
    security=ORGANIZER,
    responses=_answers(
        200,
        "The board, recorded; it is public at the next publication.",
        {
            **_CONSOLE_ANSWERS,
            409: _documented(
                ErrorAnswer,
                "board_taken: another poster has it; not_in_program: not an accepted poster whose "
                "acceptance was mailed.",
            ),
        },
    ),
)
def set_board(submission_id: SubmissionId, request: BoardRequest) -> BoardRequest:
    _organizer()
    return BoardRequest(board=wiring.program_desk().set_board(submission_id, request.board))


@app.get("/organizers", include_in_schema=False)
def console_page() -> Response[str]:
    return _page_file(web.CONSOLE)


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
        headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
        answer = _field_errors(problems, event.get("rawPath") or "", headers.get("authorization") or "")
        return {
            "statusCode": answer.status_code,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": json.dumps(answer.body),
        }
    return app.resolve(event, context)
