"""The final phase's room: an accepted poster's authors ask for upload URLs for the final abstract and the
poster, and confirm who presents and what may be published (with the submission's token); organizers read
the checklist, mail those missing something, and give more time (with their session)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from cfp import wiring
from cfp.api.answers import (
    CONSOLE_ANSWERS,
    INVALID,
    NOT_JSON,
    RATE_LIMITED,
    TOKEN,
    TOO_LARGE,
    UNAUTHORIZED,
    ErrorAnswer,
    SubmissionId,
    answers,
    documented,
)
from cfp.api.identity import bearer_token
from cfp.api.room import OrganizersRoom, Room
from cfp.bootstrap import build_final_desk, build_final_phase, build_submission_service
from cfp.final_desk import Checklist, FinalExtensionRequest, MissingMailPreview, MissingMailRequest
from cfp.finals import FinalDetails, FinalUploadRequest, FinalView
from cfp.upload_views import PdfLink, UploadIssued

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
    submission, _ = build_submission_service(wiring.adapters()).authorize(
        submission_id, bearer_token(router.event)
    )
    return build_final_phase(wiring.adapters()).issue_upload(submission, request.kind)


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
    submission, _ = build_submission_service(wiring.adapters()).authorize(
        submission_id, bearer_token(router.event)
    )
    return build_final_phase(wiring.adapters()).confirm(submission, details)


# ---- the organizers' final phase ---------------------------------------------------------------------

desk = OrganizersRoom()


@desk.get(
    "/organizers/finals",
    summary="The final phase's checklist: every accepted poster, what it has and what it still misses",
    responses=answers(200, "The checklist, with how many posters miss each item.", CONSOLE_ANSWERS),
)
def read_checklist() -> Checklist:
    return build_final_desk(wiring.adapters()).checklist()


@desk.post(
    "/organizers/finals/mail-missing",
    summary="Preview, then send, a mail to every author still missing the final abstract, the poster, "
    "the presenter, the consent, or anything",
    responses=answers(
        200,
        "The authors it mails (a preview sends nothing); sent: how many mails were queued.",
        CONSOLE_ANSWERS,
    ),
)
def mail_missing(request: MissingMailRequest) -> MissingMailPreview:
    return build_final_desk(wiring.adapters()).mail_missing(request, desk.organizer)


@desk.post(
    "/organizers/submissions/<submission_id>/finals/<number>/link",
    summary="A link to one final upload's PDF (final abstract or poster), presigned now for a few minutes",
    responses=answers(200, "A link to the PDF, presigned for a few minutes.", CONSOLE_ANSWERS),
)
def link_to_final(
    submission_id: SubmissionId,
    number: Annotated[int, Path(ge=1, le=999999)],
    object_id: Annotated[str | None, Query(alias="object", max_length=1024)] = None,
) -> PdfLink:
    return build_final_desk(wiring.adapters()).pdf_link(submission_id, number, object_id)


@desk.post(
    "/organizers/finals/extensions",
    summary="Give accepted posters more time for their final versions",
    responses=answers(200, "The posters given more time.", CONSOLE_ANSWERS),
)
def extend_finals(request: FinalExtensionRequest) -> dict[str, list[str]]:
    return {"extended": build_final_desk(wiring.adapters()).extend(request, desk.organizer)}
