"""The pages: the authors' page, the console and their files, from the API's own origin."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from cfp import web, wiring
from cfp.api.answers import error
from cfp.api.room import Room

router = Room()


@router.get("/organizers", include_in_schema=False)
def console_page() -> Response[str]:
    return _page_file(web.CONSOLE)


def _page_file(name: str) -> Response[str]:
    item = web.asset(name)
    headers = web.headers(item, web.origin_of(wiring.adapters().bucket.post_url()))
    if router.event.headers.get("if-none-match") == item.etag:
        return Response(status_code=304, headers=headers, body="")
    return Response(status_code=200, headers=headers, body=item.body)


@router.get("/", include_in_schema=False)
def authors_page() -> Response[str]:
    return _page_file(web.PAGE)


@router.get("/assets/<name>", include_in_schema=False)
def page_asset(name: str) -> Response[Any]:
    if name not in web.ASSETS:
        return error(404, "not_found", f"no page file {name!r}")
    return _page_file(name)
