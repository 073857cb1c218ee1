"""The final phase's room: an accepted poster's authors ask for upload URLs for the final abstract and the
poster, and confirm who presents and what may be published. Both need the submission's token."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from cfp import wiring
from cfp.api.answers import (
    INVALID,
    NOT_JSON,
    RATE_LIMITED,
    TOKEN,
    TOO_LARGE,
    UNAUTHORIZED,
    ErrorAnswer,
    SubmissionId,
    documented,
)
from cfp.api.identity import bearer_token
from cfp.api.room import Room
from cfp.finals import FinalDetails, FinalUploadRequest, FinalView
from cfp.upload_views import UploadIssued

router = Room()

_NOT_NOW: OpenAPIResponse = documented(
    ErrorAnswer,
    "not_accepted: the submission has no final phase (not accepted, or the acceptance not sent yet); "
    "final_closed: the final deadline has passed; withdrawn: the submission was withdrawn.",
)


@router.post(
    "/submissions/<submission_id>/final-upload-url",
    status_code=201,
    summary="Get a presigned POST for the final abstract or the poster",
    security=TOKEN,
    operation_id="newFinalUploadUrl",
    responses={
        201: {"description": "A presigned POST for the next final upload of that kind."},
        401: UNAUTHORIZED,
        409: _NOT_NOW,
        413: TOO_LARGE,
        415: NOT_JSON,
        422: INVALID,
        429: RATE_LIMITED,
    },
)
def new_final_upload_url(submission_id: SubmissionId, request: FinalUploadRequest) -> UploadIssued:
    submission, _ = wiring.submission_service().authorize(submission_id, bearer_token(router.event))
    return wiring.final_phase().issue_upload(submission, request.kind)


@router.put(
    "/submissions/<submission_id>/final",
    summary="Name the presenting author and choose what the public program may publish",
    security=TOKEN,
    operation_id="confirmFinal",
    responses={
        200: {"description": "The final phase as it stands now."},
        401: UNAUTHORIZED,
        409: _NOT_NOW,
        413: TOO_LARGE,
        415: NOT_JSON,
        422: INVALID,
    },
)
def confirm_final(submission_id: SubmissionId, details: FinalDetails) -> FinalView:
    submission, _ = wiring.submission_service().authorize(submission_id, bearer_token(router.event))
    return wiring.final_phase().confirm(submission, details)
