"""The HTTP API front: API Gateway HTTP API semantics (payload format 2.0, CORS) on a local port.

Each request becomes the event the real handler receives behind API Gateway, and the handler's answer is
turned back into an HTTP response by API Gateway's rules, so the handler runs unchanged. Paths under
``/_local/`` are the local stack's own control endpoints (firing schedules).
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from cfp_tools.local.functions import FunctionPool, InvocationError
from cfp_tools.local.http_server import LocalHandler, LocalServer
from cfp_tools.local.usage import Meter
from cfp_tools.template import ApiCors

CONTROL_PREFIX = "/_local/"
DEFAULT_ROUTE = "$default"
MAX_REQUEST_BYTES = 10 * 1024 * 1024

# Bodies of these types reach the handler as text; API Gateway base64-encodes every other body.
_TEXT_TYPES = re.compile(
    r"^(text/|application/(json|.*\+json|xml|.*\+xml|javascript|x-www-form-urlencoded|graphql))",
    re.IGNORECASE,
)

ControlHandler = Callable[[str, str, dict[str, str]], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class Route:
    """One HttpApi event: ``method`` (or ANY) on a path template such as ``/{proxy+}``."""

    route_key: str
    method: str
    pattern: re.Pattern[str]
    worker: FunctionPool

    @classmethod
    def build(cls, route_key: str, worker: FunctionPool) -> Route:
        if route_key == DEFAULT_ROUTE:
            return cls(route_key, "ANY", re.compile(".*"), worker)
        method, _, path = route_key.partition(" ")
        regex = ""
        for part in re.split(r"(\{[^}]+\})", path):
            if part.startswith("{") and part.endswith("+}"):
                regex += f"(?P<{part[1:-2]}>.+)"
            elif part.startswith("{"):
                regex += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                regex += re.escape(part)
        return cls(route_key, method.upper(), re.compile(f"^{regex}$"), worker)

    @property
    def precedence(self) -> tuple[bool, int, bool, int]:
        """API Gateway's order: ``$default`` last, exact paths before greedy ones, methods before ANY."""
        path = self.route_key.partition(" ")[2]
        return (self.route_key == DEFAULT_ROUTE, path.count("+}"), self.method == "ANY", -len(path))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in {"ANY", method}:
            return None
        found = self.pattern.match(path)
        return None if found is None else {key: unquote(value) for key, value in found.groupdict().items()}


