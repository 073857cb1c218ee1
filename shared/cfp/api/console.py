"""The console's reading and judging room: the list, one submission, reviews, conflicts and the
discussion, a PDF's link, and decisions."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from cfp import wiring
from cfp.api.answers import CONSOLE_ANSWERS, ErrorAnswer, JobId, SubmissionId, answers, documented
from cfp.api.room import OrganizersRoom
from cfp.bootstrap import build_console, build_releases, build_reviewing
from cfp.console_views import SubmissionDetail, SubmissionList
from cfp.release_records import Decided, DecisionJobView, DecisionRequest
from cfp.reviews import CommentInput, CommentView, ConflictInput, ReviewInput, ReviewView, Standing
from cfp.upload_views import PdfLink

router = OrganizersRoom()


@router.get(
    "/organizers/submissions",
    summary="Every submission as one compact table",
    responses=answers(200, "Every submission, one row each, with the counts.", CONSOLE_ANSWERS),
)
def list_for_organizers() -> SubmissionList:
    return build_console(wiring.adapters()).listing(router.organizer)


@router.get(
    "/organizers/submissions/<submission_id>",
    summary="One submission: metadata, every version with its verdict, decision and history",
    responses=answers(200, "The submission: its versions, verdicts, decision and history.", CONSOLE_ANSWERS),
)
def show_for_organizers(submission_id: SubmissionId) -> SubmissionDetail:
    return build_console(wiring.adapters()).show(submission_id, router.organizer)


_REVIEW_ANSWERS: dict[int, OpenAPIResponse] = {
    **CONSOLE_ANSWERS,
    403: documented(ErrorAnswer, "conflicted: you declared a conflict with this submission."),
    409: documented(
        ErrorAnswer,
        "locked: the decision was released, so reviews no longer change; withdrawn: the submission was "
        "withdrawn; conflict: it changed meanwhile, or you declared a conflict over your own review.",
    ),
}


@router.put(
    "/organizers/submissions/<submission_id>/review",
    summary="Write or change your review: merit 1-5, confidence 1-4, comments for authors and organizers",
    responses=answers(200, "Your review as it stands now.", _REVIEW_ANSWERS),
)
def put_review(submission_id: SubmissionId, review: ReviewInput) -> ReviewView:
    return build_reviewing(wiring.adapters()).review(submission_id, router.organizer, review)


@router.delete(
    "/organizers/submissions/<submission_id>/review",
    summary="Withdraw your review (until the decision is released)",
    responses=answers(200, "Withdrawn: what you may see of the reviewing now.", _REVIEW_ANSWERS),
)
def withdraw_review(submission_id: SubmissionId) -> Standing:
    organizer = router.organizer
    reviewing = build_reviewing(wiring.adapters())
    reviewing.withdraw_review(submission_id, organizer)
    return reviewing.sight(submission_id, organizer).standing()


@router.put(
    "/organizers/submissions/<submission_id>/conflict",
    summary="Declare or lift your conflict with a submission (false also dismisses a suggested one)",
    responses=answers(200, "What you may see of the reviewing now.", _REVIEW_ANSWERS),
)
def put_conflict(submission_id: SubmissionId, conflict: ConflictInput) -> Standing:
    return build_reviewing(wiring.adapters()).set_conflict(
        submission_id, router.organizer, conflict.conflicted
    )


@router.post(
    "/organizers/submissions/<submission_id>/comments",
    status_code=201,
    summary="Add a comment to the organizers' discussion of a submission",
    responses=answers(201, "The comment, added.", _REVIEW_ANSWERS),
)
def add_comment(submission_id: SubmissionId, comment: CommentInput) -> CommentView:
    return build_reviewing(wiring.adapters()).comment(submission_id, router.organizer, comment)


@router.post(
    "/organizers/submissions/<submission_id>/versions/<version>/link",
    summary="A link to one upload's PDF, presigned now for a few minutes",
    responses=answers(200, "A link to the PDF, presigned for a few minutes.", CONSOLE_ANSWERS),
)
def link_to_pdf(
    submission_id: SubmissionId,
    version: Annotated[int, Path(ge=1, le=999999)],
    object_id: Annotated[str | None, Query(alias="object", max_length=1024)] = None,
) -> PdfLink:
    return build_console(wiring.adapters()).pdf_link(submission_id, version, object_id)


@router.post(
    "/organizers/decisions",
    summary="Accept or reject submissions (mailed only on release)",
    responses=answers(200, "The submissions decided.", CONSOLE_ANSWERS),
)
def decide(request: DecisionRequest) -> Decided:
    return build_releases(wiring.adapters()).decide(request, router.organizer)


@router.get(
    "/organizers/decisions/<job_id>",
    summary="How far a decision on many submissions has come: applying (done of total) or done",
    responses=answers(
        200,
        "The decision job as it stands.",
        {**CONSOLE_ANSWERS, 404: documented(ErrorAnswer, "not_found: no such decision job.")},
    ),
)
def read_decision_job(job_id: JobId) -> DecisionJobView:
    return build_releases(wiring.adapters()).decision_job(job_id)
