"""The program's room: the published program for anyone (page, JSON, CSV, iCalendar, each served as
stored), and for organizers its preview, publication and boards."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from cfp import web, wiring
from cfp.api.answers import CONSOLE_ANSWERS, INVALID, ErrorAnswer, SubmissionId, answers, documented, error
from cfp.api.room import OrganizersRoom, Room
from cfp.bootstrap import build_program_desk, build_program_pdfs
from cfp.program import BoardRequest, Program, Published

public = Room()
router = OrganizersRoom()

_PROGRAM_ANSWERS: dict[int, OpenAPIResponse] = {
    404: documented(ErrorAnswer, "not_found: no program has been published yet."),
    503: documented(ErrorAnswer, "unavailable: the program could not be read; try again."),
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
    found = wiring.adapters().program_files.read(name)
    if found is None:
        if name.endswith(".html"):
            headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}
            return Response(status_code=404, headers=headers, body=_NOT_PUBLISHED_PAGE)
        return error(404, "not_found", "no program has been published yet")
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
    if public.event.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers, body="")
    return Response(status_code=200, headers=headers, body=body.decode("utf-8"))


_PUBLISHED_HTML: OpenAPIResponse = {
    "description": "The published program's page.",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


@public.get(
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


@public.get(
    "/program.json",
    summary="The published program as JSON",
    responses={
        200: {"description": "The snapshot.", "content": {"application/json": {"model": Program}}},
        **_PROGRAM_ANSWERS,
    },
)
def program_json() -> Response[Any]:
    return _published("program.json")


@public.get(
    "/program.csv",
    summary="The published program as CSV (formula-safe)",
    responses={
        200: {"description": "One row a poster.", "content": {"text/csv": {"schema": {"type": "string"}}}},
        **_PROGRAM_ANSWERS,
    },
)
def program_csv() -> Response[Any]:
    return _published("program.csv")


@public.get(
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


@public.get(
    "/program/posters/<submission_id>/<name>",
    summary="A published poster's final abstract or poster PDF: a redirect to a link that works 10 minutes",
    responses={
        302: {"description": "Found: the Location header is a link to the PDF, valid 10 minutes."},
        404: documented(
            ErrorAnswer,
            "not_found: the program links to no such PDF, or its authors no longer agree to publish it.",
        ),
        422: INVALID,
    },
)
def published_pdf(
    submission_id: SubmissionId,
    name: Annotated[str, Path(pattern=r"^(abstract|poster)\.pdf$", description="abstract.pdf or poster.pdf")],
) -> Response[Any]:
    url = build_program_pdfs(wiring.adapters()).link(submission_id, name.removesuffix(".pdf"))
    return Response(status_code=302, headers={"Location": url, "Cache-Control": "no-store"}, body="")


@router.get(
    "/organizers/program/preview",
    summary="The program as publishing it now would make it (HTML, or JSON by Accept)",
    responses={
        200: {
            "description": "The program as it would be published.",
            "content": {"application/json": {"model": Program}, "text/html": {"schema": {"type": "string"}}},
        },
        **CONSOLE_ANSWERS,
    },
)
def preview_program() -> Response[Any]:
    program = build_program_desk(wiring.adapters()).preview()
    accept = router.event.headers.get("accept") or ""
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


@router.post(
    "/organizers/program/publish",
    summary="Publish the program as previewed now; answers the snapshot's id, time and changelog",
    responses=answers(200, "Published.", CONSOLE_ANSWERS),
)
def publish_program() -> Published:
    return build_program_desk(wiring.adapters()).publish(router.organizer)


@router.put(
    "/organizers/submissions/<submission_id>/board",
    summary="Give an accepted poster its board by hand (kept across publications)",
    responses=answers(
        200,
        "The board, recorded; it is public at the next publication.",
        {
            **CONSOLE_ANSWERS,
            409: documented(
                ErrorAnswer,
                "board_taken: another poster has it; not_in_program: not an accepted poster whose "
                "acceptance was mailed.",
            ),
        },
    ),
)
def set_board(submission_id: SubmissionId, request: BoardRequest) -> BoardRequest:
    return BoardRequest(board=build_program_desk(wiring.adapters()).set_board(submission_id, request.board))