def _join_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for key, value in pairs:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def build_event(
    route: Route,
    path_parameters: dict[str, str],
    method: str,
    raw_target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    host: str,
) -> dict[str, Any]:
    """The API Gateway HTTP API payload format 2.0 event for one request."""
    split = urlsplit(raw_target)
    lowered = [(name.lower(), value) for name, value in headers]
    cookies = [part.strip() for name, value in lowered if name == "cookie" for part in value.split(";")]
    header_map = _join_values([(name, value) for name, value in lowered if name != "cookie"])
    header_map.setdefault("x-forwarded-for", source_ip)
    header_map.setdefault("x-forwarded-proto", "http")
    now = datetime.now(UTC)
    request_id = base64.b32encode(uuid.uuid4().bytes).decode()[:16]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": split.path,
        "rawQueryString": split.query,
        "headers": header_map,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "http": {
                "method": method,
                "path": split.path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": header_map.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = [cookie for cookie in cookies if cookie]
    query = parse_qsl(split.query, keep_blank_values=True)
    if query:
        event["queryStringParameters"] = _join_values(query)
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        content_type = header_map.get("content-type", "")
        if _TEXT_TYPES.match(content_type):
            event["body"] = body.decode("utf-8", errors="replace")
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def to_http_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Map a handler's return value to an HTTP response as API Gateway's 2.0 format does."""
    if not (isinstance(result, dict) and "statusCode" in result):
        text = result if isinstance(result, str) else json.dumps(result)
        return 200, [("content-type", "application/json")], text.encode()
    headers = [(str(name), str(value)) for name, value in (result.get("headers") or {}).items()]
    headers += [("set-cookie", str(cookie)) for cookie in result.get("cookies") or []]
    raw = result.get("body")
    if raw is None:
        body = b""
    elif result.get("isBase64Encoded"):
        body = base64.b64decode(str(raw))
    else:
        body = (raw if isinstance(raw, str) else json.dumps(raw)).encode()
    if not any(name.lower() == "content-type" for name, _ in headers) and body:
        headers.append(("content-type", "application/json"))
    return int(result["statusCode"]), headers, body


def origin_allowed(cors: ApiCors, origin: str) -> bool:
    return "*" in cors.allow_origins or origin in cors.allow_origins


def cors_response_headers(cors: ApiCors | None, origin: str | None) -> list[tuple[str, str]]:
    """Headers API Gateway adds to an ordinary response when the request's origin is allowed."""
    if cors is None or not origin or not origin_allowed(cors, origin):
        return []
    allowed = "*" if "*" in cors.allow_origins and not cors.allow_credentials else origin
    headers = [("access-control-allow-origin", allowed)]
    if cors.allow_credentials:
        headers.append(("access-control-allow-credentials", "true"))
    if cors.expose_headers:
        headers.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
    if allowed != "*":
        headers.append(("vary", "origin"))
    return headers


def preflight_headers(cors: ApiCors, origin: str, method: str, requested: str) -> list[tuple[str, str]]:
    """API Gateway's answer to a CORS preflight: the allow headers, or none when the request doesn't fit."""
    wanted = [name.strip().lower() for name in requested.split(",") if name.strip()]
    if not origin_allowed(cors, origin):
        return []
    if "*" not in cors.allow_methods and method.upper() not in cors.allow_methods:
        return []
    if "*" not in cors.allow_headers and any(name not in cors.allow_headers for name in wanted):
        return []
    headers = cors_response_headers(cors, origin)
    methods = "*" if "*" in cors.allow_methods else ",".join(cors.allow_methods)
    headers.append(("access-control-allow-methods", methods))
    if wanted:
        allow = ",".join(wanted) if "*" in cors.allow_headers else ",".join(cors.allow_headers)
        headers.append(("access-control-allow-headers", allow))
    if cors.max_age is not None:
        headers.append(("access-control-max-age", str(cors.max_age)))
    return headers


def _part(request: BaseHTTPRequestHandler) -> tuple[str, str | None]:
    """What a request's CPU counts towards: the API front, or the stack's own endpoints."""
    path = getattr(request, "path", "")
    if path.startswith(CONTROL_PREFIX):
        return "stack control endpoints", path.partition("?")[0]
    return "API front", getattr(request, "command", None)


class HttpApiServer(LocalServer):
    """A threaded server bound to 127.0.0.1 that plays API Gateway in front of the routed functions."""

    def __init__(
        self,
        port: int,
        routes: list[Route],
        cors: ApiCors | None,
        control: ControlHandler,
        log: Callable[[str], None],
        meter: Meter | None = None,
    ) -> None:
        super().__init__(port, _Handler, "http-api", meter, _part)
        self.routes = routes
        self.cors = cors
        self.control = control
        self.log = log


class _Handler(LocalHandler):
    server: HttpApiServer

    def __getattr__(self, name: str) -> Any:
        """Any other method (TRACE, PROPFIND, ...) is routed too, as an ``ANY`` route takes every method: the
        function answers one it does not serve (a JSON 405), not the server with a 501 page of its own."""
        if name.startswith("do_"):
            return self.handle_request
        raise AttributeError(name)

    def _send_json(self, status: int, document: Any, extra: list[tuple[str, str]] | None = None) -> None:
        headers = [("content-type", "application/json"), *(extra or [])]
        self.reply(status, headers, json.dumps(document).encode())

    def handle_request(self) -> None:
        """Answer, and print the request line with its status and time."""
        started = time.monotonic()
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_REQUEST_BYTES:
            self.close_connection = True
            self._send_json(413, {"message": "Request Entity Too Large"})
            status = 413
        else:
            body = self.rfile.read(length) if length else b""
            status = self._dispatch(urlsplit(self.path).path, body)
        elapsed = (time.monotonic() - started) * 1000
        self.server.log(f"{self.command} {self.path} -> {status} ({elapsed:.0f} ms)")

    def _dispatch(self, path: str, body: bytes) -> int:
        if path.startswith(CONTROL_PREFIX):
            query = dict(parse_qsl(urlsplit(self.path).query))
            status, document = self.server.control(self.command, path[len(CONTROL_PREFIX) :], query)
            self._send_json(status, document)
            return status
        cors = self.server.cors
        origin = self.headers.get("origin")
        requested_method = self.headers.get("access-control-request-method")
        if cors is not None and self.command == "OPTIONS" and origin and requested_method:
            requested_headers = self.headers.get("access-control-request-headers", "")
            self.reply(204, preflight_headers(cors, origin, requested_method, requested_headers), b"")
            return 204
        extra = cors_response_headers(cors, origin)
        for route in self.server.routes:
            parameters = route.match(self.command, path)
            if parameters is None:
                continue
            host = self.headers.get("host", f"127.0.0.1:{self.server.server_address[1]}")
            event = build_event(
                route,
                parameters,
                self.command,
                self.path,
                list(self.headers.items()),
                body,
                self.client_address[0],
                host,
            )
            extra.append(("apigw-requestid", event["requestContext"]["requestId"]))
            try:
                result = route.worker.invoke(event)
                status, headers, payload = to_http_response(result)
            except (InvocationError, ValueError, TypeError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                self.server.log(f"{route.worker.function.logical_id} failed: {reason}")
                self._send_json(500, {"message": "Internal Server Error"}, extra)
                return 500
            overridden = {name for name, _ in extra}
            headers = [(name, value) for name, value in headers if name.lower() not in overridden]
            self.reply(status, headers + extra, payload)
            return status
        self._send_json(404, {"message": "Not Found"}, extra)
        return 404
