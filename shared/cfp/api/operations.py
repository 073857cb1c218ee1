"""The console's operations room: releasing decisions, extensions, mails sent again, dead letters,
archives and the export."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict

from cfp import wiring
from cfp.api.answers import (
    CONSOLE_ANSWERS,
    ErrorAnswer,
    JobId,
    QueueName,
    ReleaseId,
    SubmissionId,
    answers,
    documented,
)
from cfp.api.room import OrganizersRoom
from cfp.archive import ArchiveView
from cfp.bootstrap import build_console, build_console_changes, build_operations, build_releases
from cfp.console_views import ArchiveRequest, DeadLetterListing, Export, ExtensionRequest, Redriven
from cfp.release_records import ReleasePreview, ReleaseRequest, ReleaseView
from cfp.upload_views import PdfLink

router = OrganizersRoom()

_EXPORTED: OpenAPIResponse = {
    "description": "Every submission as a download: CSV (one row each) or JSON (the call and every record).",
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/json": {"model": Export},
    },
}


class ResendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    what: Literal["receipt", "verdict"]


class Resent(BaseModel):
    event_id: str


_NO_OPTIONS = ReleaseRequest()
_RELEASE_ANSWERS: dict[int, OpenAPIResponse] = {
    **CONSOLE_ANSWERS,
    404: documented(ErrorAnswer, "not_found: no such release; preview again."),
    409: documented(ErrorAnswer, "already_started: the release was started before; preview again."),
}


@router.post(
    "/organizers/releases",
    status_code=201,
    summary="Preview the decision mails a release would send, recorded under an id to send them by",
    responses=answers(201, "The decision mails the release would send, and its id.", CONSOLE_ANSWERS),
)
def preview_release(request: Annotated[ReleaseRequest, Body()] = _NO_OPTIONS) -> ReleasePreview:
    organizer = router.organizer
    # No body asks for the decisions alone; a body that is there must be the object its schema says
    # (a JSON null reaches the route as no body at all).
    raw = (router.event.decoded_body or "").strip()
    if raw and not raw.startswith("{"):
        problem = {"loc": ("body",), "msg": "must be a JSON object, or left out", "type": "model_type"}
        raise RequestValidationError([problem])
    return build_releases(wiring.adapters()).preview(organizer, with_reviews=request.with_reviews)


@router.post(
    "/organizers/releases/<release_id>/send",
    status_code=202,
    summary="Start sending exactly the decision mails the preview showed, each once; say what changed since",
    responses=answers(202, "The release, queued, and what changed since its preview.", _RELEASE_ANSWERS),
)
def send_release(release_id: ReleaseId) -> ReleaseView:
    return build_releases(wiring.adapters()).start(release_id, router.organizer)


@router.get(
    "/organizers/releases/<release_id>",
    summary="How far a release has come: the mails gone through and those it sent",
    responses=answers(200, "The release as it stands.", _RELEASE_ANSWERS),
)
def read_release(release_id: ReleaseId) -> ReleaseView:
    return build_releases(wiring.adapters()).view(release_id)


@router.post(
    "/organizers/extensions",
    summary="Give submissions more time",
    responses=answers(200, "The submissions given more time.", CONSOLE_ANSWERS),
)
def extend(request: ExtensionRequest) -> dict[str, list[str]]:
    return {"extended": build_console_changes(wiring.adapters()).extend(request, router.organizer)}


@router.post(
    "/organizers/submissions/<submission_id>/resend",
    summary="Mail the authors their receipt (without the token) or verdict again",
    responses=answers(200, "The mail, sent again.", CONSOLE_ANSWERS),
)
def resend(submission_id: SubmissionId, request: ResendRequest) -> Resent:
    return Resent(
        event_id=build_console_changes(wiring.adapters()).resend(
            submission_id, request.what, router.organizer
        )
    )


@router.get(
    "/organizers/dead-letters",
    summary="Messages waiting in each dead-letter queue",
    responses=answers(200, "How many messages wait in each dead-letter queue.", CONSOLE_ANSWERS),
)
def dead_letters() -> dict[str, int]:
    return build_operations(wiring.adapters()).dead_letters()


@router.get(
    "/organizers/dead-letters/<queue>",
    summary="What waits in one dead-letter queue: how many, and what the oldest are about",
    responses=answers(200, "The queue's dead letters: how many, and the oldest.", CONSOLE_ANSWERS),
)
def show_dead_letters(queue: QueueName) -> DeadLetterListing:
    return build_operations(wiring.adapters()).dead_letter_messages(queue)


@router.post(
    "/organizers/dead-letters/<queue>/redrive",
    summary="Move every dead letter of one queue back to the queue it came from",
    responses=answers(200, "How many letters moved back to their queue.", CONSOLE_ANSWERS),
)
def redrive_dead_letters(queue: QueueName) -> Redriven:
    return Redriven(queue=queue, moved=build_operations(wiring.adapters()).redrive(queue, router.organizer))


_ARCHIVE_ANSWERS: dict[int, OpenAPIResponse] = {
    **CONSOLE_ANSWERS,
    404: documented(ErrorAnswer, "not_found: no such archive, or its zip has expired."),
    409: documented(ErrorAnswer, "not_ready: the archive is not done (or it failed)."),
}


@router.post(
    "/organizers/archives",
    status_code=202,
    summary="Start building one zip of every on-time PDF (and the late ones when asked)",
    responses=answers(202, "The archive job, queued.", CONSOLE_ANSWERS),
)
def start_archive(request: ArchiveRequest) -> ArchiveView:
    return build_operations(wiring.adapters()).start_archive(request, router.organizer)


@router.get(
    "/organizers/archives/<job_id>",
    summary="How far an archive has come: queued, building (files done of total), done or failed",
    responses=answers(200, "The archive job as it stands.", _ARCHIVE_ANSWERS),
)
def read_archive(job_id: JobId) -> ArchiveView:
    return build_operations(wiring.adapters()).archive(job_id)


@router.post(
    "/organizers/archives/<job_id>/link",
    summary="A link to the finished zip, presigned now for a few minutes",
    responses=answers(200, "A link to the zip, presigned for a few minutes.", _ARCHIVE_ANSWERS),
)
def link_to_archive(job_id: JobId) -> PdfLink:
    return build_operations(wiring.adapters()).archive_link(job_id)


@router.get(
    "/organizers/export",
    summary="Everything on record, as CSV or JSON",
    responses={200: _EXPORTED, **CONSOLE_ANSWERS},
)
def export(format: Annotated[Literal["csv", "json"], Query()] = "csv") -> Response[str]:
    viewer = router.organizer
    console = build_console(wiring.adapters())
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
