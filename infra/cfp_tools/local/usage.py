"""Where the local stack's CPU goes: CPU seconds and calls by part, read at ``/_local/usage``.

Lambda bills CPU-heavy work by duration, and a stack that costs more CPU per submission than the machine
has serves fewer submissions a second, so the benchmark reports CPU by part of the stack. Each function
worker measures its own process's CPU (and its children's) around each invocation and reports it with the
answer; each of the stack's HTTP servers (moto, the S3 front, the API front) measures the CPU of the
thread that serves a request, per request; the pollers and the outbox measure their own threads. What the
stack's process spent on none of these (thread start-up, logging, ...) is the difference between the
process's own CPU time and what its parts measured.
"""

from __future__ import annotations

import json
import re
import resource
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

# What the stack's own process spent outside the parts it measures.
UNATTRIBUTED = "stack process, unattributed"


def process_cpu() -> float:
    """CPU seconds of this process and of its children that have ended (a validator's forks)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def openapi_routes(document: Path) -> list[tuple[re.Pattern[str], str]]:
    """The path templates of an OpenAPI document, as patterns matching the paths they describe (the ones
    with fewer parameters first, so a literal ``/submissions/x`` route wins over ``/submissions/{id}``);
    none when there is no such document."""
    if not document.is_file():
        return []
    routes = []
    for template in json.loads(document.read_text())["paths"]:
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template))
        routes.append((re.compile(f"^{pattern}$"), template))
    return sorted(routes, key=lambda route: route[1].count("{"))


class Meter:
    """CPU seconds and calls by part of the stack, and by operation within a part; thread-safe.

    ``routes`` (from the API's OpenAPI document) name an HTTP invocation's operation after its path
    template, so the invocations of a greedy route (``ANY /{proxy+}``) are told apart by the API's own routes.
    """

    def __init__(self, routes: list[tuple[re.Pattern[str], str]] | None = None) -> None:
        self._routes = routes or []
        self._lock = threading.Lock()
        self._parts: dict[str, list[float]] = {}
        self._operations: dict[str, list[float]] = {}
        # Parts measured in this process (the rest run in the function workers' processes).
        self._here: set[str] = set()

    def add(
        self, part: str, seconds: float, calls: int = 1, operation: str | None = None, here: bool = True
    ) -> None:
        with self._lock:
            totals = self._parts.setdefault(part, [0.0, 0.0])
            totals[0] += calls
            totals[1] += seconds
            if operation is not None:
                detail = self._operations.setdefault(f"{part}: {operation}", [0.0, 0.0])
                detail[0] += calls
                detail[1] += seconds
            if here:
                self._here.add(part)

    def operation(self, event: Any) -> str | None:
        """An invocation's operation: an HTTP event's route, by the API's path templates when the route is
        greedy (a path none names counts as ``(other)``, so probes do not add a line each); else none."""
        if not isinstance(event, dict) or not isinstance(event.get("routeKey"), str):
            return None
        route: str = event["routeKey"]
        if "+}" not in route:
            return route
        method = event.get("requestContext", {}).get("http", {}).get("method", "")
        path = str(event.get("rawPath", ""))
        template = next((name for pattern, name in self._routes if pattern.match(path)), "(other)")
        return f"{method} {template}"

    def snapshot(self) -> dict[str, Any]:
        """Every part's calls and CPU seconds so far, with this process's unattributed CPU as a part."""
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with self._lock:
            parts = {name: {"calls": int(c), "cpu_seconds": s} for name, (c, s) in self._parts.items()}
            operations = {
                name: {"calls": int(c), "cpu_seconds": s} for name, (c, s) in self._operations.items()
            }
            measured_here = sum(self._parts[name][1] for name in self._here)
        parts[UNATTRIBUTED] = {
            "calls": 0,
            "cpu_seconds": max(0.0, usage.ru_utime + usage.ru_stime - measured_here),
        }
        return {"parts": parts, "operations": operations}


def metered(
    handler: type[BaseHTTPRequestHandler],
    meter: Meter,
    part_of: Callable[[BaseHTTPRequestHandler], tuple[str, str | None]],
) -> type[BaseHTTPRequestHandler]:
    """``handler`` measuring the CPU of each request it serves (reading, answering and writing it);
    ``part_of`` names the part and the operation a request counts towards."""

    class Metered(handler):  # type: ignore[valid-type, misc]
        def handle_one_request(self) -> None:
            started = time.thread_time()
            try:
                super().handle_one_request()
            finally:
                # A kept-alive connection that closes without another request read nothing.
                if getattr(self, "raw_requestline", b""):
                    part, operation = part_of(self)
                    meter.add(part, time.thread_time() - started, operation=operation)

    Metered.__name__ = Metered.__qualname__ = f"Metered{handler.__name__}"
    return Metered


def aws_operation(request: BaseHTTPRequestHandler) -> tuple[str, str | None]:
    """The AWS service a request to moto is for (from its signature's scope) and its operation when the
    request names one in a header (DynamoDB's and SQS's JSON protocols do)."""
    headers = getattr(request, "headers", None) or {}
    scope = (headers.get("authorization") or "").partition("Credential=")[2].split(",")[0].split("/")
    service = scope[3] if len(scope) > 3 else "s3"
    target = headers.get("x-amz-target")
    operation = target.rpartition(".")[2] if target else getattr(request, "command", None)
    return f"moto {service}", operation
