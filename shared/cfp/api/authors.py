"""The authors' room: create a submission, read it, edit it, get an upload URL, withdraw it; and the
call's public facts. Every route about one submission needs its token (checked before its input)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header

from cfp import wiring
from cfp.api.answers import (
    CLOSED,
    INVALID,
    KEY_REUSED,
    NOT_JSON,
    RATE_LIMITED,
    TOKEN,
    TOO_LARGE,
    UNAUTHORIZED,
    UNAVAILABLE,
    WITHDRAWN,
    SubmissionId,
    answers,
)
from cfp.api.identity import bearer_token
from cfp.api.room import Room
from cfp.bootstrap import build_submission_service
from cfp.call import CallFacts, call_facts
from cfp.observability import metrics
from cfp.submission_views import (
    SubmissionCreate,
    SubmissionCreated,
    SubmissionPatch,
    SubmissionView,
    manage_link,
)
from cfp.upload_views import UploadIssued

router = Room()

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
        ("NewFinalUploadUrl", "newFinalUploadUrl", "Once accepted: a presigned POST for a final upload."),
        ("ConfirmFinal", "confirmFinal", "Once accepted: name the presenter and choose what is published."),
    )
}


@router.post(
    "/submissions",
    status_code=201,
    summary="Create a submission and get its first upload URL",
    operation_id="createSubmission",
    responses={
        201: {
            "description": "Created: the id, the token (shown once) and the first upload.",
            "links": _CREATED_LINKS,
        },
        403: CLOSED,
        409: KEY_REUSED,
        413: TOO_LARGE,
        415: NOT_JSON,
        422: INVALID,
        429: RATE_LIMITED,
        503: UNAVAILABLE,
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
    client = router.event.request_context.http.source_ip
    created = build_submission_service(wiring.adapters()).create(request, idempotency_key, client)
    metrics.add_metric(name="SubmissionCreated", unit="Count", value=1)
    page = wiring.settings().public_url or f"https://{router.event.request_context.domain_name}"
    return created.model_copy(update={"manage_url": manage_link(page, created.id, created.token)})


@router.get(
    "/submissions/<submission_id>",
    summary="Read a submission, its versions and its verdict",
    security=TOKEN,
    operation_id="readSubmission",
    responses={200: {"description": "The submission."}, 401: UNAUTHORIZED, 413: TOO_LARGE, 422: INVALID},
)
def read_submission(submission_id: SubmissionId) -> SubmissionView:
    return build_submission_service(wiring.adapters()).read(submission_id, bearer_token(router.event))


@router.post(
    "/submissions/<submission_id>/upload-url",
    summary="Get a presigned POST for a new version",
    security=TOKEN,
    operation_id="newUploadUrl",
    responses={
        200: {"description": "A presigned POST for the next version."},
        401: UNAUTHORIZED,
        403: CLOSED,
        409: WITHDRAWN,
        413: TOO_LARGE,
        422: INVALID,
        429: RATE_LIMITED,
    },
)
def new_upload_url(submission_id: SubmissionId) -> UploadIssued:
    return build_submission_service(wiring.adapters()).new_upload(submission_id, bearer_token(router.event))


@router.patch(
    "/submissions/<submission_id>",
    summary="Edit the title, authors, contact or abstract",
    security=TOKEN,
    operation_id="editSubmission",
    responses={
        200: {"description": "The submission as edited."},
        401: UNAUTHORIZED,
        403: CLOSED,
        409: WITHDRAWN,
        413: TOO_LARGE,
        415: NOT_JSON,
        422: INVALID,
    },
)
def edit_submission(submission_id: SubmissionId, patch: SubmissionPatch) -> SubmissionView:
    return build_submission_service(wiring.adapters()).update(
        submission_id, bearer_token(router.event), patch
    )


@router.delete(
    "/submissions/<submission_id>",
    summary="Withdraw a submission (its files are kept)",
    security=TOKEN,
    operation_id="withdrawSubmission",
    responses={
        200: {"description": "The submission, withdrawn."},
        401: UNAUTHORIZED,
        409: WITHDRAWN,
        413: TOO_LARGE,
        422: INVALID,
    },
)
def withdraw_submission(submission_id: SubmissionId) -> SubmissionView:
    return build_submission_service(wiring.adapters()).withdraw(submission_id, bearer_token(router.event))


@router.get(
    "/call",
    summary="The call's public facts: deadline, upload and field limits",
    responses=answers(200, "The call's facts.", {422: INVALID}),
)
def read_call() -> CallFacts:
    return call_facts(wiring.settings(), wiring.clock().now())
