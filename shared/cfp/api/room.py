"""What every room of the API is built on: a Powertools ``Router`` that knows its events are HTTP API
ones, and the organizers' kind, whose every route runs behind the sign-in and Origin check (as route
middleware) and is documented as needing the session, so no console route can forget either."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from cfp.api.answers import ORGANIZER
from cfp.api.identity import organizer_of


class Room(Router):
    """A room of the API: its routes, and the HTTP API event being answered."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    @property
    def event(self) -> APIGatewayProxyEventV2:
        return cast(APIGatewayProxyEventV2, self.current_event)


def _signed_in(app: Any, next_middleware: NextMiddleware) -> Response[Any]:
    app.append_context(organizer=organizer_of(app.current_event))
    return next_middleware(app)


class OrganizersRoom(Room):
    """A room of the console: each of its routes runs behind the sign-in check and is documented as
    needing the organizer's session."""

    def route(
        self,
        rule: str,
        method: Any,
        cors: bool | None = None,
        compress: bool = False,
        cache_control: str | None = None,
        summary: str | None = None,
        description: str | None = None,
        responses: dict[int, OpenAPIResponse] | None = None,
        response_description: str | None = "Successful Response",
        tags: list[str] | None = None,
        operation_id: str | None = None,
        include_in_schema: bool = True,
        security: list[dict[str, list[str]]] | None = None,
        openapi_extensions: dict[str, Any] | None = None,
        deprecated: bool = False,
        enable_validation: bool | None = None,
        custom_response_validation_http_code: int | HTTPStatus | None = None,
        status_code: int = 200,
        middlewares: list[Callable[..., Any]] | None = None,
    ) -> Callable[[Any], Any]:
        return super().route(
            rule,
            method,
            cors,
            compress,
            cache_control,
            summary,
            description,
            responses,
            response_description,
            tags,
            operation_id,
            include_in_schema,
            security or ORGANIZER,
            openapi_extensions,
            deprecated,
            enable_validation,
            custom_response_validation_http_code,
            status_code,
            [_signed_in, *(middlewares or [])],
        )

    @property
    def organizer(self) -> str:
        """The address of the organizer the request came from, as the sign-in check found it."""
        found: str = self.context["organizer"]
        return found
