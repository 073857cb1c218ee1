"""One table from core error to status, code and words, installed on the resolver once, so every room
answers a failure the same way; and the answer to input that breaks the rules, given only once the sender
is known to be allowed to ask."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from cfp.api.answers import error
from cfp.api.identity import authenticate_first
from cfp.deadline import describe
from cfp.errors import (
    ArchiveNotFound,
    ArchiveNotReady,
    NotSignedIn,
    QueueNotFound,
    QueueUnavailable,
    RateLimited,
    SealingFailed,
    SecretUnavailable,
    SignInLinkInvalid,
    SignInUnavailable,
    SubmissionNotFound,
    SubmissionWithdrawn,
    TableUnavailable,
    UploadNotFound,
)
from cfp.finals import FinalClosed, FinalNotOpen, NotAnAuthor
from cfp.instants import InstantOutOfRange
from cfp.observability import logger
from cfp.program import BoardTaken, NotInProgram
from cfp.release_records import ReleaseNotFound, ReleaseStarted
from cfp.reviews import Conflicted, ReviewConflict, ReviewLocked
from cfp.submission_views import CallClosed, IdempotencyKeyReused, NotAuthorized


@dataclass(frozen=True)
class Failure:
    """How one kind of core error is answered."""

    status: int
    code: str
    words: Callable[[Exception], str] = str


FAILURES: dict[type[Exception], Failure] = {
    NotAuthorized: Failure(401, "not_authorized"),
    NotSignedIn: Failure(401, "not_signed_in"),
    SignInLinkInvalid: Failure(401, "sign_in_link_invalid"),
    Conflicted: Failure(403, "conflicted"),
    SubmissionNotFound: Failure(404, "not_found", lambda e: f"no submission {e}"),
    UploadNotFound: Failure(404, "not_found"),
    ArchiveNotFound: Failure(404, "not_found"),
    QueueNotFound: Failure(404, "not_found"),
    ReleaseNotFound: Failure(404, "not_found"),
    SubmissionWithdrawn: Failure(409, "withdrawn", lambda e: f"{e}; it can no longer be changed"),
    IdempotencyKeyReused: Failure(
        409, "idempotency_key_reused", lambda e: f"{e}; use a new key for a new submission"
    ),
    ArchiveNotReady: Failure(409, "not_ready", lambda e: f"{e}; ask again when it is done"),
    ReleaseStarted: Failure(409, "already_started"),
    BoardTaken: Failure(409, "board_taken"),
    NotInProgram: Failure(409, "not_in_program"),
    ReviewLocked: Failure(409, "locked"),
    ReviewConflict: Failure(409, "conflict"),
    FinalNotOpen: Failure(409, "not_accepted"),
}
# A resource that did not answer: logged, and a 503 that says to try again.
UNAVAILABLE: tuple[type[Exception], ...] = (
    SecretUnavailable,
    TableUnavailable,
    QueueUnavailable,
    SignInUnavailable,
)


def field_errors(fields: list[dict[str, str]], event: APIGatewayProxyEventV2) -> Response[dict[str, Any]]:
    """422 naming every field at fault, once the sender is known to be allowed to ask at all."""
    try:
        authenticate_first(event)
    except (NotAuthorized, NotSignedIn) as refused:
        return _answer(refused)
    names = ", ".join(sorted({f["field"] for f in fields}))
    return error(422, "invalid_request", f"fix these fields: {names}", fields=fields)


def _answer(failure: Exception) -> Response[dict[str, Any]]:
    how = next(FAILURES[kind] for kind in type(failure).__mro__ if kind in FAILURES)
    return error(how.status, how.code, how.words(failure))


def install(app: APIGatewayHttpResolver) -> None:
    """Every core error the API can meet, answered by the table; the few with more to say, by hand."""
    for kind in FAILURES:
        app.exception_handler(kind)(_answer)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(failure: RequestValidationError) -> Response[dict[str, Any]]:
        fields = [
            {
                "field": ".".join(str(part) for part in item["loc"] if part != "body") or "body",
                "problem": item["msg"],
            }
            for item in failure.errors()
        ]
        return field_errors(fields, app.current_event)

    @app.exception_handler(InstantOutOfRange)
    def _instant_out_of_range(failure: InstantOutOfRange) -> Response[dict[str, Any]]:
        return field_errors([{"field": failure.field, "problem": str(failure)}], app.current_event)

    @app.exception_handler(NotAnAuthor)
    def _not_an_author(failure: NotAnAuthor) -> Response[dict[str, Any]]:
        return field_errors([{"field": failure.field, "problem": str(failure)}], app.current_event)

    @app.exception_handler(FinalClosed)
    def _final_closed(failure: FinalClosed) -> Response[dict[str, Any]]:
        return error(
            409,
            "final_closed",
            f"The final versions were due by {describe(failure.closed_at)}; "
            "ask the organizers for more time.",
            closed_at=failure.closed_at.isoformat(),
        )

    @app.exception_handler(CallClosed)
    def _call_closed(failure: CallClosed) -> Response[dict[str, Any]]:
        return error(
            403,
            "call_closed",
            f"The call for posters closed at {describe(failure.closed_at)}; "
            "reading and withdrawing stay open.",
            closed_at=failure.closed_at.isoformat(),
        )

    @app.exception_handler(RateLimited)
    def _rate_limited(failure: RateLimited) -> Response[dict[str, Any]]:
        response = error(429, "rate_limited", str(failure))
        if failure.retry_after:
            response.headers["Retry-After"] = str(failure.retry_after)
        return response

    @app.exception_handler(SealingFailed)
    def _not_saved(failure: SealingFailed) -> Response[dict[str, Any]]:
        logger.warning("token sealing failed", extra={"error": str(failure)})
        return error(
            503,
            "unavailable",
            "The service could not take the request just now; nothing was saved. Try again.",
        )

    for kind in UNAVAILABLE:

        @app.exception_handler(kind)
        def _unavailable(failure: Exception) -> Response[dict[str, Any]]:
            logger.error("the console could not reach a resource", extra={"error": str(failure)})
            return error(503, "unavailable", "The console could not answer just now. Try again.")
